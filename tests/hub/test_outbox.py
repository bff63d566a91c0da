"""Outbox: exactly-once delivery through failures, Retry-After, config errors, sync, cancel."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from hub.flaky import FlakyBackend  # type: ignore[import-not-found]

from jupyter_itbridge.backends.base import Backend, BackendError, OutgoingRequest, TicketRef
from jupyter_itbridge.server.outbox import Outbox, backoff_delay
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import Store


def _service(tmp_path: Path, backend: Backend, **kw: Any) -> RequestService:
    store = Store(str(tmp_path / "s.sqlite3"))
    outbox = Outbox(store, backend, base_delay=0.005, max_delay=0.05, sync_interval=0, **kw)
    return RequestService(store, backend, outbox)


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    import random

    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 100.0, rng) for n in range(1, 8)]
    assert all(
        0.5 * min(100, 2 ** (n - 1)) <= d <= min(100, 2 ** (n - 1)) for n, d in enumerate(delays, 1)
    )
    assert backoff_delay(1, 1.0, 100.0, rng, retry_after=42) == 42
    assert backoff_delay(20, 1.0, 100.0, rng) <= 100


async def test_exactly_once_with_30_percent_failures(tmp_path: Path) -> None:
    backend = FlakyBackend(failure_rate=0.3, seed=3)
    service = _service(tmp_path, backend, concurrency=8)
    changes: list[tuple[str, str | None]] = []
    service.add_listener(lambda rec, old: changes.append((rec["state"], old)))
    uuids = [service.file("alice", {"summary": f"request {i}"})[0]["uuid"] for i in range(300)]
    await service.outbox.drain(timeout=60)
    assert backend.failures > 50, "the backend must really have failed a lot"
    assert set(backend.creates) == set(uuids)
    assert max(backend.creates.values()) == 1, "a ticket was created twice"
    rows = service.store.list_requests("alice", limit=1000)
    assert {r["state"] for r in rows} == {"sent"}
    assert {r["ticket_id"] for r in rows} == {backend.tickets[u].id for u in uuids}
    assert ("sent", "queued") in changes or ("sent", "failed") in changes


async def test_retry_after_is_honoured(tmp_path: Path) -> None:
    calls: list[float] = []

    class Limited(Backend):
        name: ClassVar[str] = "limited"

        def create(self, request: OutgoingRequest) -> TicketRef:
            calls.append(time.monotonic())
            if len(calls) == 1:
                raise BackendError("HTTP 429", status=429, retry_after=0.4)
            return TicketRef(id="X-1")

    service = _service(tmp_path, Limited())
    rec, _ = service.file("alice", {"summary": "s"})
    await service.outbox.drain(timeout=10)
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.4
    row = service.store.get_request(rec["uuid"])
    assert row["state"] == "sent" and row["attempts"] == 2


async def test_config_error_stays_failed_and_retry_works(tmp_path: Path) -> None:
    class Denied(Backend):
        name: ClassVar[str] = "denied"
        allow = False

        def create(self, request: OutgoingRequest) -> TicketRef:
            if not self.allow:
                raise BackendError(
                    "RT answered 401: check c.RTBackend.token", retryable=False, status=401
                )
            return TicketRef(id="RT-9")

    backend = Denied()
    service = _service(tmp_path, backend, config_error_delay=3600)
    rec, _ = service.file("alice", {"summary": "s"})
    await service.outbox.run_once()
    got = service.get("alice", rec["id"])
    assert got["state"] == "failed" and "401" in got["last_error"]
    assert service.store.due_requests() == [], "a config error waits for the slow schedule"
    assert service.health()["outbox_depth"] == 1 and "401" in service.health()["last_error"]
    backend.allow = True
    service.retry("alice", rec["id"])
    await service.outbox.drain(timeout=10)
    assert service.get("alice", rec["id"])["ticket"]["id"] == "RT-9"


async def test_status_sync_and_comments(tmp_path: Path) -> None:
    backend = FlakyBackend(failure_rate=0.0)
    service = _service(tmp_path, backend)
    seen: list[tuple[str, str | None]] = []
    service.add_listener(lambda rec, old: seen.append((rec["state"], old)))
    rec, _ = service.file(
        "alice", {"summary": "s", "kind": "missing_package", "subject": "pyspark"}
    )
    await service.outbox.drain()
    ticket = service.get("alice", rec["id"])["ticket"]["id"]
    backend.states[ticket] = "acknowledged"
    assert await service.outbox.sync_once() == 1
    assert service.get("alice", rec["id"])["state"] == "acknowledged"
    assert ("acknowledged", "sent") in seen
    again, deduped = service.file(
        "alice", {"summary": "s", "kind": "missing_package", "subject": "pyspark"}
    )
    assert deduped and again["id"] == rec["id"]
    service.comment("alice", rec["id"], "any news?")
    await service.outbox.drain()
    texts = [t for ref, t in backend.comments if ref == ticket]
    assert len(texts) == 2 and texts[1] == "any news?" and texts[0].startswith("+1")
    backend.states[ticket] = "resolved"
    await service.outbox.sync_once()
    assert service.get("alice", rec["id"])["open"] is False
    assert await service.outbox.sync_once() == 0


async def test_cancel_while_delivering_keeps_ticket_and_tells_it(tmp_path: Path) -> None:
    entered, gate = threading.Event(), threading.Event()

    class Slow(Backend):
        name: ClassVar[str] = "slow"
        comments: ClassVar[list[str]] = []

        def create(self, request: OutgoingRequest) -> TicketRef:
            entered.set()
            gate.wait(5)
            return TicketRef(id="S-1")

        def comment(self, ref: TicketRef, text: str) -> None:
            self.comments.append(text)

    service = _service(tmp_path, Slow())
    rec, _ = service.file("alice", {"summary": "s"})
    task = asyncio.create_task(service.outbox.run_once())
    assert await asyncio.to_thread(entered.wait, 5), "the backend was never called"
    service.cancel("alice", rec["id"])
    gate.set()
    await task
    await service.outbox.drain()
    got = service.get("alice", rec["id"])
    assert got["state"] == "cancelled" and got["ticket"]["id"] == "S-1"
    assert Slow.comments == ["The requester cancelled this request."]


async def test_worker_wakes_on_new_requests_and_stops_cleanly(tmp_path: Path) -> None:
    backend = FlakyBackend(failure_rate=0.0)
    service = _service(tmp_path, backend)
    await service.start()
    assert service.outbox.running
    rec, _ = service.file("alice", {"summary": "s"})
    for _ in range(100):
        if service.store.get_request(rec["uuid"])["state"] == "sent":
            break
        await asyncio.sleep(0.02)
    assert service.store.get_request(rec["uuid"])["state"] == "sent"
    await service.stop()
    assert not service.outbox.running
