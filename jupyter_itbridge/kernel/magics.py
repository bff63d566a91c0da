"""``%itbridge``: see what was detected, switch the cards off/on, show the policy, ask IT.

Declared with IPython's ``magic_arguments``, so ``%itbridge?`` and ``%itbridge`` alone print
help generated from the arguments below. Imported on the first ``%itbridge`` (the parser is
built at import), never at kernel start: ``hook.ItbridgeMagic`` stands in until then.
"""

from __future__ import annotations

import json
from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

SUBCOMMANDS = ("last", "off", "on", "policy", "request", "status")
HELP_WORDS = ("", "help", "-h", "--help")


@magic_arguments()
@argument("subcommand", nargs="?", default="", help=", ".join(SUBCOMMANDS) + " (none: this help)")
@argument("text", nargs="*", help="'reload' after policy; the request text after request")
def itbridge(line: str = "") -> None:
    """jupyter-itbridge in this kernel: what it detected, its cards, the policy, asking IT.

    Subcommands:
      last              findings of the last failure, low-confidence ones included
      off | on          stop / resume showing cards in this kernel
      policy [reload]   the effective policy and where it came from (reload: read it again)
      request [text]    a free-form request card ("I need X"), prefilled with the environment
      status            extension state (loaded, policy origin, server URL, last error)
    """


def usage() -> str:
    return str(itbridge.__doc__ or "").strip()


def itbridge_magic(bridge: Any, line: str) -> None:
    # Split on whitespace, not shell-style: an apostrophe ("I can't ...") is not an error, and
    # unknown dashes are left over rather than fatal (IPython 8.0's parse_argstring has
    # neither ``partial`` nor a lenient split).
    args, _extra = itbridge.parser.parse_known_args(line.split())
    command = str(args.subcommand).lower()
    # The raw text after the subcommand: argparse's shell-style split would drop quotes.
    rest = line.strip().partition(" ")[2].strip()
    if command in HELP_WORDS:
        print(usage())
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
        _print_status(bridge)
    else:
        print(f"Unknown subcommand {command!r}.\n{usage()}")


def _print_status(bridge: Any) -> None:
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
