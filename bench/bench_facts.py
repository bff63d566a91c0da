"""Benchmark package facts: ``GET packages/{name}`` on a real ``jupyter server``, cached and
uncached, against a baseline ``GET health`` measured in the same run.

The index is a loopback PyPI-shaped server (PEP 691 JSON, PEP 658 metadata, PyPI's JSON API
with vulnerabilities: ``tests/facts/loopback_indexes.py``) holding ``--packages`` packages, so
an uncached lookup costs what a real one does on a fast network: three HTTP calls (project
page, core metadata, JSON API) from the server's facts pool, plus the rules and the line.
Phases run round-robin (``--rounds``) so machine load falls on all of them alike; each
uncached call asks for a package not asked before.

Run: ``.venv/bin/python bench/bench_facts.py [--calls 400] [--clients 8] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from facts.loopback_indexes import PyPIShaped  # noqa: E402
from facts.wheels import Dist  # noqa: E402
from hub.server_proc import ServerProcess  # noqa: E402
from server_requests import hammer, pct  # noqa: E402

VULN = {
    "aliases": ["CVE-2021-3281"],
    "details": "...",
    "summary": "A vulnerability",
    "fixed_in": ["1.5.0"],
    "id": "PYSEC-2021-9",
    "link": "https://osv.dev/vulnerability/PYSEC-2021-9",
    "source": "osv",
    "withdrawn": None,
}


def build_index(count: int) -> PyPIShaped:
    index = PyPIShaped()
    for i in range(count):
        dist = Dist(
            f"benchpkg{i}",
            "1.6.1",
            license_expression="BSD-3-Clause",
            requires_python=">=3.9",
            requires_dist=["numpy>=1.22", "requests", 'pytest; extra == "test"'],
            project_urls={"Homepage": f"https://bench.example/{i}"},
        )
        index.add(dist, "2026-11-17T12:30:00.000000Z", [VULN] if i % 3 == 0 else [])
    return index


def line(name: str, values: list[float], base: list[float] | None) -> str:
    p50, p99 = pct(values, 0.5), pct(values, 0.99)
    text = f"{name:<34} {len(values):>6} calls  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms"
    if base:
        text += f"   ratio p50 x{p50 / pct(base, 0.5):5.2f}  p99 x{p99 / pct(base, 0.99):5.2f}"
    return text


async def run(calls: int, clients: int, rounds: int, root: Path) -> bool:
    packages = calls * rounds + 50
    index = build_index(packages)
    server = ServerProcess(
        root / "server",
        {"store_path": str(root / "server.sqlite3"), "package_facts_cache_size": 2 * packages},
        extra_config=f"\nc.ITBridgePolicy.package_index_url = {index.index_url!r}\n",
    )
    server.start()
    base: list[float] = []
    cached: list[float] = []
    uncached: list[float] = []
    next_pkg = 0
    try:
        # warm-up, not measured: imports, the facts pool's threads, the hot names' cache
        await hammer(server, 100, clients, lambda i: ("GET", "health", None))
        await hammer(server, 40, clients, lambda i: ("GET", f"packages/benchpkg{i % 10}", None))
        next_pkg = 10
        for _ in range(rounds):
            lat, _, _ = await hammer(server, calls, clients, lambda i: ("GET", "health", None))
            base += lat
            lat, _, _ = await hammer(
                server, calls, clients, lambda i: ("GET", f"packages/benchpkg{i % 10}", None)
            )
            cached += lat
            first = next_pkg
            lat, _, _ = await hammer(
                server,
                calls,
                clients,
                lambda i, first=first: ("GET", f"packages/benchpkg{first + i}", None),
            )
            uncached += lat
            next_pkg += calls
        answer = server.get("packages/benchpkg0")
        fetched = index.count("GET /simple/")
    finally:
        server.stop()
        index.stop()
    print(f"index: loopback PyPI-shaped, {packages} packages; {clients} clients; {rounds} rounds")
    print(line("baseline GET health", base, None))
    print(line("GET packages/{name}, cached", cached, base))
    print(line("GET packages/{name}, uncached", uncached, base))
    print(f"{'upstream project pages fetched':<34} {fetched} (expected {next_pkg})")
    print(f"{'sample line':<34} {answer['line']}")
    return fetched == next_pkg and answer["available"]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=400, help="calls per phase and round")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ok = await run(args.calls, args.clients, args.rounds, Path(tmp))
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
