"""Profile the hub relay's forward in process: SQL statements, transactions and CPU per forward.

Why in process (next to ``relay_forwarding.py``, which measures the real relay over HTTP): a
profile of the relay process mixes tornado, HubAuth's cache and the outbox's timing; here one
forward is exactly what the relay's ``POST api/v1/requests`` handler does, in order, with
nothing else running: parse and check the body as ``RelayHandler.read_json`` does,
``RelayService.prepare`` (validation and redaction), ``RelayService.forward``, the answer's
JSON. The relay's outbox (the local backend, as in the benchmark) then delivers the new
requests and the "+1" comments, as the relay does between calls. The bodies are the
benchmark's own (``relay_forwarding.draft_body``): half unique, half one of 250 problems that
about 20 users share.

Statements are counted on the store's one execution path (``Database.execute``): every SQL
statement, ``BEGIN`` and ``COMMIT`` included, grouped by its first words.

Run: ``.venv/bin/python bench/relay_profile.py [--requests 2000] [--db sqlite,postgresql]
[--profile 25]`` (``--profile N``: cProfile's top N functions by own time, forward and
delivery together).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relay_forwarding import draft_body
from relay_pg import throwaway_postgres

from jupyter_itbridge.backends.local import LocalBackend
from jupyter_itbridge.relay.service import RelayService
from jupyter_itbridge.server.base import parse_json_body
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import Store

MAX_BODY = 262_144


class StatementCounter:
    """Counts what the store sends to the database, by the statement's first words."""

    def __init__(self, store: Store) -> None:
        self.counts: Counter[str] = Counter()
        db = store.db
        original = db.execute

        def counted(stmt: Any, params: Any = None) -> Any:
            self.counts[stmt if isinstance(stmt, str) else stmt.sql] += 1  # kinds: at the end
            return original(stmt, params)

        db.execute = counted  # type: ignore[method-assign]

    @staticmethod
    def kind(sql: str) -> str:
        words = sql.split()
        head = " ".join(words[:1]).upper()
        if head in ("INSERT", "DELETE") and len(words) > 2:
            return f"{head} {words[2].strip('(')}"
        if head == "UPDATE" and len(words) > 1:
            return f"UPDATE {words[1]}"
        if head == "SELECT":
            lowered = sql.lower()
            if "pg_advisory" in lowered:
                return "SELECT pg_advisory_xact_lock"
            found = re.search(r"\bfrom\s+\(?\s*(\w+)", lowered)
            suffix = " FOR UPDATE" if "for update" in lowered else ""
            return f"SELECT {found.group(1) if found else '(no table)'}{suffix}"
        return head

    def take(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for sql, count in self.counts.items():
            out[self.kind(sql)] += count
        self.counts = Counter()
        return out


STEPS = ("read_json", "prepare", "forward", "write_json", "delivery")


def forward_like_the_handler(
    relay: RelayService, user: str, raw: bytes, cpu: dict[str, int]
) -> bytes:
    """``RequestsHandler.post`` without HTTP: read_json, prepare, forward, write_json; each
    step's CPU (ns) added to ``cpu``."""
    clock = time.process_time_ns
    t0 = clock()
    body = parse_json_body(raw, MAX_BODY)
    json.dumps(body, ensure_ascii=False).encode("utf-8")  # read_json's surrogate check
    t1 = clock()
    prepared = RelayService.prepare(body)  # validation and redaction (in a thread there)
    t2 = clock()
    view, _created = relay.forward(user, prepared)
    t3 = clock()
    out = json.dumps(view, default=str).encode()
    t4 = clock()
    for step, ns in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=False):
        cpu[step] += ns
    return out


class Result:
    """One engine's run: forwards, CPU per step (ns), statements of forwards and delivery."""

    def __init__(self) -> None:
        self.n = 0
        self.cpu: dict[str, int] = dict.fromkeys(STEPS, 0)
        self.forward_sql: Counter[str] = Counter()
        self.delivery_sql: Counter[str] = Counter()
        self.counts: dict[str, int] = {}
        self.wall = 0.0  # seconds, forwards and delivery (PostgreSQL: round trips, commits)


async def run(store: Store, n: int, servers: int, batch: int, prof: cProfile.Profile | None):
    backend = LocalBackend()
    outbox = Outbox(store, backend, sync_interval=0)
    relay = RelayService(RequestService(store, backend, outbox))
    counter = StatementCounter(store)
    names = [f"user{i:03d}" for i in range(servers)]
    per_server = max(1, n // servers)
    work = [(s, json.dumps(draft_body(s, k)).encode()) for k in range(per_server) for s in names]
    res = Result()
    res.n = len(work)
    wall = time.perf_counter()
    if prof is not None:
        prof.enable()
    for start in range(0, len(work), batch):
        for user, raw in work[start : start + batch]:
            forward_like_the_handler(relay, user, raw, res.cpu)
        res.forward_sql += counter.take()
        t0 = time.process_time_ns()
        await outbox.drain()  # the relay's outbox delivers between calls
        res.cpu["delivery"] += time.process_time_ns() - t0
        res.delivery_sql += counter.take()
    if prof is not None:
        prof.disable()
    res.wall = time.perf_counter() - wall
    res.counts = store.counts()
    return res


def show(label: str, total: int, sql: Counter[str]) -> None:
    n = sum(sql.values())
    print(f"  {label}: {n / total:.2f} statements per forward")
    for kind, count in sql.most_common():
        print(f"    {count / total:6.2f}  {kind}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--batch", type=int, default=50, help="forwards between outbox rounds")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--profile", type=int, default=0, help="cProfile's top N (0: off)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        for engine in args.db.split(","):
            if engine == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'relay.sqlite3'}"
            else:
                url = stack.enter_context(throwaway_postgres())
            store = Store(url)
            prof = cProfile.Profile() if args.profile else None
            try:
                res = asyncio.run(run(store, args.requests, args.servers, args.batch, prof))
            finally:
                store.close()
            n = res.n
            print(f"== {engine}: {n} forwards from {args.servers} servers, "
                  f"{res.counts['sent']} sent, {res.counts['comments_pending']} comments "
                  f"pending")  # fmt: skip
            total = sum(res.cpu.values())
            steps = ", ".join(f"{k} {v / n / 1e6:.3f}" for k, v in res.cpu.items())
            print(f"  CPU per forward: {total / n / 1e6:.3f} ms ({steps}); "
                  f"wall {1000 * res.wall / n:.3f} ms")  # fmt: skip
            show("forward", n, res.forward_sql)
            show("delivery", n, res.delivery_sql)
            if prof is not None:
                text = io.StringIO()
                stats = pstats.Stats(prof, stream=text)
                stats.sort_stats("tottime").print_stats(args.profile)
                print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
