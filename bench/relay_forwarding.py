"""Benchmark the hub relay: simulated single-user servers forwarding requests to one relay.

A real ``jupyter itbridge relay`` process (its tornado app, ``HubOAuth``, RelayService, outbox
with the local backend, store) and a loopback stand-in of the Hub's ``GET /hub/api/user``
(``tests/relay/hub_standin.py``: token -> user, as the Hub answers it). Each simulated server
has its own hub token and keep-alive connection, like a single-user server's ``hub`` backend.

``HubAuth`` caches token lookups (``cache_max_age``, 300 s in the relay), so every phase is
measured after a warm-up in which each token was looked up once; the stand-in counts its calls
and the report says how many happened during the measured phases (expected: 0).

1. Baseline: authenticated ``GET api/v1/health`` from every server (saturated, closed loop),
   before and after the forwarding phase (the relay's health counts the store's rows, so the
   one after runs on a full store).
2. ``POST api/v1/requests``: N forwards (default 10,000 from 200 servers), saturated; half of
   them the same problem as other users' (250 shared subjects: cross-user dedupe, "+1"
   comments), half unique; then 2% re-forwarded with the same UUID (a server's retry).
3. The same number paced at ``--rate`` (default 500/s, the target), latency counted from each
   call's scheduled time (no coordinated omission), next to ``GET health`` at the same rate.
4. Proof from the store (after the outbox drained): every UUID once (lost 0, duplicated 0),
   retries answered with the first record, one ticket-carrying request per shared subject,
   every requester listed, one "+1" comment per joining request.

SQLite (the default ``db_url``) always; PostgreSQL once the SQLAlchemy store (branch
wt/storage) is installed (a throwaway cluster on loopback), else skipped with a message.

Run: ``.venv/bin/python bench/relay_forwarding.py [--servers 200] [--requests 10000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid as uuidlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from loopback import free_port  # noqa: E402
from relay.hub_standin import SERVICE_ACCESS, user_model  # noqa: E402
from relay_pg import postgres_store_available, throwaway_postgres  # noqa: E402
from server_requests import RawClient, pct  # noqa: E402

PREFIX = "/services/itbridge/"
SHARED_SUBJECTS = 250


def get_json(url: str, token: str | None = None, timeout: float = 30) -> Any:
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"token {token}")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


class Processes:
    """The Hub stand-in and the relay, each its own process on 127.0.0.1."""

    def __init__(self, root: Path, db_url: str, servers: int) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.hub_port, self.port = free_port(), free_port()
        self.tokens = {f"user{n:03d}": uuidlib.uuid4().hex for n in range(servers)}
        self.admin_token = uuidlib.uuid4().hex
        models = {t: user_model(u, scopes=[SERVICE_ACCESS]) for u, t in self.tokens.items()}
        models[self.admin_token] = user_model("it-admin", admin=True, scopes=[SERVICE_ACCESS])
        (root / "tokens.json").write_text(json.dumps(models))
        (root / "relay_config.py").write_text(
            f"c.ITBridgeRelay.db_url = {db_url!r}\n"
            "c.ITBridgeRelay.backend = 'local'\n"
            "c.ITBridge.sync_interval = 3600.0\n"
            "c.Application.log_level = 'WARN'\n"
        )
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
        hub_cmd = [sys.executable, "-m", "relay.hub_standin", f"--port={self.hub_port}",
                   f"--tokens={self.root / 'tokens.json'}"]  # fmt: skip
        self._spawn(hub_cmd, env, "hub.log")
        relay_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "ITBRIDGE_"))},
            "JUPYTERHUB_SERVICE_NAME": "itbridge",
            "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{self.port}",
            "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
            "JUPYTERHUB_API_URL": f"http://127.0.0.1:{self.hub_port}/hub/api",
            "JUPYTERHUB_API_TOKEN": uuidlib.uuid4().hex,
            "JUPYTERHUB_CLIENT_ID": "service-itbridge",
            "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{PREFIX}oauth_callback",
            "JUPYTER_CONFIG_DIR": str(self.root / "relay-config"),
            "JUPYTER_DATA_DIR": str(self.root / "relay-data"),
        }
        relay_cmd = [sys.executable, "-m", "jupyter_itbridge.cli", "relay",
                     f"--config={self.root / 'relay_config.py'}"]  # fmt: skip
        self._spawn(relay_cmd, relay_env, "relay.log")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get_json(self.base + "api/v1/health", self.admin_token, timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("relay did not start:\n" + self.log("relay.log"))

    def _spawn(self, cmd: list[str], env: dict[str, str], log: str) -> None:
        with open(self.root / log, "ab") as out:
            self.procs.append(subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT))

    def log(self, name: str) -> str:
        return (self.root / name).read_text(errors="replace")[-3000:]

    def relay_cpu(self) -> float:
        """CPU seconds the relay process used so far (user + system, all its threads)."""
        import psutil

        times = psutil.Process(self.procs[1].pid).cpu_times()
        return float(times.user + times.system)

    def hub_calls(self) -> int:
        return int(get_json(f"http://127.0.0.1:{self.hub_port}/_standin/calls")["calls"])

    def health(self) -> dict[str, Any]:
        data: dict[str, Any] = get_json(self.base + "api/v1/health", self.admin_token)
        return data

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def draft_body(server: str, k: int) -> dict[str, Any]:
    """A server's ``k``-th forward. Odd ``k``: one of SHARED_SUBJECTS problems that many
    users have (about 20 users each per 10,000 forwards, never the same user twice, like 30
    users hitting the same DPI-1047); even ``k``: a problem of this user alone."""
    number = int(server.removeprefix("user"))
    shared = (number + 37 * k) % SHARED_SUBJECTS  # 37 is prime to 250: no repeat per server
    subject = f"bench-shared-{shared}" if k % 2 else f"bench-{server}-{k}"
    return {
        "uuid": str(uuidlib.uuid4()),
        "draft": {
            "summary": f"{subject} is not installed",
            "description": "ModuleNotFoundError; pyodbc.connect('DRIVER={ODBC 18};PWD=s3cret')",
            "justification": f"benchmark {server} {k}",
            "kind": "missing_package",
            "subject": subject,
            "environment": {"python": "3.11", "kernel": "python3", "API_TOKEN": "t0ken"},
        },
    }


async def hammer(
    clients: dict[str, RawClient], work: list[tuple[str, str, str, Any]], rate: float | None
) -> tuple[list[float], float, list[tuple[int, dict[str, Any]]]]:
    """Run ``work`` = [(server, method, path, body)]: each server sends its own calls in order.

    Closed loop (``rate`` None: saturation) or open loop at ``rate`` calls/s with latency from
    the scheduled time. Returns latencies (ms), wall time (s) and (status, JSON) of POSTs.
    """
    per_server: dict[str, list[tuple[int, str, str, Any]]] = {name: [] for name in clients}
    for i, (server, method, path, body) in enumerate(work):
        per_server[server].append((i, method, path, body))
    latencies: list[float] = []
    answers: list[tuple[int, dict[str, Any]]] = []
    t0 = time.perf_counter()

    async def run(name: str) -> None:
        conn = clients[name]
        for i, method, path, body in per_server[name]:
            start = time.perf_counter()
            if rate is not None:
                start = t0 + i / rate
                if (delay := start - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
            status, data = await conn.call(method, PREFIX + path, body)
            latencies.append((time.perf_counter() - start) * 1000)
            if status not in (200, 201):
                raise RuntimeError(f"{method} {path}: HTTP {status} {data[:300]!r}")
            if method == "POST":
                answers.append((status, json.loads(data)))

    await asyncio.gather(*(run(name) for name in clients))
    return latencies, time.perf_counter() - t0, answers


def report(name: str, lat: list[float], wall: float, cpu: float) -> dict[str, float]:
    """One line per phase; ``cpu``: the relay process's CPU seconds for the phase."""
    stats = {
        "rps": len(lat) / wall,
        "p50": statistics.median(lat),
        "p99": pct(lat, 0.99),
        "cpu_ms": 1000 * cpu / len(lat),
    }
    print(
        f"  {name:<34} {len(lat):>6} calls {stats['rps']:6.0f} req/s  p50 {stats['p50']:7.1f} ms"
        f"  p99 {stats['p99']:7.1f} ms  relay CPU {stats['cpu_ms']:.2f} ms/call"
    )
    return stats


