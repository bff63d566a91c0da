"""Offline drafts: requests the kernel could not hand to the server, kept safe on disk.

Why a top-level module: this is a file format shared by two processes. The kernel writes it
(:func:`save_draft`) and the server reads it back (:func:`import_drafts`); neither should
import the other's package to agree on it. Pure stdlib (``jupyter_core`` for the data dir).

The kernel writes one JSON file per request under ``<jupyter_data_dir>/itbridge/outbox-drafts/``
(atomic: temp file, fsync, rename). At start the server calls :func:`import_drafts` with a
function that stores one request; a file is deleted only after that function returned, so a
crash in between leaves the draft for the next start (and the request UUID makes a second
import of the same draft a no-op on the server side). Nothing typed is lost.

The import reads the folder defensively, because anything may be in it and it runs while the
server starts: only regular files (opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked with
``fstat``, so a FIFO cannot hang the start and a symlink to ``/dev/zero`` cannot fill memory),
at most :data:`MAX_DRAFT_BYTES`, nested at most :data:`MAX_DRAFT_DEPTH` deep. A file that fails
any check is renamed ``<name>.rejected`` (kept for the admin, never read again) and named in
the log; it never stops the other drafts from being imported.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DRAFTS_SUBDIR = os.path.join("itbridge", "outbox-drafts")
FORMAT_VERSION = 1
#: Largest draft file read (4x the REST API's default body limit; a kernel's draft is smaller).
MAX_DRAFT_BYTES = 1024 * 1024
#: Deepest JSON nesting read (a draft is about 6 deep; Python's parser overflows near 1000).
MAX_DRAFT_DEPTH = 32
#: Suffix of files set aside by the import.
REJECTED_SUFFIX = ".rejected"

log = logging.getLogger("jupyter_itbridge.drafts")


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


class BadDraft(ValueError):
    """A draft file the import will not read (the reason is the message)."""


_TOKENS = re.compile(r'["\\\[\]{}]')


def json_depth(text: str, limit: int = MAX_DRAFT_DEPTH) -> int:
    """How deep ``text``'s arrays and objects nest (brackets inside strings do not count);
    stops counting once past ``limit``.

    One linear pass over the quotes, backslashes and brackets only. Cheap for ordinary
    drafts: text with no more brackets than the limit cannot nest deeper, so it is not
    scanned at all.
    """
    if text.count("[") + text.count("{") <= limit:
        return 0
    depth = deepest = 0
    in_string, skip = False, -1
    for match in _TOKENS.finditer(text):
        pos = match.start()
        if pos < skip:
            continue  # the character after a backslash inside a string
        char = text[pos]
        if in_string:
            if char == "\\":
                skip = pos + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def read_draft_file(path: str) -> dict[str, Any]:
    """One draft file's record, or :class:`BadDraft`: a regular file (no FIFO, device,
    socket, directory or symlink), at most MAX_DRAFT_BYTES, valid UTF-8 JSON, at most
    MAX_DRAFT_DEPTH deep, an object with a ``draft`` object."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        if os.path.islink(path):
            raise BadDraft("a symbolic link, not a draft file") from None
        raise BadDraft(f"cannot be opened ({err.strerror or err})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadDraft("not a regular file (a FIFO, device, socket or directory)")
        if info.st_size > MAX_DRAFT_BYTES:
            raise BadDraft(f"{info.st_size} bytes, more than {MAX_DRAFT_BYTES}")
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read(MAX_DRAFT_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_DRAFT_BYTES:  # it grew after fstat
        raise BadDraft(f"more than {MAX_DRAFT_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadDraft("not UTF-8 text") from None
    if json_depth(text) > MAX_DRAFT_DEPTH:
        raise BadDraft(f"JSON nested more than {MAX_DRAFT_DEPTH} levels deep")
    try:
        record = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise BadDraft(f"not valid JSON ({str(err)[:100]})") from None
    if not isinstance(record, dict) or not isinstance(record.get("draft"), dict):
        raise BadDraft("not a draft (no 'draft' object)")
    return record


def set_aside(path: str, reason: str) -> str | None:
    """Rename a bad draft file ``<name>.rejected`` (never read again) and log why; returns the
    new path, or None when it cannot be moved (it is then skipped, and logged, each start)."""
    target = path + REJECTED_SUFFIX
    n = 1
    while os.path.lexists(target):
        n += 1
        target = f"{path}{REJECTED_SUFFIX}.{n}"
    try:
        os.rename(path, target)  # renames a symlink or FIFO itself, never what it points to
    except OSError as err:
        log.warning(
            "jupyter-itbridge: offline draft %r skipped (%s); it could not be set aside: %s",
            path,
            reason,
            err.strerror or err,
        )
        return None
    log.warning("jupyter-itbridge: offline draft %r set aside as %r: %s", path, target, reason)
    return target


def pending_drafts(
    data_dir: str | None = None, rejected: dict[str, str] | None = None
) -> list[PendingDraft]:
    """Drafts on disk, oldest first. Bad files are set aside (``set_aside``) and, when
    ``rejected`` is given, recorded there (path -> reason)."""
    directory = drafts_dir(data_dir)
    try:
        names = sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        path = os.path.join(directory, name)
        try:
            record = read_draft_file(path)
        except BadDraft as err:
            set_aside(path, str(err))
            if rejected is not None:
                rejected[path] = str(err)
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
    """``imported``: request UUIDs; ``failed``: path -> error, kept for the next start;
    ``rejected``: path -> reason, files set aside as ``*.rejected``."""

    imported: list[str]
    failed: dict[str, str]
    rejected: dict[str, str] = field(default_factory=dict)


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
    rejected: dict[str, str] = {}
    for pending in pending_drafts(data_dir, rejected):
        try:
            file_fn(pending.draft, pending.uuid)
        except Exception as err:  # keep the draft; a later start retries
            failed[pending.path] = f"{type(err).__name__}: {err}"
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(pending.path)
        imported.append(pending.uuid)
    return ImportReport(imported=imported, failed=failed, rejected=rejected)
