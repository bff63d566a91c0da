"""Store: migrations, WAL, state machine, dedupe lookups, comments and incidents."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from jupyter_itbridge.server.store import MIGRATIONS, TRANSITIONS, Store, TransitionError


def _insert(store: Store, user: str = "alice", fp: str | None = "fp1") -> dict:
    return store.insert_request(
        user=user,
        summary="s",
        body="",
        body_factory=lambda u: f"body {u}",
        draft={"summary": "s"},
        backend="local",
        fingerprint=fp,
    )


def test_schema_versioned_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "s.sqlite3"
    store = Store(str(path))
    assert store.schema_version == len(MIGRATIONS)
    assert store._query("PRAGMA journal_mode")[0][0] == "wal"
    row = _insert(store)
    store.close()
    again = Store(str(path))  # reopening applies nothing and keeps data
    assert again.schema_version == len(MIGRATIONS)
    assert again.get_request(row["uuid"])["body"] == f"body {row['uuid']}"
    again.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    Store(str(path)).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        Store(str(path))


def test_ids_increase_and_history(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.sqlite3"))
    a, b = _insert(store), _insert(store, fp="fp2")
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


def test_find_open_dedupe_and_due(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.sqlite3"))
    a = _insert(store)
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


def test_incidents(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.sqlite3"))
    inc = store.add_incident(user="alice", kind="kernel_died", kernel_id="k", details={"rc": -9})
    assert inc["details"] == {"rc": -9}
    a = _insert(store)
    store.link_incident(inc["id"], a["uuid"])
    assert store.incidents("alice")[0]["request_uuid"] == a["uuid"]
    assert store.incidents("bob") == []


def test_thread_safe_concurrent_inserts(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.sqlite3"))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                _insert(store, fp=None)
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


def test_wal_is_checkpointed_by_the_background_thread(tmp_path, monkeypatch) -> None:
    """Automatic checkpoints are off (they stalled the event loop); the store's own thread
    copies the WAL into the database file instead."""
    import sqlite3
    import time

    from jupyter_itbridge.server import store as store_mod

    monkeypatch.setattr(store_mod, "CHECKPOINT_INTERVAL", 0.05)
    path = tmp_path / "s.sqlite3"
    st = store_mod.Store(str(path))
    assert st._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    st.add_incident(user="alice", kind="kernel_died", kernel_id="k-1")

    def in_main_file() -> int:
        # immutable=1 ignores the WAL: only checkpointed rows are visible this way
        ro = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return ro.execute("SELECT count(*) FROM incidents").fetchone()[0]
        except sqlite3.OperationalError:  # not even the schema is checkpointed yet
            return 0
        finally:
            ro.close()

    deadline = time.monotonic() + 10
    while in_main_file() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_main_file() == 1
    st.close()
