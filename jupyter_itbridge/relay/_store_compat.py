"""TEMPORARY: the store methods the relay needs until the SQLAlchemy store (wt/storage) lands.

The lead deletes this module at merge: the storage branch provides the same names on ``Store``
(``find_open_by_fingerprint``, ``add_requester``, ``requesters``, a nullable JSON ``meta``
column on ``requests``, ``Store(db_url)``). Everything here is applied only when ``Store``
lacks it, so it is inert once the real methods exist. SQLite only.
"""

from __future__ import annotations

import json
import time
from typing import Any, cast

from ..contract import OPEN_STATES
from ..jsontypes import StoredRequest
from ..server import store_schema
from ..server.store import Store

_REQUESTERS = """
CREATE TABLE IF NOT EXISTS requesters (
    request_uuid TEXT NOT NULL REFERENCES requests(uuid),
    user TEXT NOT NULL,
    justification TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    PRIMARY KEY (request_uuid, user)
)
"""


def _ensure_schema(store: Store) -> None:
    with store.transaction() as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(requests)")}
        if "meta" not in columns:
            db.execute("ALTER TABLE requests ADD COLUMN meta TEXT")
        db.execute(_REQUESTERS)
        db.execute("CREATE INDEX IF NOT EXISTS requests_fp ON requests(fingerprint, state)")


def find_open_by_fingerprint(self: Store, fingerprint: str) -> StoredRequest | None:
    """The oldest open request with this fingerprint, whoever filed it."""
    states = sorted(OPEN_STATES)
    marks = ",".join("?" * len(states))
    rows = self._rows(
        f"SELECT * FROM requests WHERE fingerprint = ? AND state IN ({marks}) ORDER BY id LIMIT 1",
        (fingerprint, *states),
    )
    return cast("StoredRequest", rows[0]) if rows else None


def add_requester(self: Store, request_uuid: str, user: str, justification: str = "") -> bool:
    """Record ``user`` as a requester of the request; True when they were not one yet."""
    with self.transaction() as db:
        cur = db.execute(
            "INSERT OR IGNORE INTO requesters (request_uuid, user, justification, created_at) "
            "VALUES (?, ?, ?, ?)",
            (request_uuid, user, justification or "", time.time()),
        )
        return cur.rowcount == 1


def requesters(self: Store, request_uuid: str) -> list[dict[str, Any]]:
    rows = self._query(
        "SELECT user, justification, created_at FROM requesters WHERE request_uuid = ? "
        "ORDER BY created_at, user",
        (request_uuid,),
    )
    return [dict(r) for r in rows]


def _update_encoding_meta(original: Any) -> Any:
    def _update(db: Any, table: str, key: str, value: Any, fields: dict[str, Any]) -> None:
        if isinstance(fields.get("meta"), (dict, list)):
            fields = {**fields, "meta": json.dumps(fields["meta"])}
        original(db, table, key, value, fields)

    return staticmethod(_update)


def _migrate_with_compat(original: Any) -> Any:
    def migrate(self: Store) -> None:
        original(self)
        _ensure_schema(self)

    return migrate


def install() -> None:
    """Give ``Store`` the missing methods and the ``meta`` column (once, only if missing)."""
    if hasattr(Store, "add_requester"):
        return
    store_schema.JSON_COLUMNS.setdefault("meta", {})
    Store.migrate = _migrate_with_compat(Store.migrate)  # type: ignore[method-assign]
    Store._update = _update_encoding_meta(Store._update)  # type: ignore[method-assign]
    Store.find_open_by_fingerprint = find_open_by_fingerprint  # type: ignore[attr-defined]
    Store.add_requester = add_requester  # type: ignore[attr-defined]
    Store.requesters = requesters  # type: ignore[attr-defined]


def open_store(db_url: str) -> Store:
    """``sqlite:///path`` or a plain path; PostgreSQL needs the SQLAlchemy store."""
    install()
    if db_url.startswith(("postgresql", "postgres:")):
        raise ValueError(
            "c.ITBridgeRelay.db_url: PostgreSQL needs the SQLAlchemy store of a newer "
            "jupyter-itbridge; use a sqlite:/// URL."
        )
    path = db_url[len("sqlite:///") :] if db_url.startswith("sqlite:///") else db_url
    return Store(path)


install()
