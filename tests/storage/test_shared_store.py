"""Several real processes on one store (issue #13's named servers, #10's relay replicas):
a slow ticket system, SIGKILLs of either process, and still every request exactly once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hub.loopback_tickets import TicketSystem  # type: ignore[import-not-found]
from hub.server_proc import ServerProcess  # type: ignore[import-not-found]
from storage.helpers import run_cli  # type: ignore[import-not-found]
from storage.pgcluster import shared_cluster  # type: ignore[import-not-found]

from jupyter_itbridge.server.store import Store

TESTS = Path(__file__).resolve().parent.parent
N = 500


def _location(engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        return str(tmp_path / "shared" / "itbridge.sqlite3")
    return shared_cluster().database()


def _server(root: Path, store: str, tickets: TicketSystem, **extra: Any) -> ServerProcess:
    return ServerProcess(
        root,
        {
            "backend": "hub.loopback_tickets:LoopbackBackend",
            "store_path": store,
            "owner": "alice",
            "retry_base_delay": 0.05,
            "retry_max_delay": 0.3,
            "outbox_concurrency": 4,
            "delivery_lease": 3.0,
            "watchers_enabled": False,
            **extra,
        },
        extra_config=f"\nc.LoopbackBackend.url = {tickets.url!r}\n",
    )


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _exactly_once(store_url: str, tickets: TicketSystem, uuids: set[str]) -> None:
    store = Store(store_url)
    try:
        rows = store.list_requests(limit=10 * N)
    finally:
        store.close()
    assert {r["uuid"] for r in rows} == uuids, "a filed request is missing from the store"
    assert {r["state"] for r in rows} == {"sent"}
    assert set(tickets.creates) == uuids, "every request reached the ticket system"
    dupes = [u for u, n in tickets.creates.items() if n > 1]
    assert not dupes, f"{len(dupes)} requests created twice: {tickets.creates.most_common(3)}"
    assert {r["uuid"]: r["ticket_id"] for r in rows} == tickets.tickets


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_two_servers_one_store_sigkills_exactly_once(engine: str, tmp_path: Path) -> None:
    """Two jupyter servers of one user share one store and both run outboxes. 500 requests,
    a ticket system that answers in 20 ms, and each server SIGKILLed right after a create
    (before it could store the ticket id), then restarted: 0 lost, 0 duplicated."""
    store_url = _location(engine, tmp_path)
    with TicketSystem(delay=0.02) as tickets:
        servers = [_server(tmp_path / f"server{i}", store_url, tickets) for i in range(2)]
        try:
            tickets.accepting = False  # everything is filed first, nothing delivered yet
            for server in servers:
                server.start(timeout=60)

            def file(i: int) -> str:
                body = {"summary": f"need thing {i}", "subject": f"pkg-{i}"}
                return servers[i % 2].request("POST", "requests", body, timeout=30)["uuid"]

            with ThreadPoolExecutor(8) as pool:
                uuids = set(pool.map(file, range(N)))
            assert len(uuids) == N

            def pid(i: int) -> Callable[[], int | None]:
                return lambda: servers[i].proc.pid if servers[i].proc else None

            tickets.victims = {40: pid(0), 150: pid(1), 260: pid(0), 380: pid(1)}
            tickets.accepting = True
            deadline = time.monotonic() + 240
            while len(tickets.creates) < N or any(s.proc.poll() is not None for s in servers):
                assert time.monotonic() < deadline, f"stuck at {len(tickets.creates)} creates"
                for server in servers:
                    if server.proc.poll() is not None:  # killed: start it again
                        server.start(timeout=60)
                time.sleep(0.1)
            assert len(tickets.kills) == 4, "both servers were killed twice each"

            def settled() -> bool:
                health = [s.get("health") for s in servers]
                return all(h["outbox_depth"] == 0 for h in health)

            _until(settled, 120, "both outboxes to drain")
            _exactly_once(store_url, tickets, uuids)
        finally:
            for server in servers:
                server.stop()


@pytest.mark.slow
def test_server_and_cli_retry_share_a_store(tmp_path: Path) -> None:
    """``jupyter itbridge requests retry`` on requests the server is delivering right now:
    retried, never delivered twice."""
    store_url = str(tmp_path / "shared.sqlite3")
    with TicketSystem(delay=0.3) as tickets:
        server = _server(tmp_path / "server", store_url, tickets, outbox_concurrency=2)
        try:
            tickets.accepting = False
            server.start(timeout=60)
            filed = [server.request("POST", "requests", {"summary": f"r{i}"}) for i in range(30)]
            uuids = {r["uuid"] for r in filed}
            _until(lambda: server.get("health")["counts"]["failed"] == 30, 60, "30 failed requests")
            tickets.accepting = True  # deliveries start, slowly (0.6 s per request)
            config = f"c.ITBridge.store_path = {store_url!r}\n"
            retried = 0
            for rec in filed[::3]:
                res = run_cli(tmp_path / "cli", config, "requests", "retry", str(rec["id"]))
                retried += res.returncode == 0
                assert res.returncode in (0, 1), res.stdout + res.stderr
            assert retried > 0, "the CLI retried requests still waiting for delivery"
            _until(lambda: server.get("health")["outbox_depth"] == 0, 120, "the outbox")
            _exactly_once(store_url, tickets, uuids)
        finally:
            server.stop()


OUTBOX_PROCESS = """
import asyncio, sys, logging
sys.path.insert(0, {tests!r})
from hub.loopback_tickets import LoopbackBackend
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import Store

