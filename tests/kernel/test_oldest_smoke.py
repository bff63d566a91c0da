"""Smoke of the installed package, run on the newest and the oldest supported dependencies.

CI's second leg (``make test-oldest``) installs the wheel with every direct dependency pinned
to its declared lower bound and runs the tests marked ``oldest``. These check what an older
dependency broke before: the server starts with the extension and answers REST, a request's
state change reaches the event stream JupyterLab listens to (jupyter_events before 0.11
rejected our schemas, so no live update ever arrived), and a kernel the server started loads
the extension from the installed start-up file and shows the card for a blocked import.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from kernel_harness import error_then_card  # type: ignore[import-not-found]
from server_kernel import Server, ServerKernel  # type: ignore[import-not-found]

from jupyter_itbridge.contract import EVENT_REQUEST_STATE

pytestmark = pytest.mark.oldest

POLICY = "\nc.ITBridgePolicy.blocked_packages = {'openai': 'Use the approved gateway corp-llm.'}\n"


def installed_env(tmp: Path) -> dict[str, str]:
    """Isolated Jupyter dirs, nothing from the checkout on the path: the installed package and
    its installed start-up loader (``<prefix>/etc/ipython/startup``) are what runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_ITBRIDGE")}
    for sub in ("config", "data", "runtime", "ipython"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    env.update(
        IPYTHONDIR=str(tmp / "ipython"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


@pytest.fixture
def server(tmp_path: Path) -> Any:
    s = Server(tmp_path, {}, extra_config=POLICY)
    s.start(env=installed_env(tmp_path), timeout=90)
    yield s
    s.stop()


async def _file_and_hear(server: Server, draft: dict[str, Any]) -> tuple[dict, dict]:
    """POST a request while subscribed to ``/api/events/subscribe``; return (record, event)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(
        HTTPRequest(
            f"ws://127.0.0.1:{server.port}/api/events/subscribe",
            headers={"Authorization": f"token {server.token}"},
        )
    )
    try:
        record = await asyncio.get_running_loop().run_in_executor(
            None, server.request, "POST", "requests", draft
        )
        while True:
            raw = await asyncio.wait_for(ws.read_message(), 20)
            assert raw is not None, "the event stream closed"
            event = json.loads(raw)
            if event.get("schema_id") == EVENT_REQUEST_STATE:
                return record, event
    finally:
        ws.close()


def test_server_answers_rest_and_pushes_request_events(server: Server) -> None:
    health = server.get("health")
    assert health["status"] == "ok" and health["backend"] == "local", health
    policy = server.get("policy")["policy"]
    assert "openai" in policy["blocked_packages"], policy

    draft = {
        "summary": "Please install the Oracle Instant Client",
        "justification": "Monthly finance reporting.",
    }
    record, event = asyncio.run(_file_and_hear(server, draft))
    assert event["uuid"] == record["uuid"] and event["id"] == record["id"], (event, record)
    listed = server.get("requests")["requests"]
    assert [r["uuid"] for r in listed] == [record["uuid"]]


def test_kernel_started_by_server_shows_the_blocked_import_card(
    server: Server, tmp_path: Path
) -> None:
    kernel = ServerKernel(server, tmp_path / "runtime")
    try:
        status = "".join(o.get("text", "") for o in kernel.run("%itbridge status"))
        assert "policy from: server" in status, status
        payload = error_then_card(kernel.run("import openai"))
    finally:
        kernel.stop()
    assert payload["finding"]["kind"] == "blocked_package"
    assert payload["finding"]["subject"] == "openai"
    assert "corp-llm" in json.dumps(payload["finding"])
