"""Resource limits in R's words. Memory: "cannot allocate vector of size 2.2 Gb" (an address
space or cgroup limit: malloc failed), "vector memory exhausted (limit reached?)" (R's own
R_MAX_VSIZE limit) and "vector memory limit of 16.0 Gb reached" (R 4.3+). Disk: R writes
"Error writing to connection:  No space left on device" (writeLines, write.csv), data.table
"No space left on device: '<file>'", but only "error writing to connection" for saveRDS/save
and the warning "problem writing to connection" for writeBin (the reason is lost). "C stack
usage is too close to the limit" is deliberately absent: an infinite recursion in the user's
code, not a limit IT can raise (and IRkernel publishes nothing for it: measured)."""

from __future__ import annotations

from typing import Any

from .resources import SIGNATURES as _PY

_PY_BY_ID = {sig["id"]: sig for sig in _PY}
_SIZE = r"[0-9][0-9.]{0,20} ?[KMGTP]?b"

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "r.resources.memory",
        "family": "r-resources",
        "message": rf"cannot allocate vector of size (?P<size>{_SIZE})|"
        r"vector memory (?:exhausted|limit of [0-9][0-9.]{0,20} ?[KMGTP]?b reached)|"
        r"\bmemory exhausted \(limit reached\?\)|"
        rf"cannot allocate memory block of size (?P<size2>{_SIZE})",
        "kind": "resource_limit",
        "subject": "memory",
        "title": _PY_BY_ID["resources.memory"]["title"],
        "explanation": "R needed more memory than this session may use. Work on a smaller "
        "sample or in chunks (data.table, arrow and duckdb read only what they need), or ask "
        "{it_contact} for a larger memory limit.",
        "check": "r.resources.memory",
        "example": "Error: cannot allocate vector of size 2.2 Gb",
    },
    {
        "id": "r.resources.disk_full",
        "family": "r-resources",
        "scope": "both",
        "message": r"No space left on device",
        **{k: _PY_BY_ID["resources.disk_full"][k] for k in ("kind", "subject", "title")},
        "explanation": _PY_BY_ID["resources.disk_full"]["explanation"],
        "check": "r.resources.disk",
        "example": 'Error in writeLines(x, "/data/out.txt"): Error writing to connection:  '
        "No space left on device",
    },
    {
        "id": "r.resources.disk_quota",
        "family": "r-resources",
        "scope": "both",
        "message": r"Disk quota exceeded",
        **{k: _PY_BY_ID["resources.disk_quota"][k] for k in ("kind", "subject", "title")},
        "explanation": _PY_BY_ID["resources.disk_quota"]["explanation"],
        "check": "r.resources.disk",
        "example": 'Error in writeLines(x, "~/out.txt"): Error writing to connection:  Disk '
        "quota exceeded",
    },
    {
        "id": "r.resources.write_error",
        "family": "r-resources",
        "scope": "both",
        "message": r"[Ee]rror writing to connection|write error during file append|"
        r"problem writing to connection",
        **{k: _PY_BY_ID["resources.disk_full"][k] for k in ("kind", "subject", "title")},
        "explanation": "R could not write the file: usually the disk is full or a quota is "
        "reached. Delete files you no longer need or ask {it_contact} for more space.",
        "confidence": "medium",
        "check": "r.resources.write_error",
        "example": 'Error in saveRDS(x, "/data/model.rds"): error writing to connection',
    },
]
