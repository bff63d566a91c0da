"""The store's schema as SQLAlchemy Core tables, the request lifecycle, and row decoding.

Why SQLAlchemy Core: the same tables and queries must run on SQLite (one file per user, the
default) and on PostgreSQL (the hub relay's shared store), and SQLAlchemy is what the Jupyter
world already uses for that (JupyterHub keeps its own database with it). Core, not the ORM:
filing is a hot path and rows are plain dicts everywhere in this package.

These tables are the schema *now*, used to build queries. How a database gets there is
``store_migrations.py`` (append-only steps); a test checks that both agree on both engines.
"""

from __future__ import annotations

import json
import os
from typing import Any

import sqlalchemy as sa

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

#: States whose requests wait for (another) delivery try.
DUE_STATES = ("failed", "queued")

#: ``comments.delivered`` values.
PENDING, DELIVERED, UNSUPPORTED = 0, 1, 2

#: Message roles (``messages.role``): IT's replies and the user's own.
MESSAGE_ROLES = ("it", "user")


class TransitionError(ValueError):
    """A state change the lifecycle does not allow (e.g. cancelled -> sent)."""


def default_store_path() -> str:
    """``itbridge/itbridge.sqlite3`` under the (per-user) Jupyter data dir."""
    from jupyter_core.paths import jupyter_data_dir

    return os.path.join(jupyter_data_dir(), "itbridge", "itbridge.sqlite3")


metadata = sa.MetaData()
_text, _int, _float = sa.Text, sa.Integer, sa.Float


def _req(name: str, kind: Any, *args: Any, **kw: Any) -> sa.Column[Any]:
    """A NOT NULL column."""
    return sa.Column(name, kind, *args, nullable=False, **kw)


requests = sa.Table(
    "requests",
    metadata,
    sa.Column("uuid", _text, primary_key=True),
    _req("id", _int, unique=True),
    _req("user", _text),
    _req("state", _text),
    sa.Column("kind", _text),
    sa.Column("subject", _text),
    sa.Column("fingerprint", _text),
    _req("urgency", _text, server_default="normal"),
    _req("summary", _text),
    _req("body", _text),
    _req("draft", _text),
    _req("notices", _text, server_default="[]"),
    _req("backend", _text),
    sa.Column("ticket_id", _text),
    sa.Column("ticket_url", _text),
    _req("attempts", _int, server_default="0"),
    sa.Column("next_attempt_at", _float),
    sa.Column("last_error", _text),
    _req("created_at", _float),
    _req("updated_at", _float),
    # v2: free-form JSON for whoever forwards or relays the request (e.g. the hub relay)
    sa.Column("meta", _text),
    # v2: the delivery lease (who is delivering it, until when)
    sa.Column("lease_owner", _text),
    sa.Column("lease_expires_at", _float),
)

request_events = sa.Table(
    "request_events",
    metadata,
    sa.Column("seq", _int, primary_key=True, autoincrement=True),
    _req("request_uuid", _text, sa.ForeignKey("requests.uuid")),
    _req("at", _float),
    sa.Column("from_state", _text),
    _req("to_state", _text),
    sa.Column("note", _text),
    sqlite_autoincrement=True,
)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", _int, primary_key=True, autoincrement=True),
    _req("request_uuid", _text, sa.ForeignKey("requests.uuid")),
    _req("user", _text),
    _req("kind", _text),
    _req("text", _text),
    _req("delivered", _int, server_default="0"),
    _req("attempts", _int, server_default="0"),
    sa.Column("next_attempt_at", _float),
    sa.Column("last_error", _text),
    _req("created_at", _float),
    sa.Column("lease_owner", _text),
    sa.Column("lease_expires_at", _float),
    sqlite_autoincrement=True,
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", _int, primary_key=True, autoincrement=True),
    _req("user", _text),
    _req("kind", _text),
    sa.Column("kernel_id", _text),
    sa.Column("notebook_path", _text),
    _req("details", _text, server_default="{}"),
    _req("created_at", _float),
    sa.Column("request_uuid", _text),
    sqlite_autoincrement=True,
)

requesters = sa.Table(
    "requesters",
    metadata,
    sa.Column("request_uuid", _text, sa.ForeignKey("requests.uuid"), primary_key=True),
    sa.Column("user", _text, primary_key=True),
    sa.Column("justification", _text),
    _req("created_at", _float),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", _int, primary_key=True, autoincrement=True),
    _req("request_uuid", _text, sa.ForeignKey("requests.uuid")),
    _req("backend_id", _text),
    _req("role", _text),
    sa.Column("author", _text),
    _req("text", _text),
    _req("created_at", _float),
    _req("public", _int, server_default="1"),
    sa.Column("seen_at", _float),
    sa.UniqueConstraint("request_uuid", "backend_id"),
    sqlite_autoincrement=True,
)

#: JSON columns (stored as text on both engines) and the value an unreadable one decodes to.
JSON_COLUMNS: dict[str, Any] = {"draft": {}, "notices": [], "details": {}, "meta": None}


def new_comment(
    request_uuid: str, user: str, kind: str, text: str, delivered: int, now: float
) -> dict[str, Any]:
    """A ``comments`` row to insert: due for delivery now (unless already ``delivered``)."""
    return {
        "request_uuid": request_uuid,
        "user": user,
        "kind": kind,
        "text": text,
        "delivered": delivered,
        "next_attempt_at": now,
        "created_at": now,
    }


def encode_json(fields: dict[str, Any]) -> dict[str, Any]:
    """Column values ready to bind: JSON columns serialised (None stays NULL)."""
    out = dict(fields)
    for key in JSON_COLUMNS:
        if key in out and out[key] is not None and not isinstance(out[key], str):
            out[key] = json.dumps(out[key])
    return out


#: The JSON texts nearly every row holds, decoded without the parser (a hot path).
_COMMON_JSON: dict[str, Any] = {"[]": list, "{}": dict}


def decode_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row dict with its JSON columns decoded (a corrupt one reads as empty, never raises)."""
    for key, empty in JSON_COLUMNS.items():
        value = row.get(key)
        if isinstance(value, str):
            common = _COMMON_JSON.get(value)
            if common is not None:
                row[key] = common()
                continue
            try:
                row[key] = json.loads(value)
            except ValueError:
                row[key] = None if empty is None else type(empty)()
    return row
