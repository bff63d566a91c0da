"""TEMPORARY test shim: ``list_all`` and ``top_subjects``, the two relay store methods IT's view
reads that today's SQLite ``Store`` lacks, until the SQLAlchemy store (branch wt/storage)
provides them with these names (the relay's ``_store_compat`` adds the others: requesters,
``find_open_by_fingerprint``, ``meta``). Tests only: the package never imports this. Delete it,
and use ``Store``, once the real methods exist.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, cast

from jupyter_itbridge.contract import OPEN_STATES
from jupyter_itbridge.jsontypes import StoredRequest
from jupyter_itbridge.server.store import Store

try:  # the relay's own temporary additions (requesters table, meta), when they still exist
    from jupyter_itbridge.relay import _store_compat

    _store_compat.install()
except ImportError:
    pass


class RelayTestStore(Store):
    """``Store`` plus ``list_all`` and ``top_subjects`` (SQLite, tests only)."""

    def list_all(  # the signature and meaning of wt/storage's ``RelayQueries.list_all``
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
        for column, value in (("kind", kind), ("subject", subject)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        if user is not None:  # filed by the user, or the user is among its requesters
            sql += (
                " AND (user = ? OR EXISTS (SELECT 1 FROM requesters q"
                " WHERE q.request_uuid = requests.uuid AND q.user = ?))"
            )
            args += [user, user]
        if older_than is not None:
            sql += " AND created_at <= ?"
            args.append(time.time() - older_than)
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        return cast("list[StoredRequest]", self._rows(sql, (*args, limit, offset)))

    def top_subjects(self, limit: int = 10) -> list[dict[str, Any]]:
        """Open problems by subject, most distinct users (filers and requesters) first:
        ``{subject, kind, users, requests, oldest_open_at, oldest_open_age}``."""
        states = sorted(OPEN_STATES)
        marks = ",".join("?" * len(states))
        rows = self._query(
            "SELECT subject, kind, COUNT(DISTINCT who) AS users, COUNT(DISTINCT uuid) AS n, "
            "MIN(created_at) AS oldest FROM ("
            f" SELECT subject, kind, uuid, created_at, user AS who FROM requests"
            f"  WHERE subject IS NOT NULL AND state IN ({marks})"
            " UNION SELECT r.subject, r.kind, r.uuid, r.created_at, q.user FROM requests r"
            "  JOIN requesters q ON q.request_uuid = r.uuid"
            f"  WHERE r.subject IS NOT NULL AND r.state IN ({marks}))"
            " GROUP BY subject, kind ORDER BY users DESC, oldest, subject LIMIT ?",
            (*states, *states, limit),
        )
        now = time.time()
        keys = ("subject", "kind", "users", "requests", "oldest_open_at")
        return [
            {**dict(zip(keys, r, strict=True)), "oldest_open_age": now - float(r[4])} for r in rows
        ]


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
