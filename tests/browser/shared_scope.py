"""What our built bundle asks of JupyterLab's shared scope (module federation), read from
the built ``remoteEntry`` the browser loads, and which "Unsatisfied version" warnings are ours.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BUILT = Path(__file__).resolve().parents[2] / "jupyter_itbridge" / "labextension"

#: One shared module in the built remoteEntry (rspack's module federation runtime data).
SHARED = re.compile(
    r'shareKey:"(?P<name>[^"]+)",import:(?P<import>[^,]+),requiredVersion:"(?P<range>[^"]*)"'
)
#: The runtime's warning: "Unsatisfied version 4.0.2 from @jupyterlab/application-top of
#: shared singleton module @jupyterlab/apputils (required ^4.6.4)".
UNSATISFIED = re.compile(
    r"Unsatisfied version \S+ .*of shared (?:singleton )?module (?P<name>\S+) "
    r"\(required (?P<range>[^)]+)\)"
)


def remote_entry() -> str:
    package = json.loads((BUILT / "package.json").read_text())
    return (BUILT / package["jupyterlab"]["_build"]["load"]).read_text()


def shared_modules() -> list[re.Match[str]]:
    return list(SHARED.finditer(remote_entry()))


def required_versions() -> dict[str, str]:
    """Shared package -> the version range our bundle requires of the page."""
    return {m["name"]: m["range"] for m in shared_modules()}


def our_unsatisfied(messages: list[str]) -> list[str]:
    """The warnings about a range our bundle requires (other extensions log their own)."""
    ours = set(required_versions().items())
    return [
        text
        for text in messages
        if (m := UNSATISFIED.search(text)) and (m["name"], m["range"]) in ours
    ]
