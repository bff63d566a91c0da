"""IT's replies and the user's answers on a real Request Tracker 5 (Debian packages).

- IT answers with a REST2 correspond: the message is in ``GET requests/{id}`` after one sync.
- IT's internal comment is stored as internal and never shown (not in the thread, not in the
  relay's sync answer).
- The user's reply becomes one RT transaction, even when the server is SIGKILLed after RT
  took it and before the store recorded it.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from backends.rt_server import RTServer  # type: ignore[import-not-found]
from backends.test_rt_live import backend as rt_backend  # type: ignore[import-not-found]
from conversation.waiting import wait_for  # type: ignore[import-not-found]
from hub.server_proc import ServerProcess  # type: ignore[import-not-found]

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.rt import RTBackend
from jupyter_itbridge.relay.service import RelayService
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import Store

pytestmark = [pytest.mark.system, pytest.mark.slow]

OWNER = "alice"


def history(admin: requests.Session, rt: RTServer, ticket_id: str) -> list[dict[str, Any]]:
    res = admin.get(
        f"{rt.url}/REST/2.0/ticket/{ticket_id}/history",
        params={"fields": "Type,Created", "per_page": 100},
    )
    res.raise_for_status()
    return list(res.json()["items"])


def contents(admin: requests.Session, rt: RTServer, ticket_id: str) -> list[str]:
    res = admin.get(
        f"{rt.url}/REST/2.0/ticket/{ticket_id}/attachments",
        params={"fields": "Content", "per_page": 100},
    )
    res.raise_for_status()
    return [str(a.get("Content") or "") for a in res.json()["items"]]


def _service(tmp_path: Path, backend: RTBackend) -> tuple[RequestService, Outbox]:
    store = Store(str(tmp_path / "store.sqlite3"))
    outbox = Outbox(store, backend, base_delay=0.05, max_delay=0.2)
    return RequestService(store, backend, outbox), outbox


def test_it_correspond_appears_within_one_sync_and_internal_comment_never(
    rt_up: RTServer, rt_admin: requests.Session, tmp_path: Path
) -> None:
    service, outbox = _service(tmp_path, rt_backend(rt_up))
    record, _ = service.file(
        OWNER, {"summary": "Please install pyspark", "justification": "Spark jobs"}
    )
    asyncio.run(outbox.drain(30))
    ticket_id = service.get(OWNER, record["id"])["ticket_id"]
    assert ticket_id and ticket_id.isdigit()
    heard: list[tuple[int, list[Any]]] = []
    service.add_message_listener(lambda rec, msgs: heard.append((rec["id"], msgs)))

    base = f"{rt_up.url}/REST/2.0/ticket/{ticket_id}"
    reply = "Which licence do you need? Please answer here."
    res = rt_admin.post(f"{base}/correspond", json={"Content": reply, "ContentType": "text/plain"})
    assert res.status_code in (200, 201), res.text
    res = rt_admin.post(
        f"{base}/comment", json={"Content": "internal: ask finance", "ContentType": "text/plain"}
    )
    assert res.status_code in (200, 201), res.text

    asyncio.run(outbox.sync_once())  # one sync

    detail = service.get(OWNER, record["id"])
    thread = [(m["role"], m["text"]) for m in detail["messages"]]
    assert thread == [("it", reply)]
    assert detail["unread"] == 1
    assert detail["messages"][0]["author"]  # RT's display name for the agent
    assert "internal" not in str(detail)  # not in the thread, nor anywhere in the answer
    assert [h[0] for h in heard] == [record["id"]] and heard[0][1][0]["text"] == reply
    stored = service.store.messages(record["uuid"])
    assert sorted((m["public"], m["text"]) for m in stored) == [
        (False, "internal: ask finance"),
        (True, reply),
    ]
    listing = service.list_requests(OWNER)
    assert listing[0]["unread"] == 1
    # A second sync reads nothing new and stores nothing twice.
    asyncio.run(outbox.sync_once())
    assert len(service.store.messages(record["uuid"])) == 2
    assert not any(
        "internal" in m["text"]
        for m in RelayService(service).public_messages(
            service.store.get_request(record["uuid"]) or {}  # type: ignore[arg-type]
        )
    )
    service.mark_seen(OWNER, record["id"])
    assert service.get(OWNER, record["id"])["unread"] == 0


def test_user_reply_is_one_rt_transaction_marked_ours(
    rt_up: RTServer, rt_admin: requests.Session, tmp_path: Path
) -> None:
    service, outbox = _service(tmp_path, rt_backend(rt_up))
    record, _ = service.file(OWNER, {"summary": "Need libpq", "justification": "reports"})
    asyncio.run(outbox.drain(30))
    ticket_id = service.get(OWNER, record["id"])["ticket_id"]
    service.comment(OWNER, record["id"], "Licence: BSD, project X. password=hunter2")
    asyncio.run(outbox.drain(30))
    texts = [c for c in contents(rt_admin, rt_up, ticket_id) if "project X" in c]
    assert len(texts) == 1 and "hunter2" not in texts[0]  # redacted before it left
    asyncio.run(outbox.sync_once())
    thread = service.get(OWNER, record["id"])["messages"]
    assert [(m["role"], m["delivery"]) for m in thread] == [("user", "delivered")]
    assert "hunter2" not in thread[0]["text"]
    # Read back from RT, our own comment is the user's, not IT's (no unread, no toast).
    assert service.get(OWNER, record["id"])["unread"] == 0
    assert [m["role"] for m in service.store.messages(record["uuid"])] == ["user"]


def test_rt_outage_during_message_read_is_reported_not_raised(
    rt_up: RTServer, tmp_path: Path
) -> None:
    be = rt_backend(rt_up, url="http://127.0.0.1:9")  # nothing listens there
    from jupyter_itbridge.backends.base import TicketRef

    with pytest.raises(BackendError):
        be.messages(TicketRef(id="1"))


def test_reply_is_posted_exactly_once_across_a_sigkill(
    rt_up: RTServer, rt_admin: requests.Session, tmp_path: Path
) -> None:
    """A real server posts the reply to RT and is SIGKILLed before it can store "delivered";
    restarted, it finds the reply on the ticket by its marker and does not post it again."""
    rt_config = (
        f"\nc.RTBackend.url = {rt_up.url!r}\nc.RTBackend.user = {rt_up.user!r}"
        f"\nc.RTBackend.password = {rt_up.password!r}\nc.RTBackend.retries = 0\n"
    )
    settings = {
        "store_path": str(tmp_path / "store.sqlite3"),
        "owner": OWNER,
        "retry_base_delay": 0.05,
        "retry_max_delay": 0.3,
        "sync_interval": 3600.0,
    }
    killing = ServerProcess(
        tmp_path / "first",
        {**settings, "backend": "conversation.killing_rt:KillAfterCommentRT"},
        rt_config.replace("RTBackend", "KillAfterCommentRT"),
    )
    killing.start(timeout=120)
    try:
        filed = killing.request(
            "POST", "requests", {"summary": "Need oracle client", "justification": "ETL"}
        )
        ticket = wait_for(
            lambda: killing.get(f"requests/{filed['id']}").get("ticket_id"), 30, "the ticket"
        )
        marker_text = f"Answer for IT {time.time_ns()}"
        killing.request("POST", f"requests/{filed['id']}/comment", {"text": marker_text})
        assert killing.wait_exit(30) == -signal.SIGKILL
    finally:
        killing.stop()
    posted = [c for c in contents(rt_admin, rt_up, ticket) if marker_text in c]
    assert len(posted) == 1  # RT took it; the store still says "pending"

    restarted = ServerProcess(tmp_path / "second", {**settings, "backend": "rt"}, rt_config)
    restarted.start(timeout=120)
    try:
        wait_for(lambda: restarted.get("health")["comments_pending"] == 0, 60, "the comment")
        detail = restarted.get(f"requests/{filed['id']}")
        replies = [m for m in detail["messages"] if m["role"] == "user"]
        assert [(m["text"], m["delivery"]) for m in replies] == [(marker_text, "delivered")]
    finally:
        restarted.stop()
    posted = [c for c in contents(rt_admin, rt_up, ticket) if marker_text in c]
    assert len(posted) == 1, posted
    comments = [h for h in history(rt_admin, rt_up, ticket) if h["Type"] == "Comment"]
    assert len(comments) == 1