def ratio(name: str, stats: dict[str, float], base: dict[str, float]) -> float:
    p99 = stats["p99"] / base["p99"]
    print(
        f"  {name:<34} p99 x{p99:.2f}, throughput x{stats['rps'] / base['rps']:.2f}, "
        f"CPU per call x{stats['cpu_ms'] / base['cpu_ms']:.2f}"
    )
    return p99


async def drained(procs: Processes, timeout: float = 300) -> None:
    """Wait until the relay's outbox delivered everything (requests and "+1" comments), so
    the next phase measures the API alone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = await asyncio.to_thread(procs.health)
        if not health["outbox_depth"] and not health.get("comments_pending"):
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("the relay's outbox did not drain")


class Bench:
    """The simulated servers' connections, and one measured phase at a time."""

    def __init__(self, procs: Processes) -> None:
        self.procs = procs
        self.clients = {u: RawClient(procs.port, t) for u, t in procs.tokens.items()}
        self.servers = list(self.clients)

    def health_calls(self, count: int) -> list[tuple[str, str, str, Any]]:
        return [(self.servers[i % len(self.servers)], "GET", "api/v1/health", None)
                for i in range(count)]  # fmt: skip

    @staticmethod
    def forwards(bodies: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str, str, Any]]:
        return [(s, "POST", "api/v1/requests", b) for s, b in bodies]

    async def phase(
        self, name: str, work: list[tuple[str, str, str, Any]], rate: float | None = None
    ) -> tuple[dict[str, float], list[tuple[int, dict[str, Any]]]]:
        """Run ``work``; for forwards, the relay's CPU includes delivering them (outbox)."""
        cpu0 = self.procs.relay_cpu()
        lat, wall, answers = await hammer(self.clients, work, rate)
        if answers:
            await drained(self.procs)
        return report(name, lat, wall, self.procs.relay_cpu() - cpu0), answers


