"""Access the user cannot grant themselves: shared and system paths, shared environments pip
may not write to, Kerberos tickets.

The rule for a PermissionError is read from the path as written, never from this machine's
files (the same error diagnosed in the kernel and on the server must agree, and so must two
kernels in different folders):

- a relative path is under the working directory: the user's own files;
- a path under a home directory (``$HOME``, ``~``, ``/home/*``, ``/Users/*``, ``/root``,
  ``C:\\Users\\*``) is personal space: the user's own, or a colleague's to share;
- a file locked by another program (``[WinError 32]``) is the user's to close;
- anything else (``/data``, ``/opt``, ``/srv``, ``/mnt``, ``/tmp``, ``C:\\Program Files``) is a
  shared or system location, and access to it is IT's.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import re
from typing import Any

from .record import Hit

_HOME_ROOTS = ("/home/", "/Users/", "/root/", "/export/home/", "/u/")
_WINDOWS_HOME = re.compile(r"^[A-Za-z]:[\\/]+(?:Users|Documents and Settings)[\\/]", re.I)
_WINDOWS_ABS = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
_PACKAGES_DIR = re.compile(r"^(?P<dir>.{0,600}?[\\/](?:site|dist)-packages)(?:[\\/]|$)", re.I)
_LOCKED = "[WinError 32]"


def _home() -> str:
    return os.path.expanduser("~")


def _under(path: str, root: str) -> bool:
    root = root.rstrip("/")
    return bool(root) and (path == root or path.startswith(root + "/"))


def personal(raw: str) -> bool:
    """Is ``raw`` (as the error wrote it) in the user's own or personal space?"""
    if raw.startswith("~"):
        return True
    if _WINDOWS_ABS.match(raw):
        return bool(_WINDOWS_HOME.match(raw))
    if not raw.startswith("/"):
        return True  # relative: under the working directory
    path = posixpath.normpath(raw)
    home = _home()
    homes = {home, os.path.realpath(home)} - {"/", ""}
    if any(_under(path, h) for h in homes):
        return True
    return path in ("/root", "/home") or path.startswith(_HOME_ROOTS)


def shared_directory(raw: str) -> str:
    """The directory IT would grant: the environment's site-packages for a file inside one,
    else the parent directory of the path as written."""
    m = _PACKAGES_DIR.match(raw)
    if m:
        return m.group("dir")
    if _WINDOWS_ABS.match(raw):
        return ntpath.dirname(ntpath.normpath(raw)) or raw
    return posixpath.dirname(posixpath.normpath(raw)) or raw


def _path_finding(raw: str | None, message: str) -> dict[str, Any] | None:
    if not raw or _LOCKED in message or personal(raw):
        return None
    directory = shared_directory(raw)
    return {
        "fmt": {"dir": directory, "path_q": f"'{raw}'"},
        "evidence": {"path": raw, "directory": directory},
    }


def outside_home(hit: Hit) -> dict[str, Any] | None:
    raw = hit.record.filename or hit.groups.get("path")
    return _path_finding(raw, hit.record.message)


def pip_target(hit: Hit) -> dict[str, Any] | None:
    """pip may not write into this environment: the environment itself is the subject."""
    return _path_finding(hit.groups.get("path"), hit.record.message)


def kerberos(hit: Hit) -> dict[str, Any] | None:
    """``kinit`` is the usual fix and always the user's own step (policy text overrides it)."""
    if hit.policy.driver_self_service.get("kerberos"):
        return {}
    return {"self_service": {"title": "Get a Kerberos ticket", "command": "!kinit"}}
