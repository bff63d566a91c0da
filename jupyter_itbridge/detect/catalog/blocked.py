"""Blocked packages: an import the policy blocks, pip 403 / quarantine from a package firewall."""

from __future__ import annotations

from typing import Any

from .packages import NO_MODULE

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "blocked.import_guard",
        "family": "blocked",
        "types": ["BlockedImportError"],
        "message": r"'(?P<module>[\w.]{1,200})' is blocked by policy"
        r"(?: \(package '(?P<dist>[^'\n]{1,200})'\))?",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "The package '{dist}' is blocked by your organisation's policy.",
        "explanation": "Importing '{module}' was stopped before it ran. {reason}",
        "check": "blocked.from_guard",
        "example": "BlockedImportError: import of 'openai' is blocked by policy (package 'openai')",
    },
    {
        "id": "blocked.module_not_found",
        "family": "blocked",
        "types": ["ModuleNotFoundError", "ImportError"],
        "message": NO_MODULE,
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "The package '{dist}' is blocked by your organisation's policy.",
        "explanation": "'{module}' is not installed because the package is blocked. {reason}",
        "check": "blocked.from_policy",
        "example": "ModuleNotFoundError: No module named 'openai'",  # with 'openai' blocked
    },
    {
        "id": "blocked.pip_quarantined",
        "family": "blocked",
        "scope": "both",
        "message": r"(?i)(?:Could not install requirement "
        r"(?P<req>[A-Za-z0-9][A-Za-z0-9._-]{0,200}) [^\n]{0,1000}?)?"
        r"requested item is quarantined(?: for url: (?P<url>\S{1,2000}))?",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "Your organisation's package repository is holding back '{dist}' for review.",
        "explanation": "The package repository refused the download: '{dist}' is on hold "
        "(in quarantine), usually for a security or licence review. "
        "Only {it_contact} can release it or suggest an approved version.",
        "check": "blocked.from_pip",
        "gate": ["requested item is quarantined"],
        "example": "ERROR: Could not install requirement okpkg from https://nexus/.../okpkg-1.0"
        ".tar.gz because of HTTP error 403 Client Error: Requested item is quarantined for url",
    },
    {
        "id": "blocked.pip_download_403",
        "family": "blocked",
        "scope": "both",
        "message": r"(?:Could not install requirement "
        r"(?P<req>[A-Za-z0-9][A-Za-z0-9._-]{0,200}) from (?P<url>\S{1,2000}) "
        r"because of HTTP error 403|HTTP error 403 while getting "
        r"(?P<url2>\S{1,2000}))",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "Your organisation's package repository refused to download '{dist}'.",
        "explanation": "The package repository forbids downloading '{dist}' (HTTP 403). It "
        "usually does this for packages that are not approved.",
        "check": "blocked.from_pip",
        "example": "ERROR: HTTP error 403 while getting https://pypi.corp/packages/x/x-1.0.tar.gz",
    },
    {
        "id": "blocked.pip_index_403",
        "family": "blocked",
        "scope": "both",
        "message": r"Could not fetch URL (?P<url>\S{1,2000}?): 403\b",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "Your organisation's package repository refused to list '{dist}'.",
        "explanation": "The package repository forbids access to '{dist}' (HTTP 403): the "
        "package is not approved, or the repository refuses this server.",
        "check": "blocked.from_pip",
        "example": "Could not fetch URL https://idx/simple/x/: 403 Client Error: Forbidden",
    },
]
