"""Delivery leases on both engines: atomic claims, expiry, renewal, dead owners, and outboxes
that share one store never creating a ticket twice."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import ClassVar

import pytest

from jupyter_itbridge.backends.base import Backend, OutgoingRequest, TicketRef
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.store import Store, TransitionError
from jupyter_itbridge.server.store_leases import lease_owner_id, owner_is_dead


def insert(store: Store, n: int = 1, user: str = "alice") -> list[dict]:
    return [
        store.insert_request(user=user, summary=f"s{i}", body="b", draft={}, backend="t")
        for i in range(n)
    ]


def test_claim_is_exclusive_until_the_lease_expires(store: Store) -> None:
    (row,) = insert(store)
    now = time.time()
    (claimed,) = store.claim_due_requests("A", 30, now=now)
    assert (claimed["uuid"], claimed["lease_owner"]) == (row["uuid"], "A")
    assert claimed["lease_expires_at"] == pytest.approx(now + 30)
    assert store.claim_due_requests("B", 30, now=now + 1) == []
    assert store.claim_request(row["uuid"], "B", 30, now=now + 1) is None
    assert store.claim_request(row["uuid"], "A", 30, now=now + 1) is not None  # its own
    # A crashed: once its lease ran out, B takes the request over.
    (again,) = store.claim_due_requests("B", 30, now=now + 31.5)
    assert again["lease_owner"] == "B"
    assert not store.renew_lease(row["uuid"], "A", 30), "A lost its lease"
    assert store.renew_lease(row["uuid"], "B", 30)


def test_outcomes_are_recorded_only_by_the_holder(store: Store) -> None:
    (row,) = insert(store)
    store.claim_due_requests("A", 30)
    with pytest.raises(TransitionError, match="lease"):
        store.transition(row["uuid"], "failed", expect={"queued"}, holder="B", attempts=1)
    old, new = store.transition(
        row["uuid"], "failed", expect={"queued"}, holder="A", lease_owner=None
    )
    assert (old, new["state"], new["lease_owner"]) == ("queued", "failed", None)


def test_cancelled_request_cannot_be_renewed_or_claimed(store: Store) -> None:
    (row,) = insert(store)
    store.claim_due_requests("A", 30)
    store.transition(row["uuid"], "cancelled")
    assert not store.renew_lease(row["uuid"], "A", 30)
    assert store.claim_request(row["uuid"], "A", 30) is None


def test_next_due_at_waits_for_a_live_lease(store: Store) -> None:
    (row,) = insert(store)
    now = time.time()
    store.claim_due_requests("A", 100, now=now)
    assert store.next_due_at(now=now) == pytest.approx(now + 100)
    store.update_fields(row["uuid"], lease_owner=None, lease_expires_at=None)
    assert store.next_due_at(now=now) <= now


def test_comment_leases(store: Store) -> None:
    (row,) = insert(store)
    store.transition(row["uuid"], "sent", ticket_id="T-1", ticket_url="https://t/1")
    first = store.add_comment(row["uuid"], "alice", "comment", "hello")
    (claimed,) = store.claim_due_comments("A", 30)
    assert (claimed["id"], claimed["ticket_id"], claimed["ticket_url"]) == (
        first["id"],
        "T-1",
        "https://t/1",
    )
    assert claimed["lease_owner"] == "A"
    assert store.claim_due_comments("B", 30) == []
    assert not store.update_comment(first["id"], "B", delivered=1)
    assert store.renew_leases("A", 30) == 1
    assert store.update_comment(first["id"], "A", delivered=1, lease_owner=None)
    assert store.comments(row["uuid"])[0]["delivered"] == 1


def test_concurrent_claimers_never_share_a_request(store_url: str) -> None:
    """Four connections (as four processes) claim in a loop over 300 due requests."""
    Store(store_url).close()
    stores = [Store(store_url) for _ in range(4)]
    insert(stores[0], 300)
    claims: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(stores))

    def claimer(s: Store, owner: str) -> None:
        barrier.wait()
        while True:
            rows = s.claim_due_requests(owner, 600, limit=7)
            if not rows:
                return
            with lock:
                claims.update(r["uuid"] for r in rows)

    threads = [threading.Thread(target=claimer, args=(s, f"o{i}")) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claims) == 300 and set(claims.values()) == {1}
    for s in stores:
        s.close()


def test_owner_ids_and_death() -> None:
    mine = lease_owner_id()
    assert mine != lease_owner_id(), "one id per outbox"
    assert not owner_is_dead(mine)
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from jupyter_itbridge.server.store_leases import lease_owner_id; "
            "print(lease_owner_id())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = child.stdout.strip()
    assert owner_is_dead(gone), "a process of this machine that exited"
    host, boot, pidns, pid, start, rand = gone.rsplit("/", 5)
    assert not owner_is_dead(f"elsewhere/{boot}/{pidns}/{pid}/{start}/{rand}"), "other host"
    assert not owner_is_dead(f"{host}/{boot}/1/{pid}/{start}/{rand}"), "other container"
    assert not owner_is_dead("A") and not owner_is_dead("a/b/c/d/e/f")


def test_dead_owners_leases_are_released(store: Store) -> None:
    insert(store, 3)
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from jupyter_itbridge.server.store_leases import "
            "lease_owner_id; print(lease_owner_id())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    dead, alive = child.stdout.strip(), lease_owner_id()
    store.claim_due_requests(dead, 600, limit=2)
    store.claim_due_requests(alive, 600, limit=1)
    assert store.lease_holders() == {dead, alive}
    assert store.release_dead_leases() == 2
    assert store.lease_holders() == {alive}
    assert len(store.claim_due_requests("new", 600)) == 2


class SlowFind(Backend):
    """Searches slowly (a real ticket system's search takes a while): the window in which two
    outboxes without leases would both hear "not found" and both create."""

    name: ClassVar[str] = "slowfind"
    can_find: ClassVar[bool] = True

    def __init__(self, creates: Counter[str], tickets: dict[str, str], delay: float) -> None:
        super().__init__()
        self.creates, self.tickets, self.delay = creates, tickets, delay
        self.lock = threading.Lock()

    def find(self, request_uuid: str) -> TicketRef | None:
        with self.lock:
            found = self.tickets.get(request_uuid)
        time.sleep(self.delay)  # the answer travels back slowly
        return TicketRef(id=found) if found else None

    def create(self, request: OutgoingRequest) -> TicketRef:
        with self.lock:
            self.creates[request.uuid] += 1
            ticket = self.tickets[request.uuid] = f"T-{len(self.tickets) + 1}"
        return TicketRef(id=ticket)

    def comment(self, ref: TicketRef, text: str) -> None:
        return None


async def test_two_outboxes_on_one_store_create_each_ticket_once(store_url: str) -> None:
    Store(store_url).close()
    stores = [Store(store_url) for _ in range(2)]
    insert(stores[0], 60)
    creates: Counter[str] = Counter()
    tickets: dict[str, str] = {}
    outboxes = [
        Outbox(s, SlowFind(creates, tickets, 0.01), concurrency=4, batch=10, sync_interval=0)
        for s in stores
    ]
    await asyncio.gather(*(o.drain(timeout=120) for o in outboxes))
    assert len(creates) == 60 and set(creates.values()) == {1}
    assert stores[0].counts()["sent"] == 60
    rows = stores[1].list_requests(limit=100)
    assert {r["uuid"]: r["ticket_id"] for r in rows} == tickets
    assert all(r["lease_owner"] is None for r in rows)
    for s in stores:
        s.close()


async def test_a_lost_lease_stops_the_create(store_url: str) -> None:
    """A's search outlives its lease (no heartbeat: its event loop is "frozen"); B takes the
    request over and delivers it; A, back, checks its lease before creating and stops."""
    Store(store_url).close()
    a_store, b_store = Store(store_url), Store(store_url)
    (row,) = insert(a_store)
    creates: Counter[str] = Counter()
    tickets: dict[str, str] = {}
    slow = Outbox(a_store, SlowFind(creates, tickets, 1.0), lease=0.3, sync_interval=0)
    fast = Outbox(b_store, SlowFind(creates, tickets, 0.0), lease=30, sync_interval=0)
    a_round = asyncio.create_task(slow.run_once())
    await asyncio.sleep(0.5)  # A is inside find(); its 0.3 s lease has run out
    assert await fast.run_once() == 1
    await a_round
    assert creates == Counter({row["uuid"]: 1})
    got = b_store.get_request(row["uuid"])
    assert got["state"] == "sent" and got["ticket_id"] == tickets[row["uuid"]]
    a_store.close()
    b_store.close()
