"""Blocked packages: the organisation's policy or its package firewall forbids a package.

Recognises the blocked-import finder's ``BlockedImportError`` (by class name: ``detect`` never
imports the kernel side), a plain ``ModuleNotFoundError`` for a blocked package, and pip's 403 /
"quarantined" answers from a package firewall (stream output of ``%pip install``).
"""

from __future__ import annotations

import re
from typing import Any

from jupyter_itbridge.pep503 import normalize_name
from jupyter_itbridge.policy import ITBridgePolicy

from .names import distribution_for
from .packages import pip_install_command
from .record import Hit

_SIMPLE_PAGE = re.compile(r"/simple/(?P<name>[^/#?]{1,300})/?(?:[#?].{0,2000})?$")
_FILE = re.compile(r"/(?P<file>[^/#?]{1,300}\.(?:whl|tar\.gz|zip|tar\.bz2|egg))(?:[#?].{0,2000})?$")
_INDEX_SELF_CHECK = {"pip"}  # pip asks the index about itself; a 403 there is not the user's


def _entry_finding(dist: str, entry: dict[str, str] | None, policy: ITBridgePolicy) -> dict:
    """Title/explanation/self-service parts shared by every blocked-package match."""
    out: dict[str, Any] = {"fmt": {"dist": dist, "reason": ""}}
    if entry is None:
        return out
    reason = entry.get("reason", "").strip()
    alt = entry.get("alternative", "").strip()
    out["policy_rule"] = f"blocked_packages.{entry['package']}"
    out["fmt"]["reason"] = reason + (f" Approved alternative: '{alt}'." if alt else "")
    out["evidence"] = {"policy_reason": reason}
    if alt:
        out["evidence"]["approved_alternative"] = alt
        out["self_service"] = alternative_self_service(alt, policy)
    return out


def alternative_self_service(alt: str, policy: ITBridgePolicy) -> dict[str, Any]:
    """Point to the approved alternative; with the install command only in self-service."""
    command = pip_install_command(alt, policy) if policy.install_mode == "self-service" else None
    return {"title": f"Use the approved alternative '{alt}'", "command": command}


def from_guard(hit: Hit) -> dict[str, Any] | None:
    """A ``BlockedImportError`` from the finder: its attributes beat the message text."""
    exc = hit.record.exc
    dist = getattr(exc, "distribution", None) or hit.groups.get("dist") or hit.groups["module"]
    entry = hit.policy.blocked_entry(dist)
    reason = getattr(exc, "reason", None)
    if entry is None and reason:
        alternative = getattr(exc, "alternative", None) or ""
        entry = {"package": dist, "reason": reason, "alternative": alternative}
    out = _entry_finding(dist, entry, hit.policy)
    if entry is None:
        out["policy_rule"] = f"blocked_packages.{dist}"
    return out


def from_policy(hit: Hit) -> dict[str, Any] | None:
    """``No module named 'x'`` where x's distribution is blocked: say so (else veto)."""
    module = hit.record.module_name or hit.groups["module"]
    overrides = hit.policy.import_name_overrides
    top = module.split(".")[0]
    for candidate in (distribution_for(module, overrides), module, top):
        if candidate:
            entry = hit.policy.blocked_entry(candidate)
            if entry is not None:
                return _entry_finding(entry["package"], entry, hit.policy)
    return None


def package_from_url(url: str) -> str | None:
    """``.../simple/foo/`` or ``.../foo-1.0-py3-none-any.whl`` -> ``foo``."""
    m = _FILE.search(url)
    if m:
        name = m.group("file")
        if name.endswith(".whl"):
            return name.split("-")[0]
        stem = re.sub(r"\.(tar\.gz|zip|tar\.bz2|egg)$", "", name)
        parts = stem.split("-")
        keep = [p for p in parts if not p[:1].isdigit()] if len(parts) > 1 else parts
        return "-".join(keep[: max(1, len(keep))]) or None
    m = _SIMPLE_PAGE.search(url)
    return m.group("name") if m else None


def from_pip(hit: Hit) -> dict[str, Any] | None:
    """A package firewall's 403 / quarantine: name the package, then consult the policy."""
    url = hit.groups.get("url") or hit.groups.get("url2") or ""
    dist = hit.groups.get("req") or package_from_url(url)
    if dist and normalize_name(dist) in _INDEX_SELF_CHECK:
        return None
    if not dist:
        return {
            "kind": "network_blocked",
            "subject": "package-index",
            "title": "Your organisation's package repository refused this server.",
            "explanation": "pip could not read the package repository (HTTP 403).",
            "evidence": {"url": host_only(url)} if url else {},
        }
    out = _entry_finding(dist, hit.policy.blocked_entry(dist), hit.policy)
    out.setdefault("policy_rule", "package-firewall")
    out.setdefault("evidence", {})["url"] = host_only(url) if url else None
    return out


def host_only(url: str) -> str:
    """Keep scheme, host and path, never user:password@ or a query string."""
    url = re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url, flags=re.I)
    return url.split("#")[0].split("?")[0]
