"""Messages: IT's replies (and the user's own) on a request, as read back from the ticket.

Why stored: the sidebar shows the conversation without asking the ticket system on every
view, and sync can run again and again without duplicating anything - a message is unique by
the ticket system's own id within its request (``add_messages`` is idempotent on it).
``seen_at`` records when the user saw it, for an "unread" mark.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..jsontypes import StoredMessage
from .store_base import StoreBase
from .store_schema import MESSAGE_ROLES, messages

_m = messages.c
_bp = sa.bindparam
_COLS = ("request_uuid", "backend_id", "role", "author", "text", "created_at", "public")


def message_time(value: Any) -> float:
    """A message time as UNIX seconds: a number, a datetime, or ISO 8601 text ("...Z" too)."""
    if isinstance(value, bool):
        raise ValueError("a message time cannot be a boolean")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    else:
        raise ValueError(f"not a time: {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _values(request_uuid: str, msg: Mapping[str, Any]) -> dict[str, Any]:
    """One message's columns, checked (a bad one raises ValueError before anything is written)."""
    backend_id = msg.get("backend_id", msg.get("id"))
    if backend_id is None or str(backend_id) == "":
        raise ValueError("a message needs the ticket system's id (backend_id)")
    role = msg.get("role")
    if role not in MESSAGE_ROLES:
        raise ValueError(f"message role must be one of {MESSAGE_ROLES}, not {role!r}")
    text = msg.get("text")
    if not isinstance(text, str):
        raise ValueError("message text must be a string")
    author = msg.get("author")
    return {
        "v_request_uuid": request_uuid,
        "v_backend_id": str(backend_id),
        "v_role": role,
        "v_author": None if author is None else str(author),
        "v_text": text,
        "v_created_at": message_time(msg.get("created_at", time.time())),
        "v_public": 1 if msg.get("public", True) else 0,
    }


def _decoded(rows: list[dict[str, Any]]) -> list[StoredMessage]:
    for row in rows:
        row["public"] = bool(row["public"])
    return cast("list[StoredMessage]", rows)


class MessageQueries(StoreBase):
    """The ``messages`` table: add (idempotent), read, mark seen."""

    def add_messages(
        self, request_uuid: str, msgs: Iterable[Mapping[str, Any]]
    ) -> list[StoredMessage]:
        """Store messages read from the ticket; returns only the ones not stored before.

        Each message: ``backend_id`` (or ``id``), ``role`` (``it`` | ``user``), ``author``,
        ``text``, ``created_at`` (UNIX seconds, datetime or ISO 8601), ``public`` (bool).
        All are checked first, then stored in one transaction.
        """
        batch = [_values(request_uuid, msg) for msg in msgs]
        dialect_insert = postgresql.insert if self.engine == "postgresql" else sqlite.insert

        def build() -> sa.ClauseElement:
            stmt = dialect_insert(messages).values({c: _bp(f"v_{c}") for c in _COLS})
            stmt = stmt.on_conflict_do_nothing(index_elements=["request_uuid", "backend_id"])
            return stmt.returning(*messages.c)

        added: list[dict[str, Any]] = []
        with self.transaction(exclusive=False):
            for params in batch:
                added.extend(self._rows("add_message", build, params))
        return _decoded(added)

    def messages(
        self, request_uuid: str, since: float | None = None, *, public_only: bool = False
    ) -> list[StoredMessage]:
        """A request's messages in order; ``since``: only those created after that time."""

        def build() -> sa.ClauseElement:
            stmt = sa.select(messages).where(_m.request_uuid == _bp("uuid"))
            if since is not None:
                stmt = stmt.where(_m.created_at > _bp("since"))
            if public_only:
                stmt = stmt.where(_m.public == 1)
            return stmt.order_by(_m.created_at, _m.id)

        params: dict[str, Any] = {"uuid": request_uuid}
        if since is not None:
            params["since"] = message_time(since)
        key = ("messages", since is not None, public_only)
        return _decoded(self._rows(key, build, params))

    def mark_seen(
        self, request_uuid: str, until: float | None = None, *, now: float | None = None
    ) -> int:
        """Mark the request's unseen messages (created up to ``until``, or all) as seen now;
        returns how many."""

        def build() -> sa.ClauseElement:
            stmt = sa.update(messages).where(_m.request_uuid == _bp("uuid"), _m.seen_at.is_(None))
            if until is not None:
                stmt = stmt.where(_m.created_at <= _bp("until"))
            return stmt.values(seen_at=_bp("v_now"))

        params: dict[str, Any] = {
            "uuid": request_uuid,
            "v_now": time.time() if now is None else now,
        }
        if until is not None:
            params["until"] = message_time(until)
        return self._run(("mark_seen", until is not None), build, params)

    def unseen_count(self, request_uuid: str, role: str = "it") -> int:
        """Public messages of ``role`` the user has not seen yet (the sidebar's unread mark)."""
        value = self._scalar(
            "unseen_count",
            lambda: sa.select(sa.func.count()).where(
                _m.request_uuid == _bp("uuid"),
                _m.role == _bp("role"),
                _m.public == 1,
                _m.seen_at.is_(None),
            ),
            {"uuid": request_uuid, "role": role},
        )
        return int(value or 0)

    def unseen_counts(self, request_uuids: Iterable[str], role: str = "it") -> dict[str, int]:
        """``unseen_count`` of many requests in one query (the sidebar's list); absent: 0.

        One grouped query over the unseen messages (few: seeing them clears them), filtered
        here, since prepared statements take no list parameter."""
        wanted = set(request_uuids)
        if not wanted:
            return {}

        def build() -> sa.ClauseElement:
            return (
                sa.select(_m.request_uuid, sa.func.count().label("n"))
                .where(
                    _m.role == _bp("role"),
                    _m.public == 1,
                    _m.seen_at.is_(None),
                )
                .group_by(_m.request_uuid)
            )

        rows = self._rows("unseen_counts", build, {"role": role})
        return {str(r["request_uuid"]): int(r["n"]) for r in rows if r["request_uuid"] in wanted}
