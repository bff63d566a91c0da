"""On JupyterHub, IT's messages reach the single-user server through the relay's sync answer.

The real relay app (tests/relay/itview_relay.py) over a real store, a loopback Hub stand-in
for token checks, and on the user's side a real store, outbox and ``hub`` backend. IT's
public message comes back within one sync - one HTTP call for states and messages together -
and IT's internal comment never leaves the relay.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from relay.hub_standin import HubStandIn, LoopThread  # type: ignore[import-not-found]
from relay.itview_relay import PREFIX, relay_app  # type: ignore[import-not-found]

from jupyter_itbridge.backends.hub import HubBackend
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import Store


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[Any, str, str]]:
    loop = LoopThread()
    standin = HubStandIn().start(loop)
    token = standin.add_user("alice")
    store = Store(str(tmp_path / "relay.sqlite3"))
    app, context = relay_app(store, standin.api_url)
    port = loop.listen(app)
    yield context, f"http://127.0.0.1:{port}{PREFIX}", token
    loop.stop()
    store.close()


class CountingHub(HubBackend):
    """The real ``hub`` backend, counting its HTTP calls (one per sync is the contract)."""

    calls = 0

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        type(self).calls += 1
        return super().call(method, path, **kwargs)


def test_it_message_arrives_with_the_sync_and_internal_stays(
    relay: tuple[Any, str, str], tmp_path: Path
) -> None:
    context, url, token = relay
    backend = CountingHub(url=url, token=token, retries=0)
    store = Store(str(tmp_path / "user.sqlite3"))
    outbox = Outbox(store, backend, base_delay=0.01)
    service = RequestService(store, backend, outbox)
    record, _ = service.file(
        "alice", {"summary": "Need pyspark", "kind": "missing_package", "subject": "pyspark"}
    )
    asyncio.run(outbox.drain(10))  # forwarded to the relay

    relay_store = context.service.store
    shared = relay_store.get_request(record["uuid"])
    assert shared is not None
    relay_store.update_fields(record["uuid"], ticket_id="RT-7", ticket_url=None)
    relay_store.transition(record["uuid"], "acknowledged", note="IT is on it")
    now = time.time()
    relay_store.add_messages(
        record["uuid"],
        [
            {
                "id": "t1",
                "role": "it",
                "author": "Ana (IT)",
                "text": "Which licence?",
                "created_at": now,
                "public": True,
            },
            {
                "id": "t2",
                "role": "it",
                "author": "Ana (IT)",
                "text": "internal: ask finance",
                "created_at": now,
                "public": False,
            },
        ],
    )
    CountingHub.calls = 0
    asyncio.run(outbox.sync_once())
    assert CountingHub.calls == 1  # states and messages in one call
    detail = service.get("alice", record["id"])
    assert [(m["role"], m["author"], m["text"]) for m in detail["messages"]] == [
        ("it", "Ana (IT)", "Which licence?")
    ]
    assert detail["unread"] == 1
    assert all("internal" not in m["text"] for m in store.messages(record["uuid"]))
    asyncio.run(outbox.sync_once())  # again: nothing new, nothing twice
    assert len(store.messages(record["uuid"])) == 1
    store.close()