async def measure(procs: Processes, n: int, rate: float) -> tuple[bool, dict[str, Any]]:
    """Phases 1-3 on a running relay; returns (ok so far, what the check needs)."""
    bench = Bench(procs)
    await asyncio.gather(*(c.connect() for c in bench.clients.values()))
    await hammer(bench.clients, bench.health_calls(2 * len(bench.servers)), None)  # warm-up
    calls_before = procs.hub_calls()
    per_server = max(1, n // len(bench.servers))
    bodies = [(s, draft_body(s, k)) for k in range(per_server) for s in bench.servers]
    paced_bodies = [
        (s, draft_body(s, per_server + k)) for k in range(per_server) for s in bench.servers
    ]

    base, _ = await bench.phase("GET health (saturated)", bench.health_calls(n))
    fwd, answers = await bench.phase("POST requests (saturated)", bench.forwards(bodies))
    retried = bodies[::50]  # 2%: the server did not see the answer and forwards again
    _lat, _wall, replays = await hammer(bench.clients, bench.forwards(retried), None)
    after, _ = await bench.phase("GET health (saturated, full store)", bench.health_calls(n))
    ratios = [
        ratio("forward / health before", fwd, base),
        ratio("forward / health after", fwd, after),
    ]
    await drained(procs)
    paced_health, _ = await bench.phase(f"GET health @ {rate:.0f}/s", bench.health_calls(n), rate)
    paced, answers2 = await bench.phase(
        f"POST requests @ {rate:.0f}/s", bench.forwards(paced_bodies), rate
    )
    paced_ratio = ratio(f"forward / health @ {rate:.0f}/s", paced, paced_health)
    capacity = 1000 / fwd["cpu_ms"]
    print(
        f"  {'capacity of one relay core':<34} {capacity:.0f} forwards/s "
        f"(relay CPU {fwd['cpu_ms']:.2f} ms per forward, delivery included)"
    )
    lookups = procs.hub_calls() - calls_before
    warmed = 2 * len(bench.servers)
    print(f"  {'Hub token lookups while measured':<34} {lookups} (cache warmed: {warmed} calls)")
    await asyncio.gather(*(c.close() for c in bench.clients.values()))

    created = sum(1 for status, _ in answers + answers2 if status == 201)
    first_ids = {a["uuid"]: a["id"] for _, a in answers}
    same = len(replays) == len(retried) and all(
        status == 200 and first_ids.get(a["uuid"]) == a["id"] for status, a in replays
    )
    print(f"  {'retried forwards (same uuid)':<34} {len(replays)}, all 200 + first record: {same}")
    verdicts = {
        f"saturated >= 500 req/s ({fwd['rps']:.0f}; one free core: {capacity:.0f})": (
            fwd["rps"] >= 500
        ),
        f"saturated p99 <= 2x health ({max(ratios):.2f}x vs the stricter)": max(ratios) <= 2,
        f"paced p99 <= 2x health ({paced_ratio:.2f}x)": paced_ratio <= 2,
    }
    for text, met in verdicts.items():
        print(f"  target {text}: {'met' if met else 'NOT met'}")
    sent = bodies + paced_bodies
    return created == len(sent) and same and lookups == 0, {"sent": sent}


def open_relay_store(db_url: str) -> Any:
    """The store as the relay opens it: ``Store(db_url)``."""
    from jupyter_itbridge.server.store import Store

    return Store(db_url)


def check_store(db_url: str, sent: list[tuple[str, dict[str, Any]]]) -> bool:
    """Phase 4, from the store after the relay stopped: lost 0, duplicated 0, dedupe exact."""
    store = open_relay_store(db_url)
    try:
        rows = store.list_requests(None, limit=10 * len(sent) + 10)
        stored = [r["uuid"] for r in rows]
        expected = {b["uuid"] for _, b in sent}
        lost, duplicated = len(expected - set(stored)), len(stored) - len(set(stored))
        extra = len(set(stored) - expected)
        by_subject: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_subject.setdefault(str(row["subject"]), []).append(row)
        carriers = {
            s: [r for r in rs if not (r.get("meta") or {}).get("duplicate_of")]
            for s, rs in by_subject.items()
        }
        shared = {s: rs for s, rs in carriers.items() if s.startswith("bench-shared-")}
        one_ticket = all(len(rs) == 1 for rs in carriers.values())
        users_ok = all(
            {q["user"] for q in store.requesters(rs[0]["uuid"])}
            == {r["user"] for r in by_subject[s]}
            for s, rs in shared.items()
        )
        joined = sum(len(by_subject[s]) - 1 for s in shared)
        plus_ones = sum(
            1
            for rs in shared.values()
            for c in store.comments(rs[0]["uuid"])
            if c["kind"] == "plus_one"
        )
        states = sorted({r["state"] for r in rows})
        leaked = any("s3cret" in r["body"] or "t0ken" in r["body"] for r in rows)
    finally:
        store.close()
    print(
        f"  check: stored {len(stored)}/{len(expected)}, lost {lost}, duplicated {duplicated}, "
        f"unexpected {extra}; one ticket per problem {one_ticket} ({len(shared)} shared, "
        f"{joined} joined, {plus_ones} '+1' comments); requesters complete {users_ok}; "
        f"states {states}; secrets leaked {leaked}"
    )
    return (
        lost == 0 and duplicated == 0 and extra == 0 and one_ticket and users_ok
        and plus_ones == joined and states == ["sent"] and not leaked
    )  # fmt: skip


async def run_db(label: str, db_url: str, root: Path, args: argparse.Namespace) -> bool:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"== {label}: {args.servers} servers, {args.requests} forwards (+ the same paced); "
        f"load average {load} on {os.cpu_count()} cores"
    )
    procs = Processes(root, db_url, args.servers)
    procs.start()
    try:
        ok, data = await measure(procs, args.requests, args.rate)
        await drained(procs)
    finally:
        procs.stop()
    return check_store(db_url, data["sent"]) and ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=500.0, help="paced phase, calls/s")
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if "sqlite" in args.db:
            url = f"sqlite:///{root / 'relay.sqlite3'}"
            ok = await run_db("SQLite", url, root / "sqlite", args) and ok
        if "postgresql" in args.db:
            if not postgres_store_available():
                print(
                    "== PostgreSQL: skipped - the relay opens SQLite stores only until the "
                    "SQLAlchemy store (branch wt/storage) is merged and the relay uses it"
                )
            else:
                with throwaway_postgres() as url:
                    ok = await run_db("PostgreSQL", url, root / "postgresql", args) and ok
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
