"""Resource limits: memory, disk space and quota, open files. Evidence carries the limits in
force (cgroups/RLIMITs read in the kernel process; the server's watchers report its own)."""

from __future__ import annotations

from typing import Any

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "resources.memory",
        "family": "resources",
        "types": ["MemoryError", "_ArrayMemoryError"],
        "message": r"(?:Unable to allocate (?P<size>[\d.]{1,20} \w{1,4}))?",
        "kind": "resource_limit",
        "subject": "memory",
        "title": "Your session ran out of memory{needing}.",
        "explanation": "The operation needed more memory than this session may use. Work on "
        "a smaller sample or chunks, or ask {it_contact} for a larger memory limit.",
        "check": "resources.memory",
        "example": "_ArrayMemoryError: Unable to allocate 8.00 GiB for an array with shape "
        "(1073741824,) and data type float64",
    },
    {
        "id": "resources.disk_full",
        "family": "resources",
        "scope": "both",
        "errno": [28],
        "message": r"No space left on device",
        "kind": "resource_limit",
        "subject": "disk",
        "title": "The disk is full{on_path}.",
        "explanation": "There is no free space left where your code tried to write. Delete "
        "files you no longer need or ask {it_contact} for more space.",
        "check": "resources.disk",
        "example": "OSError: [Errno 28] No space left on device: '/data/out.parquet'",
    },
    {
        "id": "resources.disk_quota",
        "family": "resources",
        "scope": "both",
        "errno": [122],
        "message": r"Disk quota exceeded",
        "kind": "resource_limit",
        "subject": "disk",
        "title": "You have used up your disk quota{on_path}.",
        "explanation": "Your account's storage quota is full. Delete files you no longer need "
        "or ask {it_contact} for a larger quota.",
        "check": "resources.disk",
        "example": "OSError: [Errno 122] Disk quota exceeded: '/home/ana/big.csv'",
    },
    {
        "id": "resources.sqlite_full",
        "family": "resources",
        "message": r"database or disk is full",
        "kind": "resource_limit",
        "subject": "disk",
        "title": "The database file could not grow: the disk (or its size limit) is full.",
        "explanation": "SQLite could not write more pages: the disk is full, a quota is "
        "reached, or the database has a maximum size.",
        "confidence": "medium",
        "check": "resources.disk",
        "example": "sqlite3.OperationalError: database or disk is full",
    },
    {
        "id": "resources.open_files",
        "family": "resources",
        "errno": [24],
        "message": r"Too many open files(?! in system)",
        "kind": "resource_limit",
        "subject": "open-files",
        "title": "The limit on open files for your session ({limit}) was reached.",
        "explanation": "This session may only hold {limit} files and sockets at once, which is "
        "low. Close files you no longer need (use 'with open(...)'); if your work really needs "
        "more, ask {it_contact} to raise the limit (ulimit -n).",
        "check": "resources.open_files",
        "example": "OSError: [Errno 24] Too many open files: 'part-0001.csv'",
    },
    {
        "id": "resources.open_files_system",
        "family": "resources",
        "scope": "both",
        "errno": [23],
        "message": r"Too many open files in system",
        "kind": "resource_limit",
        "subject": "open-files",
        "title": "The whole server has run out of open files.",
        "explanation": "The system-wide table of open files is full (ENFILE): every program on "
        "the server shares it, so this is not your session's limit. {it_contact} must raise "
        "the system limit or find the process that holds them.",
        "confidence": "medium",
        "example": "OSError: [Errno 23] Too many open files in system",
    },
]
