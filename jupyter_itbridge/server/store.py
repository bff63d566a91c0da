"""The request store: requests, their history, comments and incidents, on SQLite or PostgreSQL.

Why a database at all: a request must survive a server crash the moment the user clicked Send
(the outbox commits before any delivery try). SQLite by default - one file in the user's data
dir, no admin work; PostgreSQL (``postgresql://...``) when several processes share one store
(the hub relay, its replicas). Delivery leases (``store_leases.py``) keep two processes from
delivering one request twice. The schema and lifecycle live in ``store_schema.py``, the
migrations in ``store_migrations.py``, the connection in ``store_engine.py``; this module is
the queries the single-user server has always used.
"""

from __future__ import annotations

import time
import uuid as uuidlib
from collections.abc import Callable, Sequence
from typing import Any, cast

import sqlalchemy as sa

from ..contract import OPEN_STATES, STATES, RequestState
from ..jsontypes import DueComment, StoredComment, StoredEvent, StoredIncident, StoredRequest
from .store_base import StoreBase, consts
from .store_fs import FsInfo, detect
from .store_leases import LeaseQueries
from .store_messages import MessageQueries
from .store_migrations import MIGRATIONS, NewerSchemaError
from .store_relay import RelayQueries
from .store_schema import (
    DELIVERED,
    DUE_STATES,
    PENDING,
    TRANSITIONS,
    UNSUPPORTED,
    TransitionError,
    comments,
    default_store_path,
    encode_json,
    incidents,
    new_comment,
    request_events,
    requests,
)

__all__ = [  # the schema names are re-exported: callers import them with the Store
    "DELIVERED",
    "MIGRATIONS",
    "PENDING",
    "TRANSITIONS",
    "UNSUPPORTED",
    "NewerSchemaError",
    "Store",
    "TransitionError",
    "default_store_path",
]

#: Seconds between WAL checkpoints (a background thread, see ``store_engine``); the WAL holds
#: at most this long's worth of writes before they are copied into the database.
CHECKPOINT_INTERVAL = 30.0

_r, _c = requests.c, comments.c
_OPEN = consts(sorted(OPEN_STATES))


