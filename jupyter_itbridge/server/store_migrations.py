"""Versioned migrations of the store, the same steps on SQLite and PostgreSQL.

Migration N brings a database from version N-1 to N. Append only, never edit one that has
shipped: stores of the first release (SQLite files at version 1) migrate in place. Each step
is SQLAlchemy DDL compiled for the engine at hand, with its tables frozen here as they were at
that version (the live tables in ``store_schema.py`` are the sum of all steps; a test checks).

The version lives where each engine keeps such things: SQLite's ``PRAGMA user_version`` (the
first release reads it, so it refuses a store migrated by a newer release instead of
misreading it), and a one-row ``itbridge_schema`` table on PostgreSQL. Each migration runs in
one transaction with its version bump (both engines have transactional DDL); on PostgreSQL an
advisory lock makes relay replicas that start together migrate one after the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable

from .store_engine import PG_MIGRATE_LOCK, Database

_text, _int, _float = sa.Text, sa.Integer, sa.Float


def _nn(name: str, kind: Any, *args: Any, **kw: Any) -> sa.Column[Any]:
    """A NOT NULL column."""
    return sa.Column(name, kind, *args, nullable=False, **kw)


def _v1(dialect: sa.Dialect) -> list[str]:
    """The first release's schema (requests, their history, comments, incidents)."""
    md = sa.MetaData()
    requests = sa.Table(
        "requests",
        md,
        sa.Column("uuid", _text, primary_key=True),
        _nn("id", _int, unique=True),
        _nn("user", _text),
        _nn("state", _text),
        sa.Column("kind", _text),
        sa.Column("subject", _text),
        sa.Column("fingerprint", _text),
        _nn("urgency", _text, server_default="normal"),
        _nn("summary", _text),
        _nn("body", _text),
        _nn("draft", _text),
        _nn("notices", _text, server_default="[]"),
        _nn("backend", _text),
        sa.Column("ticket_id", _text),
        sa.Column("ticket_url", _text),
        _nn("attempts", _int, server_default="0"),
        sa.Column("next_attempt_at", _float),
        sa.Column("last_error", _text),
        _nn("created_at", _float),
        _nn("updated_at", _float),
    )
    events = sa.Table(
        "request_events",
        md,
        sa.Column("seq", _int, primary_key=True, autoincrement=True),
        _nn("request_uuid", _text, sa.ForeignKey("requests.uuid")),
        _nn("at", _float),
        sa.Column("from_state", _text),
        _nn("to_state", _text),
        sa.Column("note", _text),
        sqlite_autoincrement=True,
    )
    comments = sa.Table(
        "comments",
        md,
        sa.Column("id", _int, primary_key=True, autoincrement=True),
        _nn("request_uuid", _text, sa.ForeignKey("requests.uuid")),
        _nn("user", _text),
        _nn("kind", _text),
        _nn("text", _text),
        _nn("delivered", _int, server_default="0"),
        _nn("attempts", _int, server_default="0"),
        sa.Column("next_attempt_at", _float),
        sa.Column("last_error", _text),
        _nn("created_at", _float),
        sqlite_autoincrement=True,
    )
    incidents = sa.Table(
        "incidents",
        md,
        sa.Column("id", _int, primary_key=True, autoincrement=True),
        _nn("user", _text),
        _nn("kind", _text),
        sa.Column("kernel_id", _text),
        sa.Column("notebook_path", _text),
        _nn("details", _text, server_default="{}"),
        _nn("created_at", _float),
        sa.Column("request_uuid", _text),
        sqlite_autoincrement=True,
    )
    indexes = [
        sa.Index("requests_user_fp", requests.c.user, requests.c.fingerprint, requests.c.state),
        sa.Index("requests_due", requests.c.state, requests.c.next_attempt_at),
        sa.Index("request_events_uuid", events.c.request_uuid),
        sa.Index("comments_uuid", comments.c.request_uuid),
        sa.Index("comments_pending", comments.c.delivered, comments.c.next_attempt_at),
        sa.Index("incidents_user", incidents.c.user, incidents.c.created_at),
    ]
    tables = [requests, events, comments, incidents]
    return [_ddl(CreateTable(t), dialect) for t in tables] + [
        _ddl(CreateIndex(i), dialect) for i in indexes
    ]


