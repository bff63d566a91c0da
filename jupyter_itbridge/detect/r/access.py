"""The shared R library: ``install.packages`` may not write there. Other paths use Python's
rules (:func:`jupyter_itbridge.detect.access.outside_home`)."""

from __future__ import annotations

from typing import Any

from ..access import personal
from ..record import Hit
from .packages import install_command, package_in_install_call

#: A personal library R creates and uses by itself once it exists (R_LIBS_USER).
_PERSONAL = (
    'dir.create(Sys.getenv("R_LIBS_USER"), recursive = TRUE); .libPaths(Sys.getenv("R_LIBS_USER"))'
)


def library(hit: Hit) -> dict[str, Any] | None:
    lib = (hit.groups.get("path") or hit.groups.get("path2") or "").rstrip("/")
    if not lib or personal(lib):
        return None  # a library in the user's own space is theirs to fix
    out: dict[str, Any] = {"fmt": {"lib": lib}, "evidence": {"library": lib}}
    package = package_in_install_call(hit.record.context or "")
    if package:
        out["evidence"]["r_package"] = package
    if hit.policy.install_mode == "self-service":
        install = install_command(package or "<package>", hit.policy)
        out["self_service"] = {
            "title": "Install into your personal R library",
            "command": f"{_PERSONAL}; {install}",
        }
        out["policy_rule"] = "install_mode.self-service"
    return out
