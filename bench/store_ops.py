"""Benchmark the store's hot path: what filing and delivering one request costs in the store.

One cycle = what the server does per request: file it (one exclusive transaction: dedupe
lookup, insert with the next request number, history event), claim it for delivery, record
the delivery (transition to ``sent`` with history), and read it back. Four ways, same run:

1. baseline: the first release's exact statements on stdlib ``sqlite3`` (one connection);
2. the same statements as SQLAlchemy Core constructs run through ``Connection.execute``
   (the plain SQLAlchemy way; shows what its per-execution machinery costs);
3. the ``Store`` on SQLite (SQLAlchemy Core compiled once, run on the driver's cursor);
4. the ``Store`` on PostgreSQL 15 (a throwaway cluster on loopback), if installed;
then throughput of one thread against four threads sharing one ``Store`` on each engine
(PostgreSQL: a connection per thread, commits share the server's WAL flushes).

Run: ``.venv/bin/python bench/store_ops.py [--cycles 3000]``. Ratios are of this process's
CPU time per cycle against (1) (CPU time is what other jobs on a shared machine disturb
least; on PostgreSQL it leaves out the server's own work, which the wall-clock p50 shows).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from jupyter_itbridge.server.store import Store  # noqa: E402
from jupyter_itbridge.server.store_migrations import MIGRATIONS  # noqa: E402
from jupyter_itbridge.server.store_schema import request_events, requests  # noqa: E402

Cycle = Callable[[int], None]


def first_release(path: str) -> Cycle:
    """The first release's statements, verbatim in spirit: raw sqlite3, WAL, one connection."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    for pragma in ("busy_timeout = 10000", "journal_mode = WAL", "synchronous = NORMAL"):
        db.execute(f"PRAGMA {pragma}")
    Store(path).close()  # same schema (the columns the old code did not know stay NULL)
    draft, notices = json.dumps({"summary": "s"}), "[]"

    def cycle(i: int) -> None:
        u, now = str(uuidlib.uuid4()), time.time()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "SELECT * FROM requests WHERE user = ? AND fingerprint = ? AND state IN "
            "('acknowledged','failed','queued','sent') ORDER BY id LIMIT 1",
            ("alice", f"fp{i}"),
        ).fetchall()
        next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM requests").fetchone()[0]
        db.execute(
            "INSERT INTO requests (uuid, id, user, state, fingerprint, urgency, summary, body, "
            "draft, notices, backend, attempts, next_attempt_at, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                u,
                next_id,
                "alice",
                "queued",
                f"fp{i}",
                "normal",
                "s",
                "b",
                draft,
                notices,
                "local",
                0,
                now,
                now,
                now,
            ),
        )
        db.execute(
            "INSERT INTO request_events (request_uuid, at, from_state, to_state, note) "
            "VALUES (?,?,?,?,?)",
            (u, now, None, "queued", "filed"),
        )
        dict(db.execute("SELECT * FROM requests WHERE uuid = ?", (u,)).fetchone())
        db.execute("COMMIT")
        [
            dict(r)
            for r in db.execute(
                "SELECT * FROM requests WHERE state IN ('queued','failed') AND "
                "COALESCE(next_attempt_at, 0) <= ? ORDER BY next_attempt_at, id LIMIT 50",
                (time.time(),),
            ).fetchall()
        ]
        db.execute("BEGIN IMMEDIATE")
        db.execute("SELECT state FROM requests WHERE uuid = ?", (u,)).fetchone()
        db.execute(
            "UPDATE requests SET ticket_id = ?, attempts = ?, next_attempt_at = ?, "
            "state = ?, updated_at = ? WHERE uuid = ?",
            (f"T-{i}", 1, None, "sent", now, u),
        )
        db.execute(
            "INSERT INTO request_events (request_uuid, at, from_state, to_state, note) "
            "VALUES (?,?,?,?,?)",
            (u, now, "queued", "sent", "delivered"),
        )
        dict(db.execute("SELECT * FROM requests WHERE uuid = ?", (u,)).fetchone())
        db.execute("COMMIT")
        dict(db.execute("SELECT * FROM requests WHERE uuid = ?", (u,)).fetchone())

    return cycle


