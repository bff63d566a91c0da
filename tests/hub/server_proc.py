"""Run a real ``jupyter server`` with the extension in a subprocess (crash test, benchmark)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loopback import free_port  # type: ignore[import-not-found]

TESTS_DIR = Path(__file__).resolve().parent.parent


class ServerProcess:
    """One ``jupyter server`` on 127.0.0.1 with its own config, data and runtime dirs."""

    def __init__(self, root: Path, itbridge: dict[str, Any], extra_config: str = "") -> None:
        self.root = root
        self.port = free_port()
        self.token = "bench-" + os.urandom(8).hex()
        self.base = f"http://127.0.0.1:{self.port}/itbridge/api/"
        for sub in ("config", "data", "runtime", "work"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        lines = [
            "c.ServerApp.jpserver_extensions = {'jupyter_itbridge': True}",
            "c.ServerApp.allow_root = True",
            "c.ServerApp.open_browser = False",
            f"c.ServerApp.root_dir = {str(root / 'work')!r}",
            f"c.IdentityProvider.token = {self.token!r}",
            "c.ServerApp.log_level = 'WARN'",
        ]
        lines += [f"c.ITBridge.{key} = {value!r}" for key, value in itbridge.items()]
        (root / "config" / "jupyter_server_config.py").write_text("\n".join(lines) + extra_config)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(
        self,
        env: dict[str, str] | None = None,
        timeout: float = 30,
        on_spawn: Callable[[int], None] | None = None,
        wait: bool = True,
    ) -> None:
        """Start and wait until ``GET health`` answers. ``on_spawn(pid)`` runs right after the
        process exists, before the server can do anything (e.g. arm a kill trigger)."""
        full_env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(self.root / "config"),
            "JUPYTER_DATA_DIR": str(self.root / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.root / "runtime"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]),
            **(env or {}),
        }
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                f"--port={self.port}",
                "--ip=127.0.0.1",
                "--ServerApp.port_retries=0",
            ],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if on_spawn is not None:
            on_spawn(self.proc.pid)
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited: {(self.root / 'server.log').read_text()[-3000:]}"
                )
            try:
                self.get("health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("server did not start")

    def request(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"token {self.token}")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())

    def get(self, path: str, timeout: float = 10) -> Any:
        return self.request("GET", path, timeout=timeout)

    def wait_exit(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self) -> None:
        """Stop the process this object started (by its own PID)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
