"""Memory and disk checks for R's words. R writes sizes in its own units ("2.2 Gb" is
2.2 GiB: R's ``format(object.size(x), units = "Gb")`` counts in 1024s); an allocation larger
than the machine's whole memory is a shape bug (``numeric(1e12)``), not a limit IT can raise.
A write error names no file, so the file is read from the call (``saveRDS(x, "/data/m.rds")``)."""

from __future__ import annotations

import re
from typing import Any

from ..record import Hit
from ..resources import _physical_memory

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50}
_SIZE = re.compile(r"^(?P<n>[0-9][0-9.]{0,20}) ?(?P<u>[KMGTP]?)b$")
_QUOTED_PATH = re.compile(r"'(?P<p>[^'\n]{1,1000})'")
#: String literals in a call, e.g. ``saveRDS(x, "/data/m.rds")`` or ``file = 'out.csv'``.
_LITERAL = re.compile(r"(?P<q>[\"'])(?P<s>[^\"'\n]{1,1000})(?P=q)")
_PATHLIKE = re.compile(r"[\\/]|\.[A-Za-z0-9]{1,8}$")
#: Connections that are not files: a write error there is a network or process problem.
_NOT_A_FILE = re.compile(r"\b(?:socketConnection|socketAccept|url|pipe|fifo|gzcon)\(")


def parse_r_size(text: str) -> int | None:
    """``"2.2 Gb"`` -> 2362232012 (R's units count in 1024s)."""
    m = _SIZE.match(text.strip())
    if m is None:
        return None
    try:
        return int(float(m.group("n")) * _UNITS[m.group("u")])
    except ValueError:
        return None


def memory(hit: Hit) -> dict[str, Any] | None:
    size = hit.groups.get("size") or hit.groups.get("size2")
    out: dict[str, Any] = {"fmt": {}, "evidence": {}}
    if size:
        out["evidence"]["requested"] = size
        out["fmt"]["needing"] = f" (allocating {size} failed)"
        wanted, ram = parse_r_size(size), _physical_memory()
        if wanted and ram and wanted > ram:
            out["confidence"] = "low"
            out["evidence"]["decision"] = "request larger than the machine's physical memory"
    return out


def _path_in(hit: Hit) -> str | None:
    m = _QUOTED_PATH.search(hit.record.message)
    if m and _PATHLIKE.search(m.group("p")):
        return m.group("p")
    for m in _LITERAL.finditer(hit.record.call or ""):
        if _PATHLIKE.search(m.group("s")) and "://" not in m.group("s"):
            return m.group("s")
    return None


def disk(hit: Hit) -> dict[str, Any] | None:
    out: dict[str, Any] = {"fmt": {}, "evidence": {}}
    path = _path_in(hit)
    if path:
        out["fmt"]["on_path"] = f" where '{path}' is written"
        out["evidence"]["path"] = path
    return out


def write_error(hit: Hit) -> dict[str, Any] | None:
    """ "error writing to connection" without a reason: a file write failed (disk full or a
    quota) unless the connection is a socket, URL or pipe."""
    if _NOT_A_FILE.search(hit.record.call or "") or _NOT_A_FILE.search(hit.record.context):
        return None
    return disk(hit)