def plain_sqlalchemy(path: str) -> Cycle:
    """The same work as Core constructs through ``Connection.execute`` (AUTOCOMMIT driver,
    explicit BEGIN IMMEDIATE/COMMIT as the store does)."""
    Store(path).close()
    engine = sa.create_engine(f"sqlite:///{path}", isolation_level="AUTOCOMMIT")
    conn = engine.connect()
    for pragma in ("busy_timeout = 10000", "journal_mode = WAL", "synchronous = NORMAL"):
        conn.exec_driver_sql(f"PRAGMA {pragma}")
    r, bp = requests.c, sa.bindparam
    open_states = [
        sa.literal_column(f"'{s}'") for s in ("acknowledged", "failed", "queued", "sent")
    ]
    find = (
        sa.select(requests)
        .where(r.user == bp("user"), r.fingerprint == bp("fp"), r.state.in_(open_states))
        .order_by(r.id)
        .limit(1)
    )
    cols = (
        "uuid",
        "user",
        "state",
        "fingerprint",
        "urgency",
        "summary",
        "body",
        "draft",
        "notices",
        "backend",
        "attempts",
        "next_attempt_at",
        "created_at",
        "updated_at",
    )
    values = {c: bp(f"v_{c}") for c in cols}
    values["id"] = sa.select(sa.func.coalesce(sa.func.max(r.id), 0) + 1).scalar_subquery()
    insert = sa.insert(requests).values(values).returning(*requests.c)
    event = sa.insert(request_events)
    due = sa.select(requests).where(
        r.state.in_(open_states[1:3]), sa.func.coalesce(r.next_attempt_at, 0) <= bp("now")
    )
    due = due.order_by(r.next_attempt_at, r.id).limit(50)
    state = sa.select(r.state).where(r.uuid == bp("u"))
    update = (
        sa.update(requests)
        .where(r.uuid == bp("u"))
        .values(ticket_id=bp("t"), attempts=1, state="sent", updated_at=bp("now"))
        .returning(*requests.c)
    )
    get = sa.select(requests).where(r.uuid == bp("u"))

    def cycle(i: int) -> None:
        u, now = str(uuidlib.uuid4()), time.time()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.execute(find, {"user": "alice", "fp": f"fp{i}"}).mappings().all()
        params = {
            "v_uuid": u,
            "v_user": "alice",
            "v_state": "queued",
            "v_fingerprint": f"fp{i}",
            "v_urgency": "normal",
            "v_summary": "s",
            "v_body": "b",
            "v_draft": '{"summary": "s"}',
            "v_notices": "[]",
            "v_backend": "local",
            "v_attempts": 0,
            "v_next_attempt_at": now,
            "v_created_at": now,
            "v_updated_at": now,
        }
        dict(conn.execute(insert, params).mappings().one())
        conn.execute(event, {"request_uuid": u, "at": now, "to_state": "queued", "note": "f"})
        conn.exec_driver_sql("COMMIT")
        conn.execute(due, {"now": time.time()}).mappings().all()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.execute(state, {"u": u}).one()
        dict(conn.execute(update, {"u": u, "t": f"T-{i}", "now": now}).mappings().one())
        conn.execute(
            event,
            {"request_uuid": u, "at": now, "from_state": "queued", "to_state": "sent", "note": "d"},
        )
        conn.exec_driver_sql("COMMIT")
        dict(conn.execute(get, {"u": u}).mappings().one())

    return cycle


def store_cycle(target: str) -> Cycle:
    store = Store(target)

    def cycle(i: int) -> None:
        with store.transaction():
            store.find_open("alice", f"fp{i}")
            row = store.insert_request(
                user="alice",
                summary="s",
                body="b",
                draft={"summary": "s"},
                backend="local",
                fingerprint=f"fp{i}",
            )
        store.claim_due_requests("bench", 60, limit=50)
        store.transition(
            row["uuid"],
            "sent",
            note="delivered",
            expect={"queued", "failed"},
            ticket_id=f"T-{i}",
            attempts=1,
            next_attempt_at=None,
            lease_owner=None,
            lease_expires_at=None,
        )
        store.get_request(row["uuid"])

    return cycle


def throughput(name: str, target: str, n: int, threads: int) -> float:
    """Cycles per second with ``threads`` threads sharing one Store."""
    store_cycle(target)(-1)  # migrate and warm up before timing
    cycle = store_cycle(target)
    per = n // threads
    t0 = time.perf_counter()
    pool = [
        threading.Thread(target=lambda k=k: [cycle(k * per + i) for i in range(per)])
        for k in range(threads)
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    rate = per * threads / (time.perf_counter() - t0)
    print(f"{name:<44} {rate:7.0f} cycles/s")
    return rate


def measure(name: str, cycle: Cycle, n: int, base: float | None) -> float:
    for i in range(200):  # warm-up: statement caches, first pages
        cycle(-1 - i)
    samples = []
    cpu0 = time.process_time()
    for i in range(n):
        t0 = time.perf_counter()
        cycle(i)
        samples.append((time.perf_counter() - t0) * 1e6)
    cpu = (time.process_time() - cpu0) / n * 1e6  # this process's CPU: robust to other load
    p50 = statistics.median(samples)
    p99 = sorted(samples)[int(0.99 * len(samples))]
    ratio = f"  CPU x{cpu / base:.2f}" if base else ""
    print(f"{name:<44} CPU {cpu:6.0f} us  wall p50 {p50:6.0f} us  p99 {p99:7.0f} us{ratio}")
    return cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    args = parser.parse_args()
    assert len(MIGRATIONS) >= 2
    cluster = None
    try:
        from storage.pgcluster import PgCluster, _bin_dir  # type: ignore[import-not-found]

        cluster = PgCluster() if _bin_dir() else None
    except Exception as err:  # no PostgreSQL here: the SQLite figures still stand
        print(f"(PostgreSQL skipped: {err})")
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            print(f"-- round {rnd + 1} (one cycle = file + claim + deliver + read back)")
            base = measure(
                "1. first release (sqlite3, raw SQL)",
                first_release(f"{tmp}/a{rnd}.db"),
                args.cycles,
                None,
            )
            measure(
                "2. SQLAlchemy Core, Connection.execute",
                plain_sqlalchemy(f"{tmp}/b{rnd}.db"),
                args.cycles,
                base,
            )
            measure(
                "3. Store on SQLite (compiled, driver cursor)",
                store_cycle(f"{tmp}/c{rnd}.db"),
                args.cycles,
                base,
            )
            if cluster is not None:
                measure(
                    "4. Store on PostgreSQL 15 (loopback)",
                    store_cycle(cluster.database()),
                    args.cycles,
                    base,
                )
        print("-- throughput, one Store shared by threads")
        for engine, target in (("SQLite", f"{tmp}/t.db"), ("PostgreSQL", None)):
            if target is None:
                if cluster is None:
                    continue
                target = cluster.database()
            one = throughput(f"{engine}, 1 thread", target, args.cycles, 1)
            four = throughput(f"{engine}, 4 threads", target, args.cycles, 4)
            print(f"{'':<44} x{four / one:.2f} with 4 threads")
    if cluster is not None:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
