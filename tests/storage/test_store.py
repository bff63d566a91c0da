"""Store on both engines: state machine, dedupe lookups, comments, incidents, concurrency."""

from __future__ import annotations

import threading
import time

import pytest

from jupyter_itbridge.server.store import MIGRATIONS, TRANSITIONS, Store, TransitionError


def insert(store: Store, user: str = "alice", fp: str | None = "fp1", **kw) -> dict:
    return store.insert_request(
        user=user,
        summary="s",
        body="",
        body_factory=lambda u: f"body {u}",
        draft={"summary": "s"},
        backend="local",
        fingerprint=fp,
        **kw,
    )


def test_reopen_keeps_data_and_version(store_url: str) -> None:
    store = Store(store_url)
    assert store.schema_version == len(MIGRATIONS)
    row = insert(store)
    store.close()
    again = Store(store_url)  # reopening applies nothing and keeps data
    assert again.schema_version == len(MIGRATIONS)
    assert again.get_request(row["uuid"])["body"] == f"body {row['uuid']}"
    again.close()


def test_row_types_round_trip(store: Store) -> None:
    """Times are floats, numbers ints, JSON columns decoded, on both engines alike."""
    row = insert(store, kind="missing_package", subject="pyspark", notices=["n"])
    again = store.get_request(row["uuid"])
    assert again == row
    assert isinstance(row["created_at"], float) and isinstance(row["id"], int)
    assert row["draft"] == {"summary": "s"} and row["notices"] == ["n"] and row["meta"] is None
    assert (row["kind"], row["subject"], row["state"]) == ("missing_package", "pyspark", "queued")


def test_ids_increase_and_history(store: Store) -> None:
    a, b = insert(store), insert(store, fp="fp2")
    assert (a["id"], b["id"]) == (1, 2) and a["state"] == "queued"
    old, row = store.transition(a["uuid"], "sent", note="ok", ticket_id="T-1")
    assert old == "queued" and row["ticket_id"] == "T-1"
    assert [h["to_state"] for h in store.history(a["uuid"])] == ["queued", "sent"]
    with pytest.raises(TransitionError):
        store.transition(a["uuid"], "queued")
    store.transition(a["uuid"], "cancelled")
    for state in TRANSITIONS:
        if state != "cancelled":
            with pytest.raises(TransitionError):
                store.transition(a["uuid"], state)
    with pytest.raises(TransitionError, match="expected"):
        store.transition(b["uuid"], "sent", expect={"failed"})
    with pytest.raises(TransitionError, match="unknown"):
        store.transition(b["uuid"], "bogus")
    with pytest.raises(KeyError):
        store.transition("no-such-uuid", "sent")
    assert store.get_request_by_id(2)["uuid"] == b["uuid"] and store.get_request_by_id(9) is None


def test_failed_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        insert(store)
        raise RuntimeError("boom")
    assert store.list_requests() == []
    assert insert(store)["id"] == 1  # the store is usable afterwards


def test_find_open_dedupe_and_due(store: Store) -> None:
    a = insert(store)
    assert store.find_open("alice", "fp1")["uuid"] == a["uuid"]
    assert store.find_open("bob", "fp1") is None
    assert [r["uuid"] for r in store.due_requests()] == [a["uuid"]]
    store.transition(a["uuid"], "failed", next_attempt_at=10**12)
    assert store.due_requests() == [] and store.next_due_at() == 10**12
    store.transition(a["uuid"], "sent", ticket_id="T")
    store.transition(a["uuid"], "resolved")
    assert store.find_open("alice", "fp1") is None
    store.add_comment(a["uuid"], "alice", "comment", "hello")
    assert [c["text"] for c in store.due_comments()] == ["hello"]
    assert store.counts()["resolved"] == 1 and store.counts()["comments_pending"] == 1


