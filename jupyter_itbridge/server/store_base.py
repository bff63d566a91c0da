"""The store's plumbing: the lock, transactions, and cached statements over :class:`Database`.

Why a base class: the store's queries are split by subject (requests in ``store.py``, leases,
the relay's dedupe and IT's view, messages) into small mixins that all share this one
connection, this one lock and this one statement cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import sqlalchemy as sa

from ..contract import STATES
from .store_engine import PG_WRITE_LOCK, Database
from .store_fs import FsInfo
from .store_migrations import migrate, schema_version
from .store_schema import decode_row, encode_json

Build = Callable[[], sa.ClauseElement]


def consts(values: Iterable[str], allowed: Iterable[str] = STATES) -> list[sa.ColumnElement[Any]]:
    """Known names (states by default) as SQL literals: a fixed list compiles into the cached
    statement instead of one bind per item; anything not ``allowed`` is refused."""
    known = frozenset(allowed)
    out: list[sa.ColumnElement[Any]] = []
    for value in values:
        if value not in known:
            raise ValueError(f"unknown value {value!r}")
        out.append(sa.literal_column(f"'{value}'"))
    return out


class StoreBase:
    """One database, one lock; re-entrant transactions; statements compiled once."""

    db: Database

    def _open(self, target: str, checkpoint: float, fs_probe: Callable[[str], FsInfo]) -> None:
        self.db = Database(target, fs_probe=fs_probe, checkpoint=checkpoint)
        # SQLite: one connection, so one thread at a time. PostgreSQL: a connection per thread,
        # nothing to serialise here (the database does it).
        self._lock: AbstractContextManager[Any] = (
            nullcontext() if self.db.per_thread else threading.RLock()
        )
        self._tx = threading.local()  # depth: nesting of transaction(); exclusive: its kind
        #: The SQLite file, or the PostgreSQL URL with its password masked (for messages).
        self.path = self.db.target.display
        self.migrate()

    # -- facts --------------------------------------------------------------------------------

    @property
    def engine(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.db.engine_name

    @property
    def filesystem(self) -> FsInfo | None:
        """What the SQLite file is on (None for PostgreSQL and in-memory stores)."""
        return self.db.filesystem

    @property
    def journal_mode(self) -> str | None:
        """``wal`` on local disks, ``delete`` on network filesystems, None for PostgreSQL."""
        return self.db.journal_mode

    @property
    def schema_version(self) -> int:
        with self._lock:
            return schema_version(self.db)

    def migrate(self) -> None:
        """Apply pending migrations (see ``store_migrations.migrate``)."""
        with self._lock:
            migrate(self.db)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self, exclusive: bool = True) -> Iterator[Database]:
        """A write transaction under the lock (rollback on any error).

        Re-entrant: a transaction opened inside another one (same thread) joins it, so a
        caller can make several store calls one atomic step (the service's "replay, dedupe or
        insert"). Only the outermost one commits. ``exclusive`` (the default) also keeps other
        processes' exclusive transactions out (SQLite: always; PostgreSQL: an advisory lock),
        which "look, then insert" needs; single-row updates pass False and lock their row.
        """
        tx = self._tx
        with self._lock:
            if getattr(tx, "depth", 0):
                if exclusive and not tx.exclusive and self.engine == "postgresql":
                    self.db.run(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")
                    tx.exclusive = True
                tx.depth += 1
                try:
                    yield self.db
                finally:
                    tx.depth -= 1
                return
            self.db.begin(exclusive)
            tx.depth, tx.exclusive = 1, exclusive
            try:
                yield self.db
                self.db.commit()
            except BaseException:
                self.db.rollback()
                raise
            finally:
                tx.depth, tx.exclusive = 0, False

    # -- statements ---------------------------------------------------------------------------

    def _rows(
        self, key: Hashable, build: Build, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            rows = self.db.fetch(self.db.prepared(key, build), params)
        return [decode_row(r) for r in rows]

    def _one(
        self, key: Hashable, build: Build, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        rows = self._rows(key, build, params)
        return rows[0] if rows else None

    def _scalar(self, key: Hashable, build: Build, params: Mapping[str, Any] | None = None) -> Any:
        with self._lock:
            return self.db.scalar(self.db.prepared(key, build), params)

    def _run(self, key: Hashable, build: Build, params: Mapping[str, Any] | None = None) -> int:
        with self._lock:
            return self.db.run(self.db.prepared(key, build), params)

    def _insert(self, table: sa.Table, values: Mapping[str, Any]) -> dict[str, Any]:
        """INSERT one row (JSON columns encoded) and return it as stored."""
        cols = tuple(values)

        def build() -> sa.ClauseElement:
            binds: dict[str, Any] = {c: sa.bindparam(f"v_{c}") for c in cols}
            return sa.insert(table).values(binds).returning(*table.c)

        params = {f"v_{k}": v for k, v in encode_json(dict(values)).items()}
        row = self._one(("insert", table.name, cols), build, params)
        assert row is not None  # RETURNING of an INSERT always has the row
        return row

    def _update(
        self,
        table: sa.Table,
        key: str,
        value: Any,
        fields: Mapping[str, Any],
        *,
        where: Mapping[str, Any] | None = None,
    ) -> int:
        """UPDATE the row(s) ``key = value`` (and ``where`` columns equal); rows changed."""
        key_, build, params = self._update_parts(table, key, value, fields, where, False)
        return self._run(key_, build, params)

    def _update_row(
        self, table: sa.Table, key: str, value: Any, fields: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """UPDATE one row and return it as stored now (RETURNING), or None if it is absent."""
        key_, build, params = self._update_parts(table, key, value, fields, None, True)
        return self._one(key_, build, params)

    @staticmethod
    def _update_parts(
        table: sa.Table,
        key: str,
        value: Any,
        fields: Mapping[str, Any],
        where: Mapping[str, Any] | None,
        returning: bool,
    ) -> tuple[Hashable, Build, dict[str, Any]]:
        cols, conds = tuple(fields), tuple(where or ())

        def build() -> sa.ClauseElement:
            clauses = [table.c[key] == sa.bindparam("k_key")]
            clauses += [table.c[c] == sa.bindparam(f"w_{c}") for c in conds]
            values: dict[str, Any] = {c: sa.bindparam(f"v_{c}") for c in cols}
            stmt = sa.update(table).where(*clauses).values(values)
            return stmt.returning(*table.c) if returning else stmt

        params: dict[str, Any] = {f"v_{k}": v for k, v in encode_json(dict(fields)).items()}
        params["k_key"] = value
        params.update({f"w_{c}": v for c, v in (where or {}).items()})
        return ("update", table.name, key, cols, conds, returning), build, params
