"""A real ``jupyter server`` with the extension, and kernels it starts (so they inherit its URL
and kernel token): shared by the end-to-end tests and the oldest-dependencies smoke."""

from __future__ import annotations

import contextlib
import json
import queue
import time
import urllib.request
from pathlib import Path
from typing import Any

from hub.server_proc import ServerProcess  # type: ignore[import-not-found]
from jupyter_client import BlockingKernelClient
from kernel_harness import Kernel  # type: ignore[import-not-found]


class Server(ServerProcess):
    """The hub tests' ``jupyter server`` process, plus jupyter-server's own REST API."""

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """``path`` relative to the server root (``api/sessions``), not to ``itbridge/api/``."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def log_text(self) -> str:
        return (self.root / "server.log").read_text(errors="replace")[-3000:]


class ServerKernel(Kernel):
    """A kernel started by the server (so it inherits the server's URL and kernel token)."""

    def __init__(self, server: Server, runtime: Path, notebook: str | None = None) -> None:
        self.server = server
        if notebook:  # like a frontend opening a notebook: the server tells the kernel its path
            session = server.api(
                "POST",
                "api/sessions",
                {"path": notebook, "type": "notebook", "kernel": {"name": "python3"}},
            )
            self.kernel_id = session["kernel"]["id"]
        else:
            self.kernel_id = server.api("POST", "api/kernels", {"name": "python3"})["id"]
        conn = runtime / f"kernel-{self.kernel_id}.json"
        deadline = time.monotonic() + 30
        while not conn.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.kc = BlockingKernelClient()
        self.kc.load_connection_file(str(conn))
        self.kc.start_channels()
        self._wait_answering()
        self.kc.wait_for_ready(timeout=60)  # also flushes IOPub

    def _wait_answering(self, timeout: float = 60) -> None:
        """Ask ``kernel_info`` until the kernel answers, as a frontend does.

        ``wait_for_ready`` alone judges a kernel dead when the first heartbeat is not answered
        within 1 s, and a kernel still starting on a loaded machine does not answer it (seen
        as "Kernel died before replying to kernel_info"; jupyter_server 2.4 answers
        ``POST api/kernels`` before the kernel is up). Here only the server's word counts: a
        kernel it lost is a 404.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.kc.kernel_info()
            try:
                if self.kc.get_shell_msg(timeout=1)["msg_type"] == "kernel_info_reply":
                    return
            except queue.Empty:
                self.server.api("GET", f"api/kernels/{self.kernel_id}")  # raises on a 404
        raise TimeoutError(f"no kernel_info reply in {timeout} s: {self.server.log_text()}")

    def stop(self) -> None:
        self.kc.stop_channels()
        with contextlib.suppress(Exception):
            self.server.api("DELETE", f"api/kernels/{self.kernel_id}")
