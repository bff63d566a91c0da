"""The store's database connection: SQLite or PostgreSQL through SQLAlchemy, one connection.

Why one SQLite connection, guarded by the store's lock: every statement is short, SQLite has
one writer at a time anyway, and nearly all calls come from the server's event loop (the
outbox runs only backend calls in threads). On PostgreSQL each thread gets its own connection
instead: a commit there waits for the server's WAL flush (about 2 ms here), and commits from
several threads share one flush, so a relay that files from a thread pool is not limited to
one commit at a time. Why statements are compiled once and run on the driver's
cursor: on this hot path SQLAlchemy's per-execution machinery cost 3-4x the statement itself
(measured: ``bench/store_ops.py``), while its compiler, dialects, URLs and DDL are exactly what
two engines need. Transactions are explicit (the driver is in autocommit mode): reads never
hold a snapshot, and a write transaction is ``BEGIN IMMEDIATE`` on SQLite and ``BEGIN`` plus
a transaction-scoped advisory lock on PostgreSQL, so "check, then insert" is atomic on both.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from .store_fs import FsInfo, detect

log = logging.getLogger("jupyter_itbridge.store")

#: ``pg_advisory_xact_lock`` key of write transactions ("itbr" in ASCII), and of migrations.
PG_WRITE_LOCK, PG_MIGRATE_LOCK = 0x69746272, 0x6974626D
#: Milliseconds a writer waits for another (SQLite ``busy_timeout``; PostgreSQL waits anyway).
BUSY_TIMEOUT_MS = 10_000
#: On a network filesystem the lock round trips are slower: wait longer before giving up.
NETWORK_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Target:
    """Where the store lives: a SQLAlchemy URL, its engine name and (SQLite) its file."""

    url: sa.URL
    engine: str  # "sqlite" or "postgresql"
    path: str | None  # the SQLite file; None for PostgreSQL and ":memory:"
    display: str  # for messages: the file, or the URL with its password masked


def resolve(target: str) -> Target:
    """A file path, ``sqlite:///path`` or ``postgresql[+psycopg]://...`` -> :class:`Target`."""
    if "://" not in target:
        if target == ":memory:":
            return Target(sa.make_url("sqlite://"), "sqlite", None, ":memory:")
        path = os.path.abspath(os.path.expanduser(target))
        return Target(sa.make_url("sqlite://").set(database=path), "sqlite", path, path)
    url = sa.make_url(target)
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            return Target(url.set(drivername="sqlite"), "sqlite", None, ":memory:")
        path = os.path.abspath(database)
        return Target(url.set(drivername="sqlite", database=path), "sqlite", path, path)
    if backend == "postgresql":
        # psycopg 3 whatever the URL says: plain ``postgresql://`` means psycopg2 to SQLAlchemy.
        url = url.set(drivername="postgresql+psycopg")
        return Target(url, "postgresql", None, url.render_as_string(hide_password=True))
    raise ValueError(
        f"unsupported store URL {target!r}: use a file path, sqlite:/// or postgresql://"
    )


class Prepared:
    """A statement compiled once for one dialect: its SQL and how to order its parameters."""

    __slots__ = ("fixed", "names", "order", "required", "sql")

    def __init__(self, sql: str, order: tuple[str, ...] | None, defaults: Mapping[str, Any]):
        self.sql = sql
        self.order = order  # positional drivers (sqlite3): bind names in order
        #: Its result's column names, learnt from the first result (psycopg builds a
        #: ``Column`` per column on every ``cursor.description``: 34 for a request row).
        self.names: tuple[str, ...] | None = None
        #: binds with a value baked into the statement, and the ones each call must give
        self.fixed = {k: v for k, v in defaults.items() if not isinstance(v, sa.util.symbol)}
        self.required = frozenset(k for k in defaults if k not in self.fixed)

    def args(self, params: Mapping[str, Any] | None) -> tuple[Any, ...] | dict[str, Any]:
        given = params or {}
        try:
            if self.order is None:
                return {**self.fixed, **given} if self.fixed else dict(given)
            fixed = self.fixed
            return tuple(given[n] if n in given else fixed[n] for n in self.order)
        except KeyError:
            pass
        missing = sorted(self.required - set(given))
        raise TypeError(f"missing bind parameters {missing} for: {self.sql[:80]}")


