"""``%itbridge``: see what was detected, switch the cards off/on, show the policy, ask IT.

%itbridge last            findings of the last failure, low-confidence ones included
%itbridge off | on        stop / resume showing cards in this kernel
%itbridge policy          the effective policy and where it came from
%itbridge request [text]  a free-form request card ("I need X"), with the environment
%itbridge status          extension state (loaded, policy origin, server URL, last error)
"""

from __future__ import annotations

import json
from typing import Any

USAGE = __doc__.split("\n\n", 1)[1].rstrip() if __doc__ else ""


def itbridge_magic(bridge: Any, line: str) -> None:
    command, _, rest = line.strip().partition(" ")
    command = command.lower()
    rest = rest.strip()
    if command in ("", "help", "-h", "--help"):
        print("Usage:\n" + USAGE)
    elif command == "last":
        _print_last(bridge)
    elif command == "off":
        bridge.enabled = False
        print("jupyter-itbridge: cards are off in this kernel (`%itbridge on` to resume).")
    elif command == "on":
        bridge.enabled = True
        print("jupyter-itbridge: cards are on.")
    elif command == "policy":
        if rest == "reload":
            bridge.reload_policy()
        policy = bridge.policy
        print(f"Effective policy (from {bridge.policy_origin or 'unknown'}):")
        print(json.dumps(policy.to_public_dict(), indent=2, sort_keys=True, default=str))
    elif command == "request":
        from .card import show_request_card

        bridge.cards.append(show_request_card(bridge, rest))
    elif command == "status":
        from .client import ServerClient

        client = ServerClient()
        print(f"enabled: {bridge.enabled}")
        print(f"policy from: {bridge.policy_origin or 'not loaded yet'}")
        print(f"server: {client.url or 'none (offline drafts)'}")
        print(f"findings shown this session: {len(bridge.shown)}")
        for name, seconds in bridge.timings.items():
            print(f"timing {name}: {seconds * 1000:.1f} ms")
        if bridge.last_internal_error:
            print(f"last internal error: {bridge.last_internal_error}")
    else:
        print(f"Unknown subcommand {command!r}.\nUsage:\n{USAGE}")


def _print_last(bridge: Any) -> None:
    findings = bridge.last_findings
    if not findings:
        print("jupyter-itbridge: the last failure produced no finding.")
        return
    print(f"Findings for the last failure ({bridge.last_source}):")
    for f in findings:
        shown = "card shown" if bridge.is_shown(f) else "no card (low confidence)"
        print(f"- [{f.confidence}] {f.kind} / {f.subject}: {f.title} ({shown})")
        if f.explanation:
            print(f"    {f.explanation}")


def register_magics(ipython: Any, bridge: Any) -> None:
    def itbridge(line: str = "") -> None:
        itbridge_magic(bridge, line)

    itbridge.__doc__ = __doc__
    ipython.register_magic_function(itbridge, "line", "itbridge")