async def main():
    store = Store({store!r})
    backend = LoopbackBackend(url={url!r})
    outbox = Outbox(store, backend, base_delay=0.05, max_delay=0.3, concurrency=4, lease=3.0,
                    sync_interval=0)
    service = RequestService(store, backend, outbox)
    await service.start()
    print("ready", flush=True)
    await asyncio.Event().wait()

logging.basicConfig(level=logging.WARNING)
asyncio.run(main())
"""


class OutboxProcess:
    """A relay-like process: the outbox and the request service over a shared store."""

    def __init__(self, root: Path, store: str, tickets: TicketSystem) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.script = root / "outbox_proc.py"
        self.script.write_text(
            OUTBOX_PROCESS.format(tests=str(TESTS), store=store, url=tickets.url)
        )
        self.log = root / "outbox.log"
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(self.script)], stdout=subprocess.PIPE, stderr=log, text=True
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.strip() == "ready", self.log.read_text()[-2000:]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.mark.slow
def test_two_relay_processes_on_postgresql_exactly_once(tmp_path: Path) -> None:
    """Two relay-like processes (the same outbox, over one PostgreSQL store holding many
    users' requests), each SIGKILLed twice mid-delivery and restarted: exactly once."""
    store_url = shared_cluster().database()
    store = Store(store_url)
    uuids = {
        store.insert_request(
            user=f"user{i % 50}", summary=f"s{i}", body="b", draft={}, backend="loopback"
        )["uuid"]
        for i in range(N)
    }
    store.close()
    with TicketSystem(delay=0.02) as tickets:
        relays = [OutboxProcess(tmp_path / f"relay{i}", store_url, tickets) for i in range(2)]
        try:

            def pid(i: int) -> Callable[[], int | None]:
                return lambda: relays[i].proc.pid if relays[i].proc else None

            tickets.accepting = False  # both relays cycle through the failing requests first
            for relay in relays:
                relay.start()

            def all_tried() -> bool:
                s = Store(store_url)
                try:
                    return s.counts()["failed"] == N
                finally:
                    s.close()

            _until(all_tried, 60, "both relays to try every request")
            tickets.victims = {30: pid(0), 120: pid(1), 250: pid(0), 400: pid(1)}
            tickets.accepting = True
            deadline = time.monotonic() + 240
            while len(tickets.creates) < N or any(r.proc.poll() is not None for r in relays):
                assert time.monotonic() < deadline, f"stuck at {len(tickets.creates)} creates"
                for relay in relays:
                    if relay.proc.poll() is not None:
                        relay.start()
                time.sleep(0.1)
            assert len(tickets.kills) == 4

            def drained() -> bool:
                s = Store(store_url)
                try:
                    return s.counts()["sent"] == N
                finally:
                    s.close()

            _until(drained, 120, "every request to be sent")
            _exactly_once(store_url, tickets, uuids)
        finally:
            for relay in relays:
                relay.stop()
