"""Fixtures for the ``jupyter itbridge`` CLI tests: an isolated Jupyter home, the real command
run as a subprocess, and a loopback HTTP server that plays a ticket system."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

JUPYTER = Path(sys.executable).with_name("jupyter")


@dataclass
class CLI:
    """Runs ``python -m jupyter_itbridge.cli`` (or ``jupyter itbridge``) with a private home."""

    config_dir: Path
    data_dir: Path
    env: dict[str, str]

    @property
    def store_path(self) -> Path:
        return self.data_dir / "itbridge" / "itbridge.sqlite3"

    def write_config(self, text: str, name: str = "jupyter_server_config.py") -> Path:
        path = self.config_dir / name
        path.write_text(text, encoding="utf-8")
        return path

    def run(
        self, *args: str, via_jupyter: bool = False, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = (
            [str(JUPYTER), "itbridge", *args]
            if via_jupyter
            else [sys.executable, "-m", "jupyter_itbridge.cli", *args]
        )
        return subprocess.run(
            cmd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=str(self.config_dir.parent),
        )


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    config_dir, data_dir = tmp_path / "config", tmp_path / "data"
    config_dir.mkdir()
    data_dir.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ITBRIDGE_", "JUPYTER", "JPY_")) and k != "PYTHONWARNINGS"
    }
    env.update(
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_DATA_DIR=str(data_dir),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PYTHONIOENCODING="utf-8",
    )
    return CLI(config_dir, data_dir, env)


@dataclass
class TicketServer:
    """A loopback HTTP server answering every call with one fixed status and JSON body."""

    url: str
    status: int
    body: dict[str, Any]
    seen: list[dict[str, str]] = field(default_factory=list)


def _serve(status: int, body: dict[str, Any]) -> Iterator[TicketServer]:
    state = TicketServer("", status, body)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append({"path": self.path, **{k: v for k, v in self.headers.items()}})
            payload = json.dumps(state.body).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def unauthorized_server() -> Iterator[TicketServer]:
    """Answers 401 to everything, like RT/GitHub with a revoked token."""
    yield from _serve(401, {"message": "Bad credentials"})


@pytest.fixture
def rt_queue_server() -> Iterator[TicketServer]:
    """Answers like RT 5 REST2 for an existing, enabled queue."""
    yield from _serve(200, {"Name": "Data Science", "id": 3, "Disabled": "0"})
