"""A throwaway PostgreSQL 15 cluster on loopback for the store tests (one per test session).

Debian's ``postgresql`` package (installed by ``tests/system_deps.py`` when missing) provides
the binaries; ``initdb`` runs as an unprivileged user (the package's ``postgres`` when we are
root, else ourselves) into a temp dir, and ``pg_ctl`` starts it on 127.0.0.1 and a free port,
its socket in the same dir. Every test gets its own database; the cluster stops at exit.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import uuid

import pytest
from loopback import free_port  # type: ignore[import-not-found]
from system_deps import require_apt  # type: ignore[import-not-found]

_lock = threading.Lock()
_shared: PgCluster | None = None


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


class PgCluster:
    """``initdb`` + ``pg_ctl start`` in a temp dir; ``database()`` makes a fresh database."""

    def __init__(self) -> None:
        bindir = _bin_dir()
        assert bindir is not None, "postgresql is not installed"
        self.bindir = bindir
        self.root = tempfile.mkdtemp(prefix="itb-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.user = "itb"
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}"]
            self._as += ["--init-groups"]
        self._run("initdb", "-D", self.data, "-U", self.user, "-A", "trust", "-E", "UTF8")
        self._run("initdb", "--version")
        options = f"-k {self.root} -h 127.0.0.1 -p {self.port} -c max_connections=200"
        log = os.path.join(self.root, "postgres.log")
        self._run("pg_ctl", "-D", self.data, "-l", log, "-o", options, "-w", "start")
        self.running = True

    def _run(self, tool: str, *args: str) -> str:
        res = subprocess.run(
            [*self._as, os.path.join(self.bindir, tool), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        if res.returncode != 0:
            raise RuntimeError(f"{tool} failed: {res.stdout[-2000:]}{res.stderr[-2000:]}")
        return res.stdout

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = "itb_" + uuid.uuid4().hex[:12]
        dsn = f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.running:
            self.running = False
            try:
                self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
            finally:
                shutil.rmtree(self.root, ignore_errors=True)


def shared_cluster() -> PgCluster:
    """The session's cluster, started on first use (skips, or fails in CI, without PostgreSQL)."""
    global _shared
    with _lock:
        if _shared is None:
            require_apt("postgresql")
            if _bin_dir() is None:
                pytest.skip("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
            _shared = PgCluster()
            atexit.register(_shared.stop)
        return _shared
