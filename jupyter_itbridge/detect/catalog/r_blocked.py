"""R packages a package repository refuses: a CRAN proxy (Posit Package Manager, Artifactory,
Nexus) that answers 403 for a package's file. ``install.packages`` only warns ("cannot open
URL '.../src/contrib/x_1.0.tar.gz': HTTP status was '403 Forbidden'"), so this is read from the
cell's stderr. A package on the policy's own blocklist (``cran:<name>`` in
``ITBridgePolicy.blocked_packages``) is reported by the package checks of
:mod:`.r_packages`, whatever the wording that named it."""

from __future__ import annotations

from typing import Any

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "r.blocked.repository_403",
        "family": "r-blocked",
        "scope": "both",
        "message": r"cannot open URL '(?P<url>[^'\n]{1,2000})': HTTP status was '403",
        "kind": "blocked_package",
        "subject": "cran:{pkg}",
        "title": "Your organisation's package repository refused to download the R package "
        "'{pkg}'.",
        "explanation": "The repository forbids downloading '{pkg}' (HTTP 403). It usually does "
        "this for packages that are not approved; only {it_contact} can allow it or suggest "
        "an approved alternative.",
        "check": "r.packages.repository_refused",
        "example": 'Warning message in download.file(url, destfile, method, mode = "wb", ...):'
        "\n\"cannot open URL 'https://cran.corp/src/contrib/RSelenium_1.7.9.tar.gz': HTTP "
        "status was '403 Forbidden'\"",
    },
]
