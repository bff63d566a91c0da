"""An *external* relay process (``c.JupyterHub.services`` entry with ``url`` only): the test
starts it with the environment JupyterHub would give a managed one, and may SIGKILL it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hubdeploy.deploy import EXTERNAL, TESTS, Hub, http  # type: ignore[import-not-found]


class ExternalRelay:
    def __init__(self, hub: Hub, root: Path) -> None:
        self.hub, self.root = hub, root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.db = root / "relay.sqlite3"
        self.config = root / "relay_config.py"
        self.config.write_text(
            "c.ITBridgeRelay.backend = 'rt'\n"
            f"c.ITBridgeRelay.db_url = 'sqlite:///{self.db}'\n"
            f"c.RTBackend.url = {hub.rt_url!r}\n"
            "c.ITBridge.sync_interval = 1.0\n"
            "c.ITBridge.retry_base_delay = 0.2\n"
            "c.ITBridge.retry_max_delay = 1.0\n"
            "c.ITBridge.outbox_concurrency = 4\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Through the Hub's proxy, as single-user servers reach it."""
        return f"{self.hub.url}/services/{EXTERNAL}/"

    def env(self) -> dict[str, str]:
        prefix = f"/services/{EXTERNAL}/"
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "PYTHONPATH": str(TESTS),
            "HOME": str(self.root),
            "JUPYTER_CONFIG_DIR": str(self.root / "jupyter-config"),
            "JUPYTER_DATA_DIR": str(self.root / "data"),
            "JUPYTERHUB_API_TOKEN": self.hub.external_token,
            "JUPYTERHUB_API_URL": f"http://127.0.0.1:{self.hub.hub_port}/hub/api",
            "JUPYTERHUB_BASE_URL": "/",
            "JUPYTERHUB_SERVICE_NAME": EXTERNAL,
            "JUPYTERHUB_SERVICE_PREFIX": prefix,
            "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{self.hub.external_port}",
            "JUPYTERHUB_CLIENT_ID": f"service-{EXTERNAL}",
            "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
            "ITBRIDGE_RT_USER": self.hub.rt_user,
            "ITBRIDGE_RT_PASSWORD": self.hub.rt_password,
        }

    def start(self, timeout: float = 60) -> None:
        log = open(self.root / "relay.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_itbridge.cli", "relay", f"--config={self.config}"],
            env=self.env(),
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"relay exited: {self.log_tail()}")
            with contextlib.suppress(OSError):
                if http("GET", f"{self.url}api/v1/health", None, timeout=5)[0] == 401:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"relay did not start: {self.log_tail()}")

    def kill(self) -> int:
        """SIGKILL, no chance to finish anything; returns the exit status."""
        assert self.proc is not None
        self.proc.kill()
        return self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def rows(self) -> list[dict[str, Any]]:
        """The relay's stored requests (read-only, while it runs)."""
        if not self.db.exists():
            return []
        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute("SELECT uuid, state, ticket_id FROM requests")]
        except sqlite3.OperationalError:  # not created yet
            return []
        finally:
            db.close()

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return (self.root / "relay.log").read_text(errors="replace")[-chars:]
        return "(no log)"


def env_without_secrets() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ITBRIDGE_")}
