"""Offline drafts: requests the kernel could not hand to the server, kept safe on disk.

Why a top-level module: this is a file format shared by two processes. The kernel writes it
(:func:`save_draft`) and the server reads it back (:func:`import_drafts`); neither should
import the other's package to agree on it. Pure stdlib (``jupyter_core`` for the data dir).

The kernel writes one JSON file per request under ``<jupyter_data_dir>/itbridge/outbox-drafts/``
(atomic: temp file, fsync, rename). At start the server calls :func:`import_drafts` with a
function that stores one request; a file is deleted only after that function returned, so a
crash in between leaves the draft for the next start (and the request UUID makes a second
import of the same draft a no-op on the server side). Nothing typed is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DRAFTS_SUBDIR = os.path.join("itbridge", "outbox-drafts")
FORMAT_VERSION = 1


def drafts_dir(data_dir: str | None = None) -> str:
    """Where drafts live (the per-user Jupyter data dir, shared by kernel and server)."""
    if data_dir is None:
        from jupyter_core.paths import jupyter_data_dir

        data_dir = jupyter_data_dir()
    return os.path.join(data_dir, DRAFTS_SUBDIR)


def _safe_name(request_uuid: str) -> str:
    keep = "".join(ch for ch in request_uuid if ch.isalnum() or ch == "-")
    return keep[:64] or "draft"


def save_draft(
    draft: dict[str, Any],
    request_uuid: str,
    reason: str = "",
    data_dir: str | None = None,
) -> str:
    """Write one draft atomically; returns its path. Same UUID -> same file (idempotent)."""
    directory = drafts_dir(data_dir)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    record = {
        "format": FORMAT_VERSION,
        "uuid": request_uuid,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "reason": reason,
        "draft": draft,
    }
    final = os.path.join(directory, _safe_name(request_uuid) + ".json")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=1, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    return final


@dataclass
class PendingDraft:
    """One draft file waiting to be filed."""

    path: str
    uuid: str
    draft: dict[str, Any]
    saved_at: str = ""


def pending_drafts(data_dir: str | None = None) -> list[PendingDraft]:
    """Drafts on disk, oldest first. Unreadable files are skipped (and left in place)."""
    directory = drafts_dir(data_dir)
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return []
    out = []
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as fh:
                record = json.load(fh)
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or not isinstance(record.get("draft"), dict):
            continue
        out.append(
            PendingDraft(
                path=path,
                uuid=str(record.get("uuid") or name[:-5]),
                draft=record["draft"],
                saved_at=str(record.get("saved_at", "")),
            )
        )
    out.sort(key=lambda d: (d.saved_at, d.path))
    return out


@dataclass
class ImportReport:
    imported: list[str]
    failed: dict[str, str]


def import_drafts(
    file_fn: Callable[[dict[str, Any], str], Any], data_dir: str | None = None
) -> ImportReport:
    """File every pending draft with ``file_fn(draft_dict, request_uuid)`` (server side).

    ``file_fn`` must store the request durably before returning (it may dedupe on the UUID).
    The draft file is deleted only after it returned; if it raises, the file stays for the
    next start and the error is reported.
    """
    imported: list[str] = []
    failed: dict[str, str] = {}
    for pending in pending_drafts(data_dir):
        try:
            file_fn(pending.draft, pending.uuid)
        except Exception as err:  # keep the draft; a later start retries
            failed[pending.path] = f"{type(err).__name__}: {err}"
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(pending.path)
        imported.append(pending.uuid)
    return ImportReport(imported=imported, failed=failed)
