"""TEMPORARY test shim: the relay store methods IT's view reads, on today's SQLite ``Store``,
until the SQLAlchemy store (branch wt/storage) provides them with these names.

``find_open_by_fingerprint``, ``add_requester``, ``requesters``, ``list_all``, ``top_subjects``
and a nullable JSON ``meta`` column, as the storage helper's brief names them. Tests only: the
package code never imports this. Delete it (and use ``Store``) once the real methods exist.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, cast

from jupyter_itbridge.contract import OPEN_STATES
from jupyter_itbridge.jsontypes import StoredRequest
from jupyter_itbridge.server import store_schema
from jupyter_itbridge.server.store import Store

store_schema.JSON_COLUMNS.setdefault("meta", {})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requesters (
    request_uuid TEXT NOT NULL REFERENCES requests(uuid),
    user TEXT NOT NULL,
    justification TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    PRIMARY KEY (request_uuid, user)
)
"""


class RelayTestStore(Store):
    """``Store`` plus the relay's cross-user methods (SQLite, tests only)."""

    def migrate(self) -> None:
        super().migrate()
        with self.transaction() as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(requests)")}
            if "meta" not in columns:
                db.execute("ALTER TABLE requests ADD COLUMN meta TEXT")
            db.execute(_SCHEMA)

    @staticmethod
    def _update(db: Any, table: str, key: str, value: Any, fields: dict[str, Any]) -> None:
        if isinstance(fields.get("meta"), (dict, list)):
            fields = {**fields, "meta": json.dumps(fields["meta"])}
        Store._update(db, table, key, value, fields)

    def find_open_by_fingerprint(self, fingerprint: str) -> StoredRequest | None:
        states = sorted(OPEN_STATES)
        rows = self._rows(
            f"SELECT * FROM requests WHERE fingerprint = ? AND state IN "
            f"({','.join('?' * len(states))}) ORDER BY id LIMIT 1",
            (fingerprint, *states),
        )
        return cast("StoredRequest", rows[0]) if rows else None

    def add_requester(self, request_uuid: str, user: str, justification: str = "") -> bool:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO requesters (request_uuid, user, justification, created_at) "
                "VALUES (?, ?, ?, ?)",
                (request_uuid, user, justification or "", time.time()),
            )
            return cur.rowcount == 1

    def requesters(self, request_uuid: str) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT user, justification, created_at FROM requesters WHERE request_uuid = ? "
            "ORDER BY created_at, user",
            (request_uuid,),
        )
        return [dict(r) for r in rows]

    def list_all(
        self,
        state: str | Sequence[str] | None = None,
        kind: str | None = None,
        subject: str | None = None,
        user: str | None = None,
        older_than: float | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[StoredRequest]:
        """Every user's requests, newest first; ``older_than`` is an age in seconds."""
        sql, args = "SELECT * FROM requests WHERE 1=1", []
        if state:
            states = [state] if isinstance(state, str) else list(state)
            sql += f" AND state IN ({','.join('?' * len(states))})"
            args += states
        for column, value in (("kind", kind), ("subject", subject), ("user", user)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        if older_than is not None:
            sql += " AND created_at <= ?"
            args.append(time.time() - older_than)
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        return cast("list[StoredRequest]", self._rows(sql, (*args, limit, offset)))

    def top_subjects(self, limit: int = 10) -> list[tuple[str, str, int, float]]:
        """(subject, kind, distinct users, oldest open age in seconds), most users first."""
        states = sorted(OPEN_STATES)
        rows = self._query(
            "SELECT subject, kind, COUNT(DISTINCT user) AS users, MIN(created_at) AS oldest "
            f"FROM requests WHERE subject IS NOT NULL AND state IN ({','.join('?' * len(states))})"
            " GROUP BY subject, kind ORDER BY users DESC, oldest ASC LIMIT ?",
            (*states, limit),
        )
        now = time.time()
        return [(r[0], r[1], int(r[2]), now - float(r[3])) for r in rows]


def open_store(path: str) -> Store:
    """The real store once it has the relay's methods, else this shim over today's SQLite."""
    if hasattr(Store, "list_all") and hasattr(Store, "top_subjects"):
        return Store(path)
    return RelayTestStore(path)


def install_on_store() -> None:
    """Give ``Store`` itself ``list_all`` and ``top_subjects`` (only if it lacks them), for a
    relay process started by a test (``python -m relay.itview_store relay --config=...``)."""
    for name in ("list_all", "top_subjects"):
        if not hasattr(Store, name):
            setattr(Store, name, getattr(RelayTestStore, name))


if __name__ == "__main__":  # run ``jupyter itbridge ARGS`` with the methods above installed
    import sys

    from jupyter_itbridge.cli import main

    install_on_store()
    main(sys.argv[1:])
