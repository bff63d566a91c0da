"""The request store: SQLite (stdlib), WAL, safe to share between threads.

Why SQLite: a request must survive a server crash the moment the user clicked Send (the outbox
commits before any delivery try), and one file in the user's data dir needs no admin work.
One connection guarded by a lock: every statement is short, and the outbox calls backends in
threads, so the lock (not the event loop) is what serialises access. The schema, its
migrations and the lifecycle live in ``store_schema.py``; this module is the queries.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from ..contract import OPEN_STATES, STATES, RequestState
from ..jsontypes import DueComment, StoredComment, StoredEvent, StoredIncident, StoredRequest
from .store_schema import (
    DELIVERED,
    MIGRATIONS,
    PENDING,
    TRANSITIONS,
    UNSUPPORTED,
    TransitionError,
    checkpoint_loop,
    connect,
    decode_row,
    default_store_path,
    migrate,
    schema_version,
)

__all__ = [  # the schema names are re-exported: callers import them with the Store
    "DELIVERED",
    "MIGRATIONS",
    "PENDING",
    "TRANSITIONS",
    "UNSUPPORTED",
    "Store",
    "TransitionError",
    "default_store_path",
]

#: Seconds between WAL checkpoints (a background thread, see ``store_schema.connect``); the WAL
#: holds at most this long's worth of writes before they are copied into the database.
CHECKPOINT_INTERVAL = 30.0


class Store:
    """All persistence for requests, their history, comments and incidents."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0  # nesting of transaction() in the thread holding the lock
        self._db = connect(path)
        self.migrate()
        self._closed = threading.Event()
        if path != ":memory:":
            threading.Thread(
                target=checkpoint_loop,
                args=(path, self._closed, CHECKPOINT_INTERVAL),
                name="itbridge-store-checkpoint",
                daemon=True,
            ).start()

    # -- plumbing -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE .. COMMIT under the lock (rollback on any error).

        Re-entrant: a transaction opened inside another one (same thread) joins it, so a
        caller can make several store calls one atomic step (the service's "replay, dedupe or
        insert"). Only the outermost one commits.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._depth = 0
                self._db.execute("ROLLBACK")
                raise
            self._depth = 0
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [decode_row(r) for r in self._query(sql, args)]

    def _one(self, sql: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    @staticmethod
    def _insert(db: sqlite3.Connection, table: str, values: dict[str, Any]) -> int:
        """INSERT one row inside the caller's transaction; returns its rowid."""
        cols, marks = ", ".join(values), ", ".join("?" * len(values))
        cur = db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(values.values()))
        assert cur.lastrowid is not None  # an INSERT always sets it
        return cur.lastrowid

    @staticmethod
    def _update(
        db: sqlite3.Connection, table: str, key: str, value: Any, fields: dict[str, Any]
    ) -> None:
        cols = ", ".join(f"{name} = ?" for name in fields)
        db.execute(f"UPDATE {table} SET {cols} WHERE {key} = ?", (*fields.values(), value))

    @property
    def schema_version(self) -> int:
        with self._lock:
            return schema_version(self._db)

    def migrate(self) -> None:
        """Apply pending migrations (see ``store_schema.migrate``)."""
        with self._lock:
            migrate(self._db, self.path)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._db.close()

    # -- requests -----------------------------------------------------------------------------

    def insert_request(
        self,
        *,
        user: str,
        summary: str,
        body: str,
        draft: dict[str, Any],
        backend: str,
        kind: str | None = None,
        subject: str | None = None,
        fingerprint: str | None = None,
        urgency: str = "normal",
        notices: list[str] | None = None,
        request_uuid: str | None = None,
        body_factory: Callable[[str], str] | None = None,
    ) -> StoredRequest:
        """Commit a new ``queued`` request (before any delivery try) and return it.

        ``body_factory(uuid) -> str`` lets a caller that did not choose the UUID embed it
        (the idempotency marker) in the body in the same transaction.
        """
        now = time.time()
        request_uuid = request_uuid or str(uuidlib.uuid4())
        if body_factory is not None:
            body = body_factory(request_uuid)
        with self.transaction() as db:
            next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM requests").fetchone()[0]
            self._insert(
                db,
                "requests",
                {
                    "uuid": request_uuid,
                    "id": next_id,
                    "user": user,
                    "state": "queued",
                    "kind": kind,
                    "subject": subject,
                    "fingerprint": fingerprint,
                    "urgency": urgency,
                    "summary": summary,
                    "body": body,
                    "draft": json.dumps(draft),
                    "notices": json.dumps(notices or []),
                    "backend": backend,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            self._event(db, request_uuid, None, "queued", "filed", now)
            return self._must(request_uuid)

    @staticmethod
    def _event(
        db: sqlite3.Connection, uuid: str, old: str | None, new: str, note: str | None, at: float
    ) -> None:
        db.execute(
            "INSERT INTO request_events (request_uuid, at, from_state, to_state, note) "
            "VALUES (?, ?, ?, ?, ?)",
            (uuid, at, old, new, note),
        )

    def get_request(self, request_uuid: str) -> StoredRequest | None:
        row = self._one("SELECT * FROM requests WHERE uuid = ?", (request_uuid,))
        return cast("StoredRequest | None", row)

    def _must(self, request_uuid: str) -> StoredRequest:
        """A request that must exist (it was just written, or looked up under the lock)."""
        row = self.get_request(request_uuid)
        if row is None:
            raise KeyError(request_uuid)
        return row

    def get_request_by_id(self, request_id: int) -> StoredRequest | None:
        row = self._one("SELECT * FROM requests WHERE id = ?", (request_id,))
        return cast("StoredRequest | None", row)

    def list_requests(
        self,
        user: str | None = None,
        *,
        states: Sequence[RequestState] | None = None,
        limit: int = 1000,
    ) -> list[StoredRequest]:
        sql, args = "SELECT * FROM requests WHERE 1=1", []
        if user is not None:
            sql += " AND user = ?"
            args.append(user)
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            args.extend(states)
        sql += " ORDER BY id DESC LIMIT ?"
        return cast("list[StoredRequest]", self._rows(sql, (*args, limit)))

    def find_open(self, user: str, fingerprint: str) -> StoredRequest | None:
        """The user's oldest open request for this fingerprint (dedupe target)."""
        states = sorted(OPEN_STATES)
        return cast(
            "StoredRequest | None",
            self._one(
                f"SELECT * FROM requests WHERE user = ? AND fingerprint = ? "
                f"AND state IN ({','.join('?' * len(states))}) ORDER BY id LIMIT 1",
                (user, fingerprint, *states),
            ),
        )

    def history(self, request_uuid: str) -> list[StoredEvent]:
        rows = self._query(
            "SELECT at, from_state, to_state, note FROM request_events "
            "WHERE request_uuid = ? ORDER BY seq",
            (request_uuid,),
        )
        return [cast("StoredEvent", dict(r)) for r in rows]

    def transition(
        self,
        request_uuid: str,
        new_state: RequestState,
        *,
        note: str | None = None,
        expect: frozenset[str] | set[str] | None = None,
        **fields: Any,
    ) -> tuple[RequestState, StoredRequest]:
        """Change state (validated) and other columns atomically; returns (old_state, row).

        ``expect``: only act when the current state is one of these (else TransitionError),
        which makes "deliver unless cancelled meanwhile" race-free.
        """
        if new_state not in STATES:
            raise TransitionError(f"unknown state {new_state!r}")
        now = time.time()
        with self.transaction() as db:
            row = db.execute(
                "SELECT state FROM requests WHERE uuid = ?", (request_uuid,)
            ).fetchone()
            if row is None:
                raise KeyError(request_uuid)
            old: RequestState = row[0]
            if expect is not None and old not in expect:
                raise TransitionError(f"request is {old}, expected one of {sorted(expect)}")
            if old != new_state and new_state not in TRANSITIONS[old]:
                raise TransitionError(f"cannot go from {old} to {new_state}")
            self._update(
                db,
                "requests",
                "uuid",
                request_uuid,
                {**fields, "state": new_state, "updated_at": now},
            )
            if old != new_state:
                self._event(db, request_uuid, old, new_state, note, now)
            return old, self._must(request_uuid)

    def update_fields(self, request_uuid: str, **fields: Any) -> None:
        """Columns that are not the state (e.g. a ticket ref learned after a cancel)."""
        with self.transaction() as db:
            self._update(
                db, "requests", "uuid", request_uuid, {**fields, "updated_at": time.time()}
            )

    def due_requests(self, now: float | None = None, limit: int = 100) -> list[StoredRequest]:
        """Requests waiting for delivery whose next try is due, oldest first."""
        now = time.time() if now is None else now
        rows = self._rows(
            "SELECT * FROM requests WHERE state IN ('queued', 'failed') "
            "AND COALESCE(next_attempt_at, 0) <= ? ORDER BY next_attempt_at, id LIMIT ?",
            (now, limit),
        )
        return cast("list[StoredRequest]", rows)

    def next_due_at(self) -> float | None:
        """Earliest scheduled delivery try (requests or comments), for the worker's sleep."""
        rows = self._query(
            "SELECT MIN(t) FROM ("
            " SELECT MIN(COALESCE(next_attempt_at, 0)) AS t FROM requests"
            "  WHERE state IN ('queued', 'failed')"
            " UNION ALL"
            " SELECT MIN(COALESCE(c.next_attempt_at, 0)) FROM comments c"
            "  JOIN requests r ON r.uuid = c.request_uuid"
            "  WHERE c.delivered = 0 AND r.ticket_id IS NOT NULL)"
        )
        value = rows[0][0]
        return None if value is None else float(value)

    def open_tickets(self) -> list[StoredRequest]:
        """Delivered requests whose ticket may still change state (for status sync)."""
        rows = self._rows(
            "SELECT * FROM requests WHERE ticket_id IS NOT NULL "
            "AND state IN ('sent', 'acknowledged') ORDER BY id"
        )
        return cast("list[StoredRequest]", rows)

    def counts(self) -> dict[str, int]:
        """Requests per state (every state present), plus ``comments_pending``."""
        rows = self._query("SELECT state, COUNT(*) FROM requests GROUP BY state")
        out: dict[str, int] = dict.fromkeys(STATES, 0)
        out.update({r[0]: r[1] for r in rows})
        pending = self._query("SELECT COUNT(*) FROM comments WHERE delivered = ?", (PENDING,))
        out["comments_pending"] = int(pending[0][0])
        return out

    # -- comments -----------------------------------------------------------------------------

    def add_comment(
        self, request_uuid: str, user: str, kind: str, text: str, *, delivered: int = PENDING
    ) -> StoredComment:
        now = time.time()
        with self.transaction() as db:
            comment_id = self._insert(
                db,
                "comments",
                {
                    "request_uuid": request_uuid,
                    "user": user,
                    "kind": kind,
                    "text": text,
                    "delivered": delivered,
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
            db.execute("UPDATE requests SET updated_at = ? WHERE uuid = ?", (now, request_uuid))
            row = self._one("SELECT * FROM comments WHERE id = ?", (comment_id,))
        return cast("StoredComment", row)

    def comments(self, request_uuid: str) -> list[StoredComment]:
        rows = self._query(
            "SELECT * FROM comments WHERE request_uuid = ? ORDER BY id", (request_uuid,)
        )
        return [cast("StoredComment", dict(r)) for r in rows]

    def due_comments(self, now: float | None = None, limit: int = 100) -> list[DueComment]:
        """Undelivered comments on requests that already have a ticket."""
        now = time.time() if now is None else now
        rows = self._query(
            "SELECT c.*, r.ticket_id, r.ticket_url FROM comments c "
            "JOIN requests r ON r.uuid = c.request_uuid "
            "WHERE c.delivered = 0 AND r.ticket_id IS NOT NULL "
            "AND COALESCE(c.next_attempt_at, 0) <= ? ORDER BY c.id LIMIT ?",
            (now, limit),
        )
        return [cast("DueComment", dict(r)) for r in rows]

    def update_comment(self, comment_id: int, **fields: Any) -> None:
        with self.transaction() as db:
            self._update(db, "comments", "id", comment_id, fields)

    # -- incidents ----------------------------------------------------------------------------

    def add_incident(
        self,
        *,
        user: str,
        kind: str,
        kernel_id: str | None = None,
        notebook_path: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> StoredIncident:
        """Store an incident; a request filed for it is linked later (``link_incident``)."""
        with self.transaction() as db:
            incident_id = self._insert(
                db,
                "incidents",
                {
                    "user": user,
                    "kind": kind,
                    "kernel_id": kernel_id,
                    "notebook_path": notebook_path,
                    "details": json.dumps(details or {}),
                    "created_at": time.time(),
                },
            )
            row = self.get_incident(incident_id)
        assert row is not None  # just inserted
        return row

    def get_incident(self, incident_id: int) -> StoredIncident | None:
        return cast(
            "StoredIncident | None",
            self._one("SELECT * FROM incidents WHERE id = ?", (incident_id,)),
        )

    def link_incident(self, incident_id: int, request_uuid: str) -> None:
        with self.transaction() as db:
            self._update(db, "incidents", "id", incident_id, {"request_uuid": request_uuid})

    def incidents(self, user: str | None = None, limit: int = 200) -> list[StoredIncident]:
        if user is None:
            rows = self._rows("SELECT * FROM incidents ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self._rows(
                "SELECT * FROM incidents WHERE user = ? ORDER BY id DESC LIMIT ?", (user, limit)
            )
        return cast("list[StoredIncident]", rows)
