"""Access the user cannot grant themselves, in R's words. R raises only "cannot open the
connection"; the reason is its warning on stderr ("cannot open file '<path>': Permission
denied", "cannot open compressed file '<path>', probable reason 'Permission denied'",
"cannot create dir '<path>', reason 'Permission denied'"). The path rules are Python's
(:mod:`jupyter_itbridge.detect.access`): a relative path or one under a home directory is the
user's own, a shared or system path is IT's. ``install.packages`` into a shared library the
user may not write warns "'lib = \"<dir>\"' is not writable" and then fails."""

from __future__ import annotations

from typing import Any

from .access import SIGNATURES as _PY

_PERMISSION = {
    k: next(s for s in _PY if s["id"] == "access.permission")[k]
    for k in ("kind", "subject", "title", "explanation")
}
_WHY = r"(?P<why>Permission denied|Read-only file system|Operation not permitted)"

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "r.access.file",
        "family": "r-access",
        "scope": "both",
        "message": rf"cannot open (?:compressed )?file '(?P<path>[^'\n]{{1,1000}})'"
        rf"(?::|, probable reason) '?{_WHY}",
        **_PERMISSION,
        "check": "access.outside_home",
        "example": 'Warning message in file(file, "rt"):\n"cannot open file '
        "'/data/finance/q3.csv': Permission denied\"",
    },
    {
        "id": "r.access.path_operation",
        "family": "r-access",
        "scope": "both",
        "message": r"cannot (?:create dir|create file|remove file|rename file|open directory) "
        rf"'(?P<path>[^'\n]{{1,1000}})'(?: to '[^'\n]{{1,1000}}')?, reason '{_WHY}'",
        **_PERMISSION,
        "check": "access.outside_home",
        "example": "cannot create dir '/data/shared/out', reason 'Permission denied'",
    },
    {
        "id": "r.access.library",
        "family": "r-access",
        "scope": "both",
        "message": r"'lib = \"(?P<path>[^\"\n]{1,1000})\"' is not writable|"
        r"no permission to install to directory '(?P<path2>[^'\n]{1,1000})'",
        "kind": "access_denied",
        "subject": "path:{lib}",
        "title": "You may not install R packages into the shared library {lib}.",
        "explanation": "install.packages() tried to write to the environment's shared R "
        "library, which your account may not change. Packages there are installed by "
        "{it_contact}.",
        "check": "r.access.library",
        "example": 'Warning message in install.packages("arrow"):\n"\'lib = '
        '"/usr/local/lib/R/site-library"\' is not writable"',
    },
]
