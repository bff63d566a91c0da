"""The kernel's card follows its request's state live, and says when IT resolved it.

A real in-process Jupyter server with the extension; the card files through the kernel's
own client (kernel token) and then reads ``GET requests/{uuid}`` on its own. It used to stay
at "Request #1 filed - state: queued" while the sidebar said "sent".
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from jupyter_itbridge.findings import Finding, RequestDraft
from jupyter_itbridge.kernel.card_follow import follow
from jupyter_itbridge.kernel.card_state import CardState
from jupyter_itbridge.kernel.client import ServerClient


def _card() -> CardState:
    finding = Finding(
        kind="missing_package",
        subject="pyspark",
        title="The package 'pyspark' is not installed here.",
        explanation="IT installs packages on this server.",
        evidence={"exception_type": "ModuleNotFoundError"},
        confidence="high",
    )
    state = CardState(finding, RequestDraft.from_finding(finding, {}))
    state.draft.justification = "Spark jobs."
    return state


async def _until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_card_follows_the_state_and_shows_the_resolution(
    itbridge: Any, http_server: Any, jp_http_port: int, jp_base_url: str
) -> None:
    # ``http_server``: pytest-jupyter's real tornado server on 127.0.0.1:jp_http_port
    client = ServerClient(
        f"http://127.0.0.1:{jp_http_port}{jp_base_url}itbridge/api/", itbridge.kernel_token
    )
    state = _card()
    await asyncio.to_thread(state.send, client)
    assert state.status == "filed", state.message
    assert "state: queued" in state.status_text()
    shown: list[str] = []
    follow(
        state, client, lambda: shown.append(state.status_text()), first_delay=0.05, max_delay=0.1
    )
    # the local backend records it at once: the card moves on without any click
    await _until(lambda: bool(shown) and "state: queued" not in shown[-1])
    assert "state: sent" in shown[-1]

    store = itbridge.service.store
    store.add_messages(
        state.request_uuid,
        [
            {
                "id": "t-1",
                "role": "it",
                "author": "Ana (IT)",
                "text": "Installed pyspark 3.5.",
                "created_at": time.time(),
                "public": True,
            }
        ],
    )
    store.transition(state.request_uuid, "resolved", note="ticket resolved")
    await _until(lambda: "Resolved by IT on" in shown[-1])
    assert shown[-1].endswith(": restart the kernel to use it. IT: 'Installed pyspark 3.5.'"), (
        shown[-1]
    )
