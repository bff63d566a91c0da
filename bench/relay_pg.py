"""A throwaway PostgreSQL cluster on loopback for ``bench/relay_forwarding.py`` (Debian's
``postgresql`` package: ``initdb`` into a temp dir as an unprivileged user, ``pg_ctl`` on
127.0.0.1 and a socket in that dir), and whether the relay's store can use it yet."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from loopback import free_port


def postgres_store_available() -> bool:
    """Whether the relay can open a PostgreSQL ``db_url`` (psycopg installed)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return True


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    return found[-1].parent


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    if owner is None:
        return cmd
    return ["setpriv", f"--reuid={owner}", f"--regid={owner}", "--init-groups", *cmd]


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A fresh cluster with database ``itbridge``; yields its SQLAlchemy URL; removed after.

    Its directory is a new one under the system temp dir (the cluster's owner must reach it).
    """
    bindir, port = _bindir(), free_port()
    owner = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
    root = Path(tempfile.mkdtemp(prefix="itbridge-bench-pg-"))
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data = root / "data"
    run = lambda *cmd: subprocess.run(  # noqa: E731
        _as_owner([str(c) for c in cmd], owner), check=True, capture_output=True, cwd=root
    )
    run(bindir / "initdb", "-D", data, "-U", "itbridge", "--auth=trust", "-E", "UTF8")
    options = f"-k {root} -h 127.0.0.1 -p {port} -c fsync=on -c synchronous_commit=on"
    run(bindir / "pg_ctl", "-D", data, "-o", options, "-l", root / "pg.log", "-w", "start")
    try:
        run(bindir / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "itbridge", "itbridge")
        yield f"postgresql+psycopg://itbridge@127.0.0.1:{port}/itbridge"
    finally:
        run(bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
