"""Access the user cannot grant themselves: shared paths outside their home, PEP 668 managed
environments, Kerberos tickets. A permission problem inside the user's own home (or in the
notebook's folder) is theirs to fix and yields no finding."""

from __future__ import annotations

import os
from typing import Any

from .engine import Hit


def _home() -> str:
    return os.path.realpath(os.path.expanduser("~"))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def outside_home(hit: Hit) -> dict[str, Any] | None:
    raw = hit.record.filename or hit.groups.get("path")
    if not raw:
        return None
    path = os.path.realpath(os.path.join(os.getcwd(), os.path.expanduser(raw)))
    home = _home()
    if home not in ("/", "") and _under(path, home):
        return None
    if "site-packages" in path:
        directory = path[: path.index("site-packages") + len("site-packages")]
    elif os.path.isdir(path):
        directory = path
    else:
        directory = os.path.dirname(path)
    return {
        "fmt": {"dir": directory, "path_q": f"'{raw}'"},
        "evidence": {"path": raw, "directory": directory, "home": home},
    }


def kerberos(hit: Hit) -> dict[str, Any] | None:
    """``kinit`` is the usual fix and always the user's own step (policy text overrides it)."""
    if hit.policy.driver_self_service.get("kerberos"):
        return {}
    return {"self_service": {"title": "Get a Kerberos ticket", "command": "!kinit"}}