class _Link:
    """One open connection: SQLAlchemy's pool record and the driver's connection in it."""

    def __init__(self, raw: Any, dbapi: Any) -> None:
        self.raw, self.dbapi = raw, dbapi

    def lost(self) -> bool:
        return bool(getattr(self.dbapi, "closed", False) or getattr(self.dbapi, "broken", False))

    def close(self) -> None:
        try:
            self.raw.close()
        except Exception:  # already gone
            log.debug("jupyter-itbridge: closing a store connection failed", exc_info=True)


class Database:
    """The store's connection(s); the caller (the store) serialises access on SQLite."""

    def __init__(
        self, target: str, *, fs_probe: Callable[[str], FsInfo] = detect, checkpoint: float = 0
    ) -> None:
        self.target = resolve(target)
        self.engine_name = self.target.engine
        self.filesystem: FsInfo | None = None
        self.journal_mode: str | None = None
        self.busy_timeout_ms = BUSY_TIMEOUT_MS
        if self.target.path is not None:
            os.makedirs(os.path.dirname(self.target.path), exist_ok=True)
            self.filesystem = fs_probe(self.target.path)
            self.journal_mode = "delete" if self.filesystem.network else "wal"
            if self.filesystem.network:
                self.busy_timeout_ms = NETWORK_BUSY_TIMEOUT_MS
                log.warning(
                    "jupyter-itbridge: the request store %s is on %s; SQLite's WAL is unsafe "
                    "there, so it uses a rollback journal (slower, one writer at a time). "
                    "Put c.ITBridge.store_path on a local disk for speed.",
                    self.target.path,
                    self.filesystem.describe(),
                )
        # The store's lock serialises every use of the connection, across threads too.
        connect_args = {"check_same_thread": False} if self.engine_name == "sqlite" else {}
        self.engine = sa.create_engine(
            self.target.url, poolclass=NullPool, connect_args=connect_args
        )
        self.dialect = self.engine.dialect
        self._cache: dict[Hashable, Prepared] = {}
        #: One connection per thread on PostgreSQL; one shared connection on SQLite.
        self.per_thread = self.engine_name == "postgresql"
        self._local = threading.local()
        self._shared: _Link | None = None
        self._links: list[_Link] = []
        self._links_lock = threading.Lock()
        self._link()  # connect now: a bad URL or an unreachable server fails here
        self._stop = threading.Event()
        if checkpoint > 0 and self.journal_mode == "wal":
            threading.Thread(
                target=self._checkpoint_loop,
                args=(checkpoint,),
                name="itbridge-store-checkpoint",
                daemon=True,
            ).start()

    # -- connections --------------------------------------------------------------------------

    def _open(self) -> tuple[Any, Any]:
        raw = self.engine.raw_connection()
        dbapi: Any = raw.dbapi_connection
        if self.engine_name == "sqlite":
            dbapi.isolation_level = None  # no implicit BEGIN: transactions are ours
            cur = dbapi.cursor()
            cur.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
            cur.execute("PRAGMA foreign_keys = ON")
            if self.journal_mode == "wal":
                cur.execute("PRAGMA journal_mode = WAL")
                # NORMAL in WAL mode: a committed transaction survives a process crash (SIGKILL);
                # only an OS crash or power loss may drop the last commits.
                cur.execute("PRAGMA synchronous = NORMAL")
                # Checkpoints copy the WAL into the database and fsync. SQLite's automatic ones
                # run on the connection the event loop uses, every ~1000 pages: under load each
                # stalled requests ~100 ms (saturated p99 131-146 ms). A background thread with
                # its own connection checkpoints instead (p99 43 ms).
                cur.execute("PRAGMA wal_autocheckpoint = 0")
            elif self.journal_mode == "delete":
                cur.execute("PRAGMA journal_mode = DELETE")
                cur.execute("PRAGMA synchronous = FULL")
            cur.close()
        else:
            dbapi.rollback()  # SQLAlchemy's first-connect checks may have left a transaction
            dbapi.autocommit = True
        return raw, dbapi

    def _link(self) -> _Link:
        """This thread's connection (PostgreSQL) or the shared one (SQLite), opened on demand
        and opened again after it was lost (PostgreSQL restarted, network cut)."""
        if not self.per_thread:
            shared = self._shared  # SQLite: a file connection is never "lost"
            if shared is not None:
                return shared
        link = getattr(self._local, "link", None) if self.per_thread else None
        if link is None or link.lost():
            if link is not None:
                self._drop(link)
            link = _Link(*self._open())
            with self._links_lock:
                self._links.append(link)
            if self.per_thread:
                self._local.link = link
            else:
                self._shared = link
        return link

    def _drop(self, link: _Link) -> None:
        with self._links_lock:
            if link in self._links:
                self._links.remove(link)
        if self.per_thread and getattr(self._local, "link", None) is link:
            self._local.link = None
        elif self._shared is link:
            self._shared = None
        link.close()

    def close(self) -> None:
        self._stop.set()
        with self._links_lock:
            links, self._links = self._links, []
        for link in links:
            link.close()
        self._shared = None
        self._local = threading.local()
        self.engine.dispose()

    def _checkpoint_loop(self, interval: float) -> None:
        """Keep the WAL short without ever touching the event loop's connection (a thread)."""
        raw = self.engine.raw_connection()
        try:
            dbapi: Any = raw.dbapi_connection
            dbapi.isolation_level = None
            dbapi.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
            while not self._stop.wait(interval):
                try:
                    dbapi.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except Exception:  # busy or closing: the next round tries again
                    continue
        finally:
            raw.close()

    # -- statements ---------------------------------------------------------------------------

    def compile(self, stmt: sa.ClauseElement) -> Prepared:
        compiled: Any = stmt.compile(dialect=self.dialect)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        return Prepared(compiled.string, order, dict(compiled.params))

    def prepared(self, key: Hashable, build: Callable[[], sa.ClauseElement]) -> Prepared:
        """The statement ``build()`` makes, compiled once per key (the hot path's cache)."""
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.compile(build())
        return found

    def execute(self, stmt: Prepared | str, params: Mapping[str, Any] | None = None) -> Any:
        """Run one statement on this thread's connection; returns the driver's cursor."""
        link = self._link()
        cur = link.dbapi.cursor()
        try:
            if isinstance(stmt, str) and self.per_thread:  # fixed text: never prepared
                cur.execute(stmt, prepare=False)  # (psycopg: one query may hold several)
            elif isinstance(stmt, str):
                cur.execute(stmt)
            else:
                cur.execute(stmt.sql, stmt.args(params))
        except Exception:
            cur.close()
            if link.lost():
                self._drop(link)  # reconnect on the next call
            raise
        return cur

    def fetch(self, stmt: Prepared | str, params: Mapping[str, Any] | None = None) -> list[dict]:
        """Rows as dicts (column name -> value)."""
        cur = self.execute(stmt, params)
        try:
            names = stmt.names if isinstance(stmt, Prepared) else None
            if names is None:
                if cur.description is None:
                    return []
                names = tuple(d[0] for d in cur.description)
                if isinstance(stmt, Prepared):
                    stmt.names = names
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        finally:
            cur.close()

    def scalar(self, stmt: Prepared | str, params: Mapping[str, Any] | None = None) -> Any:
        cur = self.execute(stmt, params)
        try:
            row = cur.fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    def run(self, stmt: Prepared | str, params: Mapping[str, Any] | None = None) -> int:
        """A statement without rows; returns the number of rows it changed."""
        cur = self.execute(stmt, params)
        try:
            return int(cur.rowcount)
        finally:
            cur.close()

    # -- transactions -------------------------------------------------------------------------

    def begin(self, exclusive: bool = True) -> None:
        """Open a write transaction (exclusive: one writer at a time, across processes)."""
        if self.engine_name == "sqlite":
            self.run("BEGIN IMMEDIATE")
            return
        # One round trip: both in one simple-protocol query (``execute`` never prepares text).
        self.run(f"BEGIN; SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})" if exclusive else "BEGIN")

    def commit(self) -> None:
        self.run("COMMIT")

    def rollback(self) -> None:
        link = getattr(self._local, "link", None) if self.per_thread else self._shared
        if link is None or link.lost():
            if link is not None:
                self._drop(link)  # the transaction died with the connection
            return
        try:
            self.run("ROLLBACK")
        except Exception:  # nothing to roll back (the error ended it), or the link is gone
            log.debug("jupyter-itbridge: rollback failed", exc_info=True)