def _v2(dialect: sa.Dialect) -> list[str]:
    """Delivery leases, a free-form ``meta`` on requests, requesters (dedupe across users on
    the relay) and messages (IT's replies)."""
    md = sa.MetaData()
    requests = sa.Table(
        "requests",
        md,
        sa.Column("uuid", _text, primary_key=True),
        sa.Column("fingerprint", _text),
        sa.Column("state", _text),
    )
    requesters = sa.Table(
        "requesters",
        md,
        sa.Column("request_uuid", _text, sa.ForeignKey("requests.uuid"), primary_key=True),
        sa.Column("user", _text, primary_key=True),
        sa.Column("justification", _text),
        _nn("created_at", _float),
    )
    messages = sa.Table(
        "messages",
        md,
        sa.Column("id", _int, primary_key=True, autoincrement=True),
        _nn("request_uuid", _text, sa.ForeignKey("requests.uuid")),
        _nn("backend_id", _text),
        _nn("role", _text),
        sa.Column("author", _text),
        _nn("text", _text),
        _nn("created_at", _float),
        _nn("public", _int, server_default="1"),
        sa.Column("seen_at", _float),
        sa.UniqueConstraint("request_uuid", "backend_id"),
        sqlite_autoincrement=True,
    )
    added = [
        ("requests", sa.Column("meta", _text)),
        ("requests", sa.Column("lease_owner", _text)),
        ("requests", sa.Column("lease_expires_at", _float)),
        ("comments", sa.Column("lease_owner", _text)),
        ("comments", sa.Column("lease_expires_at", _float)),
    ]
    indexes = [
        sa.Index("requests_fp", requests.c.fingerprint, requests.c.state),
        sa.Index("requesters_user", requesters.c.user),
    ]
    return (
        [_add_column(table, column, dialect) for table, column in added]
        + [_ddl(CreateTable(t, if_not_exists=True), dialect) for t in (requesters, messages)]
        + [_ddl(CreateIndex(i, if_not_exists=True), dialect) for i in indexes]
    )


def _ddl(element: sa.schema.ExecutableDDLElement, dialect: sa.Dialect) -> str:
    return str(element.compile(dialect=dialect)).strip()


def _add_column(table: str, column: sa.Column[Any], dialect: sa.Dialect) -> str:
    """``ADD COLUMN``; re-runnable (PostgreSQL says IF NOT EXISTS, SQLite's is checked in
    :func:`_needed`), so a store a pre-release build had already given a column migrates."""
    quote = dialect.identifier_preparer.quote
    kind = column.type.compile(dialect=dialect)
    guard = "IF NOT EXISTS " if dialect.name == "postgresql" else ""
    return f"ALTER TABLE {quote(table)} ADD COLUMN {guard}{quote(column.name)} {kind}"


_SQLITE_ADD_COLUMN = re.compile(r'ALTER TABLE "?(\w+)"? ADD COLUMN "?(\w+)"?')


def _needed(db: Database, statement: str) -> bool:
    """False for a SQLite ``ADD COLUMN`` of a column the table already has."""
    match = _SQLITE_ADD_COLUMN.match(statement) if db.engine_name == "sqlite" else None
    if match is None:
        return True
    table, column = match.groups()
    names = {row["name"] for row in db.fetch(f"PRAGMA table_info({table})")}
    return column not in names


#: Migration N is ``MIGRATIONS[N - 1]``.
MIGRATIONS: list[Callable[[sa.Dialect], list[str]]] = [_v1, _v2]


class NewerSchemaError(RuntimeError):
    """The store was written by a newer jupyter-itbridge; never downgrade it."""


def schema_version(db: Database) -> int:
    if db.engine_name == "sqlite":
        return int(db.scalar("PRAGMA user_version") or 0)
    if db.scalar("SELECT to_regclass('itbridge_schema')") is None:
        return 0
    return int(db.scalar("SELECT MAX(version) FROM itbridge_schema") or 0)


def _set_version(db: Database, version: int) -> None:
    if db.engine_name == "sqlite":
        db.run(f"PRAGMA user_version = {int(version)}")
        return
    db.run("DELETE FROM itbridge_schema")
    db.run(f"INSERT INTO itbridge_schema (version) VALUES ({int(version)})")


def _refuse_newer(current: int, where: str) -> None:
    if current > len(MIGRATIONS):
        raise NewerSchemaError(
            f"{where} has schema version {current}, newer than this jupyter-itbridge "
            f"({len(MIGRATIONS)}); upgrade jupyter-itbridge."
        )


def migrate(db: Database, target: int | None = None) -> int:
    """Apply pending migrations (up to ``target``, default all), each in its own transaction;
    returns the final version.

    The caller holds the store's lock. A store newer than this code is refused (never
    downgraded): its rows may carry states or columns this version does not know.
    """
    goal = len(MIGRATIONS) if target is None else target
    current = schema_version(db)
    _refuse_newer(current, db.target.display)
    while current < goal:
        db.begin(exclusive=False)
        try:
            if db.engine_name == "postgresql":
                db.run(f"SELECT pg_advisory_xact_lock({PG_MIGRATE_LOCK})")
                db.run("CREATE TABLE IF NOT EXISTS itbridge_schema (version INTEGER NOT NULL)")
            current = schema_version(db)  # another process may have migrated meanwhile
            _refuse_newer(current, db.target.display)
            if current < goal:
                for statement in MIGRATIONS[current](db.dialect):
                    if _needed(db, statement):
                        db.run(statement)
                current += 1
                _set_version(db, current)
        except BaseException:
            db.rollback()
            raise
        db.commit()
    return current
