"""Migrations: a store written by the first release migrates in place; both engines end with
the schema the queries use; a newer store is refused; replicas starting together agree."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_itbridge.backends.local import LocalBackend
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import MIGRATIONS, NewerSchemaError, Store
from jupyter_itbridge.server.store_engine import Database
from jupyter_itbridge.server.store_migrations import migrate, schema_version
from jupyter_itbridge.server.store_schema import metadata

V1_FILE = Path(__file__).parent / "fixtures" / "v1_store.sqlite3"


def _raw(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_first_release_store_migrates_in_place(tmp_path: Path) -> None:
    """``v1_store.sqlite3`` was written by the first release's code (see make_v1_store.py)."""
    path = tmp_path / "itbridge.sqlite3"
    shutil.copy(V1_FILE, path)
    assert _raw(path, "PRAGMA user_version") == [(1,)]
    before = _raw(path, "SELECT * FROM requests ORDER BY id")
    comments_before = _raw(path, "SELECT * FROM comments ORDER BY id")
    events_before = _raw(path, "SELECT * FROM request_events ORDER BY seq")
    incidents_before = _raw(path, "SELECT * FROM incidents ORDER BY id")

    store = Store(str(path))
    assert store.schema_version == len(MIGRATIONS) == 2
    # The first release reads user_version and refuses anything above 1: it will not misread
    # a store migrated by this one.
    assert _raw(path, "PRAGMA user_version") == [(2,)]
    after = _raw(path, "SELECT * FROM requests ORDER BY id")
    assert [row[: len(before[0])] for row in after] == before  # old columns untouched
    assert all(row[len(before[0]) :] == (None, None, None) for row in after)  # meta, lease
    assert _raw(path, "SELECT * FROM comments ORDER BY id") == [
        (*row, None, None) for row in comments_before
    ]
    assert _raw(path, "SELECT * FROM request_events ORDER BY seq") == events_before
    assert _raw(path, "SELECT * FROM incidents ORDER BY id") == incidents_before

    # The old rows read as before through the service, and the new parts work on them.
    service = RequestService(store, LocalBackend(), Outbox(store, LocalBackend()))
    first = service.get("alice", "v1-fixture-0001")
    assert first["state"] == "sent" and first["ticket"]["id"] == "LOCAL-1"
    assert [c["kind"] for c in first["comments"]] == ["plus_one"]
    assert [h["to"] for h in first["history"]] == ["queued", "sent"]
    assert service.incidents("alice")[0]["request"]["id"] == 5
    assert store.add_requester(first["uuid"], "bob", "me too") is True
    assert [r["user"] for r in store.requesters(first["uuid"])] == ["bob"]
    failed = store.get_request_by_id(3)
    assert failed["state"] == "failed" and failed["last_error"] == "HTTP 503"
    service.retry("alice", 3)
    asyncio.run(service.outbox.drain())
    assert store.get_request_by_id(3)["state"] == "sent"
    new = store.insert_request(user="dave", summary="x", body="b", draft={}, backend="local")
    assert new["id"] == 6
    store.close()
    # WAL on the migrated store, as on a new one
    assert _raw(path, "PRAGMA journal_mode") == [("wal",)]


def test_a_v1_store_a_pre_release_build_extended_migrates(tmp_path: Path) -> None:
    """A pre-release relay build gave v1 stores a ``meta`` column and a ``requesters`` table
    without bumping the version; the v2 migration must not fail on them ("duplicate column")."""
    path = tmp_path / "itbridge.sqlite3"
    shutil.copy(V1_FILE, path)
    with sqlite3.connect(path) as raw:
        raw.execute("ALTER TABLE requests ADD COLUMN meta TEXT")
        raw.execute(
            "CREATE TABLE requesters (request_uuid TEXT NOT NULL, user TEXT NOT NULL, "
            "justification TEXT, created_at REAL NOT NULL, PRIMARY KEY (request_uuid, user))"
        )
        raw.execute("CREATE INDEX requests_fp ON requests(fingerprint, state)")
    raw.close()
    store = Store(str(path))
    assert store.schema_version == 2
    first = store.get_request("v1-fixture-0001")
    assert first is not None and first["lease_owner"] is None
    assert store.add_requester("v1-fixture-0001", "bob", "me too") is True
    store.close()


def test_each_migration_keeps_rows_on_both_engines(store_url: str) -> None:
    """Stop at version 1 (the first release's schema), write a row the old way, then let the
    store migrate: the row is intact and the new columns are empty."""
    db = Database(store_url)
    assert migrate(db, target=1) == 1
    db.run(
        "INSERT INTO requests (uuid, id, " + db.dialect.identifier_preparer.quote("user") + ", "
        "state, summary, body, draft, backend, created_at, updated_at) VALUES "
        "('u-1', 1, 'alice', 'queued', 's', 'b', '{}', 'local', 1.5, 1.5)"
    )
    db.close()
    store = Store(store_url)
    assert store.schema_version == len(MIGRATIONS)
    row = store.get_request("u-1")
    assert (row["user"], row["urgency"], row["notices"], row["attempts"]) == (
        "alice",
        "normal",
        [],
        0,
    )
    assert (row["meta"], row["lease_owner"], row["lease_expires_at"]) == (None, None, None)
    store.close()


def test_migrations_build_the_schema_the_queries_use(store: Store) -> None:
    """The sum of the migration steps equals ``store_schema.metadata``: same tables, same
    columns, same nullability and primary keys, on both engines."""
    inspector = sa.inspect(store.db.engine)
    tables = set(inspector.get_table_names()) - {"itbridge_schema"}
    assert tables == set(metadata.tables)
    for name, table in metadata.tables.items():
        found = {c["name"]: c for c in inspector.get_columns(name)}
        assert list(found) == [c.name for c in table.columns], name
        for column in table.columns:
            assert found[column.name]["nullable"] == column.nullable, (name, column.name)
        pk = inspector.get_pk_constraint(name)["constrained_columns"]
        assert pk == [c.name for c in table.primary_key.columns], name


def test_newer_schema_is_refused(store_url: str) -> None:
    Store(store_url).close()
    db = Database(store_url)
    if db.engine_name == "sqlite":
        db.run(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    else:
        db.run(f"UPDATE itbridge_schema SET version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(NewerSchemaError, match="newer"):
        Store(store_url)


def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    """Eight relay replicas open a new PostgreSQL store at the same moment."""
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []
    versions: list[int] = []

    def open_store() -> None:
        barrier.wait()
        try:
            s = Store(pg_url)
            versions.append(s.schema_version)
            s.close()
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=open_store) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and versions == [len(MIGRATIONS)] * 8
    db = Database(pg_url)
    assert schema_version(db) == len(MIGRATIONS)
    assert db.scalar("SELECT COUNT(*) FROM itbridge_schema") == 1
    db.close()