def _bp(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


class Store(LeaseQueries, RelayQueries, MessageQueries, StoreBase):
    """All persistence for requests, their history, comments, incidents, requesters and
    messages. ``target``: a file path, ``sqlite:///path``, or ``postgresql://...``."""

    def __init__(self, target: str, *, fs_probe: Callable[[str], FsInfo] = detect) -> None:
        self._open(target, CHECKPOINT_INTERVAL, fs_probe)

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
        meta: dict[str, Any] | None = None,
        state: RequestState = "queued",
        note: str | None = None,
    ) -> StoredRequest:
        """Commit a new ``queued`` request (before any delivery try) and return it.

        ``body_factory(uuid) -> str`` lets a caller that did not choose the UUID embed it
        (the idempotency marker) in the body in the same transaction. The request number is
        the next one in this store (one exclusive transaction, on both engines).

        ``state`` other than ``queued`` (a transition ``queued`` allows, with ``note``): the
        row is filed and moved there at once, with both events in its history, as a
        ``transition`` right after the insert would; one statement less each (the relay
        parks a joining request in ``sent``).
        """
        if state != "queued" and state not in TRANSITIONS["queued"]:
            raise TransitionError(f"cannot go from queued to {state}")
        now = time.time()
        request_uuid = request_uuid or str(uuidlib.uuid4())
        if body_factory is not None:
            body = body_factory(request_uuid)
        values: dict[str, Any] = {
            "uuid": request_uuid,
            "user": user,
            "state": state,
            "kind": kind,
            "subject": subject,
            "fingerprint": fingerprint,
            "urgency": urgency,
            "summary": summary,
            "body": body,
            "draft": draft,
            "notices": notices or [],
            "backend": backend,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
            "meta": meta,
        }

        def build() -> sa.ClauseElement:
            binds: dict[str, Any] = {c: _bp(f"v_{c}") for c in values}
            binds["id"] = sa.select(sa.func.coalesce(sa.func.max(_r.id), 0) + 1).scalar_subquery()
            return sa.insert(requests).values(binds).returning(*requests.c)

        params = {f"v_{k}": v for k, v in encode_json(values).items()}
        events: list[tuple[str | None, str, str | None]] = [(None, "queued", "filed")]
        if state != "queued":
            events.append(("queued", state, note))
        with self.transaction():
            row = self._one("insert_request", build, params)
            self._event(request_uuid, events, now)
        return cast("StoredRequest", row)

    def _event(
        self, uuid: str, events: Sequence[tuple[str | None, str, str | None]], at: float
    ) -> None:
        """History entries ``(from_state, to_state, note)`` of one request, one statement."""
        cols = ("request_uuid", "at", "from_state", "to_state", "note")

        def build() -> sa.ClauseElement:
            rows = [{c: _bp(f"{c}_{i}") for c in cols} for i in range(len(events))]
            return sa.insert(request_events).values(rows)

        params: dict[str, Any] = {}
        for i, (old, new, note) in enumerate(events):
            values = (uuid, at, old, new, note)
            params.update({f"{c}_{i}": v for c, v in zip(cols, values, strict=True)})
        self._run(("event", len(events)), build, params)

    def get_request(self, request_uuid: str) -> StoredRequest | None:
        row = self._one(
            "get_request",
            lambda: sa.select(requests).where(_r.uuid == _bp("uuid")),
            {"uuid": request_uuid},
        )
        return cast("StoredRequest | None", row)

    def _must(self, request_uuid: str) -> StoredRequest:
        """A request that must exist (it was just written, or looked up under the lock)."""
        row = self.get_request(request_uuid)
        if row is None:
            raise KeyError(request_uuid)
        return row

    def get_request_by_id(self, request_id: int) -> StoredRequest | None:
        row = self._one(
            "get_request_by_id",
            lambda: sa.select(requests).where(_r.id == _bp("id")),
            {"id": request_id},
        )
        return cast("StoredRequest | None", row)

    def list_requests(
        self,
        user: str | None = None,
        *,
        states: Sequence[RequestState] | None = None,
        limit: int = 1000,
    ) -> list[StoredRequest]:
        """Newest first; one user's (or everyone's), in these states (or any)."""
        chosen = tuple(sorted(set(states))) if states else ()

        def build() -> sa.ClauseElement:
            stmt = sa.select(requests)
            if user is not None:
                stmt = stmt.where(_r.user == _bp("user"))
            if chosen:
                stmt = stmt.where(_r.state.in_(consts(chosen)))
            return stmt.order_by(_r.id.desc()).limit(_bp("limit"))

        params: dict[str, Any] = {"limit": limit, "user": user}
        if user is None:
            del params["user"]
        rows = self._rows(("list_requests", user is not None, chosen), build, params)
        return cast("list[StoredRequest]", rows)

    def find_open(self, user: str, fingerprint: str) -> StoredRequest | None:
        """The user's oldest open request for this fingerprint (dedupe target)."""
        row = self._one(
            "find_open",
            lambda: (
                sa.select(requests)
                .where(_r.user == _bp("user"), _r.fingerprint == _bp("fp"), _r.state.in_(_OPEN))
                .order_by(_r.id)
                .limit(1)
            ),
            {"user": user, "fp": fingerprint},
        )
        return cast("StoredRequest | None", row)

    def history(self, request_uuid: str) -> list[StoredEvent]:
        e = request_events.c
        rows = self._rows(
            "history",
            lambda: (
                sa.select(e.at, e.from_state, e.to_state, e.note)
                .where(e.request_uuid == _bp("uuid"))
                .order_by(e.seq)
            ),
            {"uuid": request_uuid},
        )
        return cast("list[StoredEvent]", rows)

    def transition(
        self,
        request_uuid: str,
        new_state: RequestState,
        *,
        note: str | None = None,
        expect: frozenset[str] | set[str] | None = None,
        holder: str | None = None,
        **fields: Any,
    ) -> tuple[RequestState, StoredRequest]:
        """Change state (validated) and other columns atomically; returns (old_state, row).

        ``expect``: only act when the current state is one of these (else TransitionError),
        which makes "deliver unless cancelled meanwhile" race-free. ``holder``: only act while
        this lease owner still holds the request's delivery lease (else TransitionError).
        """
        if new_state not in STATES:
            raise TransitionError(f"unknown state {new_state!r}")
        now = time.time()
        with self.transaction(exclusive=False):
            current = self._one(
                "state_for_update",
                lambda: (
                    sa.select(_r.state, _r.lease_owner)
                    .where(_r.uuid == _bp("uuid"))
                    .with_for_update()
                ),
                {"uuid": request_uuid},
            )
            if current is None:
                raise KeyError(request_uuid)
            old: RequestState = current["state"]
            if expect is not None and old not in expect:
                raise TransitionError(f"request is {old}, expected one of {sorted(expect)}")
            if holder is not None and current["lease_owner"] != holder:
                raise TransitionError("the delivery lease is held by another process")
            if old != new_state and new_state not in TRANSITIONS[old]:
                raise TransitionError(f"cannot go from {old} to {new_state}")
            changes = {**fields, "state": new_state, "updated_at": now}
            row = self._update_row(requests, "uuid", request_uuid, changes)
            if old != new_state:
                self._event(request_uuid, [(old, new_state, note)], now)
        return old, cast("StoredRequest", row)

    def update_fields(self, request_uuid: str, **fields: Any) -> None:
        """Columns that are not the state (e.g. a ticket ref learned after a cancel)."""
        self._update(requests, "uuid", request_uuid, {**fields, "updated_at": time.time()})

    def due_requests(self, now: float | None = None, limit: int = 100) -> list[StoredRequest]:
        """Requests waiting for delivery whose next try is due, oldest first (leased or not:
        the outbox claims them with ``claim_due_requests``)."""
        now = time.time() if now is None else now
        rows = self._rows(
            "due_requests",
            lambda: (
                sa.select(requests)
                .where(
                    _r.state.in_(consts(DUE_STATES)),
                    sa.func.coalesce(_r.next_attempt_at, 0) <= _bp("now"),
                )
                .order_by(_r.next_attempt_at, _r.id)
                .limit(_bp("limit"))
            ),
            {"now": now, "limit": limit},
        )
        return cast("list[StoredRequest]", rows)

    def open_tickets(self) -> list[StoredRequest]:
        """Delivered requests whose ticket may still change state (for status sync)."""
        rows = self._rows(
            "open_tickets",
            lambda: (
                sa.select(requests)
                .where(_r.ticket_id.is_not(None), _r.state.in_(consts(("sent", "acknowledged"))))
                .order_by(_r.id)
            ),
        )
        return cast("list[StoredRequest]", rows)

    def counts(self) -> dict[str, int]:
        """Requests per state (every state present), plus ``comments_pending``."""
        rows = self._rows(
            "counts",
            lambda: sa.select(_r.state, sa.func.count().label("n")).group_by(_r.state),
        )
        out: dict[str, int] = dict.fromkeys(STATES, 0)
        out.update({r["state"]: int(r["n"]) for r in rows})
        pending = self._scalar(
            "comments_pending",
            lambda: sa.select(sa.func.count()).where(_c.delivered == _bp("pending")),
            {"pending": PENDING},
        )
        out["comments_pending"] = int(pending or 0)
        return out

    # -- comments -----------------------------------------------------------------------------

    def add_comment(
        self, request_uuid: str, user: str, kind: str, text: str, *, delivered: int = PENDING
    ) -> StoredComment:
        now = time.time()
        with self.transaction(exclusive=False):
            row = self._insert(
                comments, new_comment(request_uuid, user, kind, text, delivered, now)
            )
            self._update(requests, "uuid", request_uuid, {"updated_at": now})
        return cast("StoredComment", row)

    def comments(self, request_uuid: str) -> list[StoredComment]:
        rows = self._rows(
            "comments",
            lambda: sa.select(comments).where(_c.request_uuid == _bp("uuid")).order_by(_c.id),
            {"uuid": request_uuid},
        )
        return cast("list[StoredComment]", rows)

    def due_comments(self, now: float | None = None, limit: int = 100) -> list[DueComment]:
        """Undelivered comments on requests that already have a ticket."""
        now = time.time() if now is None else now
        rows = self._rows(
            "due_comments",
            lambda: (
                sa.select(comments, _r.ticket_id, _r.ticket_url)
                .join(requests, _r.uuid == _c.request_uuid)
                .where(
                    _c.delivered == PENDING,
                    _r.ticket_id.is_not(None),
                    sa.func.coalesce(_c.next_attempt_at, 0) <= _bp("now"),
                )
                .order_by(_c.id)
                .limit(_bp("limit"))
            ),
            {"now": now, "limit": limit},
        )
        return cast("list[DueComment]", rows)

    def update_comment(self, comment_id: int, holder: str | None = None, **fields: Any) -> bool:
        """Change a comment's columns; with ``holder``, only while that owner holds its lease.
        Returns whether the row changed."""
        where = {"lease_owner": holder} if holder is not None else None
        return self._update(comments, "id", comment_id, fields, where=where) > 0

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
        row = self._insert(
            incidents,
            {
                "user": user,
                "kind": kind,
                "kernel_id": kernel_id,
                "notebook_path": notebook_path,
                "details": details or {},
                "created_at": time.time(),
            },
        )
        return cast("StoredIncident", row)

    def get_incident(self, incident_id: int) -> StoredIncident | None:
        i = incidents.c
        row = self._one(
            "get_incident",
            lambda: sa.select(incidents).where(i.id == _bp("id")),
            {"id": incident_id},
        )
        return cast("StoredIncident | None", row)

    def link_incident(self, incident_id: int, request_uuid: str) -> None:
        self._update(incidents, "id", incident_id, {"request_uuid": request_uuid})

    def incidents(self, user: str | None = None, limit: int = 200) -> list[StoredIncident]:
        i = incidents.c

        def build() -> sa.ClauseElement:
            stmt = sa.select(incidents)
            if user is not None:
                stmt = stmt.where(i.user == _bp("user"))
            return stmt.order_by(i.id.desc()).limit(_bp("limit"))

        params: dict[str, Any] = {"limit": limit}
        if user is not None:
            params["user"] = user
        return cast("list[StoredIncident]", self._rows(("incidents", user is None), build, params))
