"""Access the user cannot grant themselves: shared and system paths, shared environments pip
may not write to, PEP 668 managed environments. Kerberos tickets are in :mod:`.kerberos`."""

from __future__ import annotations

from typing import Any

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "access.pep668",
        "family": "access",
        "scope": "both",
        "message": r"externally-managed-environment",
        "kind": "access_denied",
        "subject": "externally-managed-environment",
        "title": "This Python environment is managed by the system; pip may not install into it.",
        "explanation": "The environment is marked as managed by the operating system, so pip "
        "refuses to change it. Packages are added by {it_contact}, or in a separate virtual "
        "environment/kernel.",
        "example": "error: externally-managed-environment",
    },
    {
        "id": "access.pip_site_packages",
        "family": "access",
        "scope": "output",
        "message": r"Could not install packages due to an (?:OSError|EnvironmentError): "
        r"\[(?:Errno 13|WinError 5)\] (?:Permission|Access is) denied: '(?P<path>[^'\n]{1,500})'",
        "kind": "access_denied",
        "subject": "path:{dir}",
        "title": "You may not install packages into this shared environment.",
        "explanation": "pip could not write to {dir}, which belongs to the shared environment.",
        "check": "access.pip_target",
        "example": "ERROR: Could not install packages due to an OSError: [Errno 13] "
        "Permission denied: '/opt/conda/lib/python3.11/site-packages/x'",
    },
    {
        "id": "access.permission",
        "family": "access",
        "types": ["PermissionError"],
        "errno": [1, 13],
        "message": r"(?:Permission denied|Operation not permitted)"
        r"(?:: ?'(?P<path>[^'\n]{1,1000})')?",
        "kind": "access_denied",
        "subject": "path:{dir}",
        "title": "You do not have permission to use {path_q}.",
        "explanation": "This is a shared or system location (outside every home directory and "
        "your working directory) and its permissions do not allow your account. Access to "
        "shared folders is granted by {it_contact}.",
        "check": "access.outside_home",
        "example": "PermissionError: [Errno 13] Permission denied: '/data/finance/q3.csv'",
    },
]