def test_list_requests_filters(store: Store) -> None:
    a, b = insert(store), insert(store, user="bob", fp="fp2")
    store.transition(b["uuid"], "failed")
    assert [r["id"] for r in store.list_requests()] == [2, 1]
    assert [r["id"] for r in store.list_requests("bob")] == [2]
    assert [r["id"] for r in store.list_requests(states=["failed"])] == [2]
    assert [r["id"] for r in store.list_requests("alice", states=["queued", "sent"])] == [1]
    assert [r["id"] for r in store.list_requests(limit=1)] == [2]
    assert store.open_tickets() == []
    store.transition(a["uuid"], "sent", ticket_id="T-1")
    assert [r["uuid"] for r in store.open_tickets()] == [a["uuid"]]


def test_comments_update_and_order(store: Store) -> None:
    a = insert(store)
    first = store.add_comment(a["uuid"], "alice", "comment", "one")
    store.add_comment(a["uuid"], "alice", "plus_one", "two")
    assert [c["text"] for c in store.comments(a["uuid"])] == ["one", "two"]
    assert store.due_comments() == []  # no ticket yet
    assert store.update_comment(first["id"], delivered=1, attempts=1)
    assert store.comments(a["uuid"])[0]["delivered"] == 1
    assert not store.update_comment(first["id"], holder="someone-else", attempts=5)
    assert store.comments(a["uuid"])[0]["attempts"] == 1


def test_incidents(store: Store) -> None:
    inc = store.add_incident(user="alice", kind="kernel_died", kernel_id="k", details={"rc": -9})
    assert inc["details"] == {"rc": -9} and store.get_incident(inc["id"]) == inc
    a = insert(store)
    store.link_incident(inc["id"], a["uuid"])
    assert store.incidents("alice")[0]["request_uuid"] == a["uuid"]
    assert store.incidents("bob") == [] and len(store.incidents()) == 1


def test_thread_safe_concurrent_inserts(store: Store) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                insert(store, fp=None)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = [r["id"] for r in store.list_requests(limit=10_000)]
    assert sorted(ids) == list(range(1, 401))


def test_two_connections_file_concurrently_without_gaps(store_url: str) -> None:
    """Two Store objects (two connections, as two processes have) insert at the same time:
    request numbers stay unique and gap-free, on both engines."""
    Store(store_url).close()  # migrate once
    stores = [Store(store_url) for _ in range(2)]
    errors: list[BaseException] = []

    def work(s: Store) -> None:
        try:
            for _ in range(100):
                insert(s, fp=None)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r["id"] for r in stores[0].list_requests(limit=1000)) == list(range(1, 201))
    for s in stores:
        s.close()


def test_dedupe_check_then_insert_is_atomic_across_connections(store_url: str) -> None:
    """The service's "find open, else insert" in one transaction: two connections racing on
    the same fingerprint make exactly one request (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
    advisory lock of exclusive transactions)."""
    Store(store_url).close()
    stores = [Store(store_url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    made: list[str] = []
    errors: list[BaseException] = []

    def race(s: Store) -> None:
        barrier.wait()
        try:
            with s.transaction():
                if s.find_open("alice", "same") is None:
                    time.sleep(0.05)  # widen the window between the check and the insert
                    made.append(insert(s, fp="same")["uuid"])
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=race, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(made) == 1
    assert len(stores[0].list_requests()) == 1
    for s in stores:
        s.close()


def test_postgresql_threads_do_not_wait_for_each_other(pg_url: str) -> None:
    """On PostgreSQL each thread has its own connection: a thread inside a long transaction
    does not hold up another thread's reads and row updates (SQLite serialises them)."""
    store = Store(pg_url)
    (row,) = [insert(store)]
    inside, release = threading.Event(), threading.Event()

    def long_transaction() -> None:
        with store.transaction(exclusive=False):
            store.add_incident(user="alice", kind="kernel_died")
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=long_transaction)
    worker.start()
    assert inside.wait(10)
    start = time.monotonic()
    assert store.get_request(row["uuid"])["uuid"] == row["uuid"]
    assert len(store.claim_due_requests("other", 30)) == 1
    assert time.monotonic() - start < 2
    assert store.incidents() == [], "the open transaction is not visible yet"
    release.set()
    worker.join()
    assert [i["kind"] for i in store.incidents()] == ["kernel_died"]
    store.close()
