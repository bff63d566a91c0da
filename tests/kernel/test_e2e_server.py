"""End to end: a real ``jupyter server`` with the extension, a kernel it started, a failing cell,
the card, Send clicked from the kernel, the request in the server; and offline drafts imported
by the next server start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kernel_harness import Kernel, error_then_card, kernel_env  # type: ignore[import-not-found]
from loopback import free_port  # type: ignore[import-not-found]
from server_kernel import Server, ServerKernel  # type: ignore[import-not-found]

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

#: In the server's config only. The kernel could read the same file, so the test also asserts
#: "policy from: server": the blocked card then proves the policy came through GET policy.
POLICY = "\nc.ITBridgePolicy.blocked_packages = {'PyMySQL': 'Ask the data platform team.'}\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return kernel_env(tmp_path)


@pytest.fixture
def start_server(env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    """Servers sharing the kernels' config, data and runtime dirs (``kernel_env``)."""
    servers: list[Server] = []

    def start() -> Server:
        s = Server(tmp_path, {}, extra_config=POLICY)
        servers.append(s)
        s.start(env=env, timeout=60)
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

        listed = server.get("requests")["requests"]
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
            # the date is a <time> the labextension shows in the page's language and zone
            created = mine[0]["created_at"]
            assert (
                f'Already requested on <time class="jp-ITBridge-time" datetime="{created}" '
                f'data-style="day">{created[:10]}</time> (#{request_id})'
            ) in card_text
        finally:
            other.stop()
    finally:
        kernel.stop()


def test_offline_draft_imported_at_next_server_start(
    env: dict[str, str], start_server: Any, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/itbridge/api/"
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
    listed = server.get("requests")["requests"]
    assert [r["uuid"] for r in listed] == [payload["request_uuid"]]
    assert list(drafts_dir.iterdir()) == []
