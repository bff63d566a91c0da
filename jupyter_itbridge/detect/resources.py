"""Resource limits: memory, disk space and quota, open files. Evidence carries the limits in
force (read from cgroups/RLIMITs in the kernel process; the server gets these from its watchers).

Errno 24 (EMFILE, "Too many open files") is per process: almost always the user's own code
holding files, threads or sockets open in a loop. It becomes a card only on evidence of a low
limit: in the kernel, a soft RLIMIT_NOFILE below :data:`LOW_NOFILE` (the usual Linux default is
1024, so a lower one was set on purpose, e.g. by a container runtime). Without that evidence
(on the server, or with a normal limit) the finding is kept at low confidence: no card.
Errno 23 (ENFILE) is the whole system's table and always IT's.
"""

from __future__ import annotations

import os
import re
from typing import Any

from jupyter_itbridge import limits

from .record import Hit

#: A soft open-files limit below this is evidence of a deliberately low limit.
LOW_NOFILE = 1024

_UNITS = {
    "B": 1,
    "KiB": 1 << 10,
    "MiB": 1 << 20,
    "GiB": 1 << 30,
    "TiB": 1 << 40,
    "PiB": 1 << 50,
    "EiB": 1 << 60,
}
_QUOTED = re.compile(r"'([^'\n]{1,1000})'")


def parse_numpy_size(text: str) -> int | None:
    """``"8.00 GiB"`` -> 8589934592 (numpy's own format for _ArrayMemoryError)."""
    try:
        number, unit = text.split()
        return int(float(number) * _UNITS[unit])
    except (ValueError, KeyError):
        return None


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory(hit: Hit) -> dict[str, Any] | None:
    size = hit.groups.get("size")
    evidence: dict[str, Any] = {}
    out: dict[str, Any] = {"fmt": {}, "evidence": evidence}
    if size:
        evidence["requested"] = size
        out["fmt"]["needing"] = f" (allocating {size} failed)"
        wanted = parse_numpy_size(size)
        ram = _physical_memory()
        if wanted and ram and wanted > ram:
            # More than the whole machine has: a shape bug, not a limit IT can raise.
            out["confidence"] = "low"
            evidence["decision"] = "request larger than the machine's physical memory"
    if hit.record.origin == "exception":
        evidence.update(limits.memory_evidence())
    return out


def disk(hit: Hit) -> dict[str, Any] | None:
    path = hit.record.filename or hit.groups.get("path")
    if not path:
        m = _QUOTED.search(hit.record.message)
        path = m.group(1) if m else None
    out: dict[str, Any] = {"fmt": {}, "evidence": {}}
    if path:
        out["fmt"]["on_path"] = f" where '{path}' is written"
        out["evidence"]["path"] = path
        if hit.record.origin == "exception":
            snap = limits.disk_snapshot(path)
            if snap is not None:
                out["evidence"]["disk_free"] = limits.format_bytes(snap.free_bytes)
                out["evidence"]["disk_total"] = limits.format_bytes(snap.total_bytes)
                out["evidence"]["mount_probe"] = snap.path
    return out


def _nofile_limit() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def open_files(hit: Hit) -> dict[str, Any] | None:
    """EMFILE: a card only when the limit in force is low (see the module's docstring)."""
    limit = _nofile_limit() if hit.record.origin == "exception" else None
    evidence: dict[str, Any] = {"RLIMIT_NOFILE": limit}
    out: dict[str, Any] = {"fmt": {"limit": str(limit or "?")}, "evidence": evidence}
    if limit is not None and limit < LOW_NOFILE:
        out["confidence"] = "medium"
        evidence["decision"] = f"soft limit {limit} is below {LOW_NOFILE}"
    else:
        out["confidence"] = "low"
        evidence["decision"] = "no evidence of a low limit: most likely files or sockets kept open"
    return out
