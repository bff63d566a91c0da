"""End to end: a real ``jupyter server`` with the extension, a kernel it started, a failing cell,
the card, Send clicked from the kernel, the request in the server; and offline drafts imported
by the next server start."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client import BlockingKernelClient
from kernel_harness import REPO, Kernel, error_then_card, kernel_env  # type: ignore[import-not-found]

from jupyter_itbridge.findings import MIME_TYPE

ORACLE = "import oracledb\noracledb.init_oracle_client()"
SEND = (
    "import jupyter_itbridge.kernel as K\n"
    "c = K.last_card()\n"
    "c.justification.value = 'Monthly finance reporting from the Oracle DWH'\n"
    "c.send_button.click()\n"
    "c.send_button.click()\n"
    "print(c.state.status, c.state.response.get('id'), c.state.request_uuid)"
)

pytestmark = pytest.mark.skipif(
    not (REPO / "jupyter_itbridge" / "server" / "requests_api.py").exists(),
    reason="server REST (requests_api.py) not there yet",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m jupyter_server`` on 127.0.0.1, the extension enabled, stopped by the test."""

    def __init__(self, env: dict[str, str], root: Path) -> None:
        self.port = _free_port()
        self.token = "e2e-" + os.urandom(8).hex()
        self.base = f"http://127.0.0.1:{self.port}/"
        root.mkdir(exist_ok=True)
        self.log = open(root.parent / f"server-{self.port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                f"--port={self.port}",
                "--ip=127.0.0.1",
                "--no-browser",
                "--allow-root",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={root}",
                "--ServerApp.jpserver_extensions={'jupyter_itbridge': True}",
                # given on the command line only: the kernel can learn it only from GET policy
                "--ITBridgePolicy.blocked_packages=PyMySQL=Ask the data platform team.",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()}")
            try:
                self.api("GET", "api/status")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def api(self, method: str, path: str, body: Any = None) -> Any:
        req = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


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
        self.kc.wait_for_ready(timeout=60)

    def stop(self) -> None:
        self.kc.stop_channels()
        with contextlib.suppress(Exception):
            self.server.api("DELETE", f"api/kernels/{self.kernel_id}")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return kernel_env(tmp_path)


@pytest.fixture
def start_server(env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    servers: list[Server] = []

    def start() -> Server:
        s = Server(env, tmp_path / "notebooks")
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


def test_card_send_files_request_in_server(start_server: Any, tmp_path: Path) -> None:
    server = start_server()
    kernel = ServerKernel(server, tmp_path / "runtime", notebook="analysis/churn.ipynb")
    try:
        status = "".join(o.get("text", "") for o in kernel.run("%itbridge status"))
        assert "policy from: server" in status, status
        assert server.base in status

        blocked = error_then_card(kernel.run("import pymysql"))["finding"]
        assert blocked["kind"] == "blocked_package"
        assert "Ask the data platform team." in json.dumps(blocked)

        payload = error_then_card(kernel.run(ORACLE))
        assert payload["finding"]["subject"] == "oracle-client"
        assert payload["draft"]["notebook_path"].endswith("analysis/churn.ipynb")
        assert "Notebook: " in payload["preview"]

        out = kernel.run(SEND)
        printed = "".join(o.get("text", "") for o in out if o["output_type"] == "stream")
        status_word, request_id, request_uuid = printed.split()
        assert status_word == "filed", (printed, server.log_text())
        assert request_uuid == payload["request_uuid"]

        # the static copy in the notebook was updated in place with the id
        updates = [o for o in out if o["output_type"] == "update_display_data"]
        assert updates, out
        state = updates[-1]["data"][MIME_TYPE]["state"]
        assert state["status"] == "filed" and str(state["request"]["id"]) == request_id
        assert f"#{request_id}" in updates[-1]["data"]["text/plain"]

        listed = server.api("GET", "itbridge/api/requests")["requests"]
        mine = [r for r in listed if r["uuid"] == request_uuid]
        assert len(mine) == 1, listed  # double click filed once
        assert mine[0]["fingerprint"] == payload["finding"]["fingerprint"]
        assert "Monthly finance reporting" in mine[0]["body"]
        assert str(mine[0]["id"]) == request_id

        # the same failure in a new card of another kernel: the server dedupes it
        other = ServerKernel(server, tmp_path / "runtime")
        try:
            error_then_card(other.run(ORACLE))
            out = other.run(SEND)
            text = "".join(o.get("text", "") for o in out if o["output_type"] == "stream")
            assert text.split()[1] == request_id
            card_text = other.value("K.last_card().status.value")
            assert f"Already requested on {mine[0]['created_at'][:10]} (#{request_id})" in card_text
        finally:
            other.stop()
    finally:
        kernel.stop()


def test_offline_draft_imported_at_next_server_start(
    env: dict[str, str], start_server: Any, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{_free_port()}/itbridge/api/"
    kernel = Kernel({**env, "JUPYTER_ITBRIDGE_URL": dead, "JUPYTER_ITBRIDGE_TOKEN": "old"})
    try:
        payload = error_then_card(kernel.run(ORACLE))
        out = kernel.run(SEND)
        assert "saved_offline" in "".join(o.get("text", "") for o in out)
        message = kernel.value("K.last_card().state.message")
    finally:
        kernel.stop()
    drafts_dir = tmp_path / "data" / "itbridge" / "outbox-drafts"
    assert f"saved to {drafts_dir}" in message
    assert "it will be filed when the Jupyter server next starts" in message
    assert [p.name for p in drafts_dir.iterdir()] == [f"{payload['request_uuid']}.json"]

    server = start_server()
    listed = server.api("GET", "itbridge/api/requests")["requests"]
    assert [r["uuid"] for r in listed] == [payload["request_uuid"]]
    assert list(drafts_dir.iterdir()) == []
