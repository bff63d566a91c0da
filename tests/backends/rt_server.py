"""Install and run a real Request Tracker 5 (Debian packages) on 127.0.0.1 for tests.

Used by ``tests/backends/conftest.py`` and runnable by hand::

    python tests/backends/rt_server.py          # install if needed, start, print URL, wait

Every step is idempotent: a machine that already has RT installed only gets its test config
re-applied. The gotchas it handles (see the field notes): ``RT_SiteConfig.pm`` ships 0600 so a
server running as www-data answers 401 to everything; debconf sets ``$WebPath`` to ``/rt``; the
SQLite file (and its directory, for the journal) must be writable by www-data; mail goes to
mbox files instead of an MTA.
"""

from __future__ import annotations

import contextlib
import grp
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from loopback import free_port  # type: ignore[import-not-found]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from system_deps import apt_install

PACKAGES = ["request-tracker5", "rt5-db-sqlite", "rt5-standalone"]
ROOT_PASSWORD = "itbridge-test-root"  # a throwaway password for a loopback-only test server
ETC = Path("/etc/request-tracker5")
SITE_CONFIG = ETC / "RT_SiteConfig.pm"
TEST_CONFIG = ETC / "RT_SiteConfig.d" / "99-itbridge-tests.pm"
DB_DIR = Path("/var/lib/dbconfig-common/sqlite3/request-tracker5")
RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
WRITABLE_DIRS = [
    Path("/var/cache/request-tracker5"),
    Path("/var/lib/request-tracker5"),
    Path("/var/log/request-tracker5"),
]

DEBCONF = f"""\
request-tracker5 request-tracker5/dbconfig-install boolean true
request-tracker5 request-tracker5/database-type select sqlite3
request-tracker5 request-tracker5/initial-root-password password {ROOT_PASSWORD}
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/rtname string itbridge-test
request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1
"""

SITE_OVERRIDES = """\
# Written by jupyter-itbridge's test setup (tests/backends/rt_server.py).
Set($WebPath, "");
Set($MailCommand, "mbox");
Set($LogToSTDERR, "warning");
Set($LogToSyslog, undef);
1;
"""


def unavailable_reason() -> str | None:
    """Why a real RT cannot run here (None: it can)."""
    if not Path("/etc/debian_version").exists() or shutil.which("dpkg-query") is None:
        return "Request Tracker tests need Debian (request-tracker5 packages)"
    if os.geteuid() != 0:
        return "Request Tracker tests need root to install request-tracker5 and run it as www-data"
    if shutil.which("setpriv") is None:
        return "Request Tracker tests need setpriv (util-linux) to drop to www-data"
    return None


def install() -> None:
    """Install RT with preseeded answers and apply the test config (idempotent)."""
    subprocess.run(["debconf-set-selections"], input=DEBCONF, text=True, check=True)
    reason = apt_install(PACKAGES)
    if reason:
        raise RuntimeError(reason)
    gid = grp.getgrnam("www-data").gr_gid
    os.chown(SITE_CONFIG, 0, gid)
    SITE_CONFIG.chmod(0o640)
    TEST_CONFIG.parent.mkdir(parents=True, exist_ok=True)
    if not TEST_CONFIG.exists() or TEST_CONFIG.read_text() != SITE_OVERRIDES:
        TEST_CONFIG.write_text(SITE_OVERRIDES)
    os.chown(TEST_CONFIG, 0, gid)
    TEST_CONFIG.chmod(0o640)
    uid = _www_uid()
    for path in [DB_DIR, *sorted(DB_DIR.glob("*")), *WRITABLE_DIRS]:
        if path.exists():
            os.chown(path, uid, gid)
    for cache in WRITABLE_DIRS:
        if cache.exists():
            subprocess.run(["chown", "-R", "www-data:www-data", str(cache)], check=True)


def _www_uid() -> int:
    import pwd

    return pwd.getpwnam("www-data").pw_uid


@dataclass
class RTServer:
    """A running rt-server process (we own its PID) on 127.0.0.1."""

    port: int
    log_path: Path
    proc: subprocess.Popen | None = None
    user: str = "root"
    password: str = ROOT_PASSWORD

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start rt-server as www-data and wait until REST2 answers an authenticated call."""
        if self.proc and self.proc.poll() is None:
            return
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                "setpriv",
                "--reuid=www-data",
                "--regid=www-data",
                "--init-groups",
                str(RT_SERVER),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "HOME": "/var/www"},
            start_new_session=True,  # its own process group: stop() ends the server and its kids
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rt-server exited early; log: {self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                res = requests.get(
                    f"{self.url}/REST/2.0/rt", auth=(self.user, self.password), timeout=5
                )
                if res.status_code == 200:
                    return
                if res.status_code == 401:
                    raise RuntimeError(f"rt-server answers 401 to root; log: {self.log_tail()}")
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"rt-server did not answer within {timeout}s; log: {self.log_tail()}")

    def stop(self) -> None:
        """Stop the server we started (its own process group, by its PID)."""
        if not self.proc or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        # The port is free again once the listener is gone.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.1)

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def provision(log_dir: Path) -> RTServer:
    """Install (if needed) and start RT; the caller stops it."""
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    install()
    server = RTServer(port=free_port(), log_path=log_dir / "rt-server.log")
    server.start()
    return server


if __name__ == "__main__":
    import tempfile

    srv = provision(Path(tempfile.mkdtemp(prefix="itbridge-rt-")))
    print(f"RT is up at {srv.url} (root / {ROOT_PASSWORD}); log {srv.log_path}; Ctrl-C stops it")
    try:
        while srv.proc and srv.proc.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
