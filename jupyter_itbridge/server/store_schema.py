"""The store's schema and database file: tables, versioned migrations, the request
lifecycle, connection settings, row decoding.

Why apart from the queries (``store.py``): this is the part a second database engine (the
relay's PostgreSQL) must reproduce, and the part that must never be edited in place
(migrations are append-only).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from typing import Any

from ..contract import STATES, RequestState

#: Allowed state changes. ``failed`` means "retrying"; resolved/rejected may reopen when the
#: ticket system says so (status sync); ``cancelled`` is final.
TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    "queued": frozenset({"sent", "acknowledged", "failed", "cancelled"}),
    "failed": frozenset({"queued", "sent", "acknowledged", "failed", "cancelled"}),
    "sent": frozenset({"acknowledged", "resolved", "rejected", "cancelled"}),
    "acknowledged": frozenset({"sent", "resolved", "rejected", "cancelled"}),
    "resolved": frozenset({"sent", "acknowledged", "rejected"}),
    "rejected": frozenset({"sent", "acknowledged", "resolved"}),
    "cancelled": frozenset(),
}
assert set(TRANSITIONS) == set(STATES)

# Migration N brings the schema from user_version N-1 to N. Append only, never edit.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE requests (
        uuid TEXT PRIMARY KEY,
        id INTEGER NOT NULL UNIQUE,
        user TEXT NOT NULL,
        state TEXT NOT NULL,
        kind TEXT,
        subject TEXT,
        fingerprint TEXT,
        urgency TEXT NOT NULL DEFAULT 'normal',
        summary TEXT NOT NULL,
        body TEXT NOT NULL,
        draft TEXT NOT NULL,
        notices TEXT NOT NULL DEFAULT '[]',
        backend TEXT NOT NULL,
        ticket_id TEXT,
        ticket_url TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL,
        last_error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX requests_user_fp ON requests(user, fingerprint, state);
    CREATE INDEX requests_due ON requests(state, next_attempt_at);
    CREATE TABLE request_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        request_uuid TEXT NOT NULL REFERENCES requests(uuid),
        at REAL NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX request_events_uuid ON request_events(request_uuid);
    CREATE TABLE comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_uuid TEXT NOT NULL REFERENCES requests(uuid),
        user TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        delivered INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL,
        last_error TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX comments_uuid ON comments(request_uuid);
    CREATE INDEX comments_pending ON comments(delivered, next_attempt_at);
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user TEXT NOT NULL,
        kind TEXT NOT NULL,
        kernel_id TEXT,
        notebook_path TEXT,
        details TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        request_uuid TEXT
    );
    CREATE INDEX incidents_user ON incidents(user, created_at);
    """,
]

#: ``comments.delivered`` values.
PENDING, DELIVERED, UNSUPPORTED = 0, 1, 2


class TransitionError(ValueError):
    """A state change the lifecycle does not allow (e.g. cancelled -> sent)."""


def default_store_path() -> str:
    """``itbridge/itbridge.sqlite3`` under the (per-user) Jupyter data dir."""
    from jupyter_core.paths import jupyter_data_dir

    return os.path.join(jupyter_data_dir(), "itbridge", "itbridge.sqlite3")


def connect(path: str) -> sqlite3.Connection:
    """The store's one connection: explicit transactions, WAL, no automatic checkpoints."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode: a committed transaction survives a process crash (SIGKILL);
    # only an OS crash/power loss may drop the last commits.
    db.execute("PRAGMA synchronous = NORMAL")
    # Checkpoints copy the WAL into the database and fsync. SQLite's automatic ones run on
    # the connection the server's event loop uses, every ~1000 pages: under load each one
    # stalled requests ~100 ms (saturated p99 131-146 ms). A background thread with its
    # own connection runs a PASSIVE checkpoint every interval instead (``checkpoint_loop``:
    # p99 43 ms; a checkpoint can still slow commits in flight at that moment).
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def checkpoint_loop(path: str, stop: threading.Event, interval: float) -> None:
    """Keep the WAL short without ever touching the event loop's connection (a thread)."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA busy_timeout = 10000")
        while not stop.wait(interval):
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:  # busy or closing: the next round tries again
                continue
    finally:
        db.close()


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, path: str) -> None:
    """Apply pending migrations, each in its own transaction with its version bump.

    The caller holds the store's lock. A store newer than this code is refused (never
    downgraded): its rows may carry states or columns this version does not know.
    """
    current = schema_version(db)
    if current > len(MIGRATIONS):
        raise RuntimeError(
            f"{path} has schema version {current}, newer than this jupyter-itbridge "
            f"({len(MIGRATIONS)}); upgrade jupyter-itbridge."
        )
    for version in range(current + 1, len(MIGRATIONS) + 1):
        script = MIGRATIONS[version - 1]
        try:
            db.executescript(f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {version}; COMMIT;")
        except sqlite3.Error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise


#: JSON columns and the value an unreadable one decodes to.
JSON_COLUMNS: dict[str, Any] = {"draft": {}, "notices": [], "details": {}}


def decode_row(row: sqlite3.Row) -> dict[str, Any]:
    """A row as a dict, its JSON columns decoded (a corrupt one reads as empty, never raises)."""
    out = dict(row)
    for key, empty in JSON_COLUMNS.items():
        if key in out and isinstance(out[key], str):
            try:
                out[key] = json.loads(out[key])
            except ValueError:
                out[key] = type(empty)()
    return out
