"""Crash safety: a real jupyter server SIGKILLed mid-delivery delivers everything, once, with
its store on SQLite or on a real PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from hub.loopback_tickets import TicketSystem  # type: ignore[import-not-found]
from hub.server_proc import ServerProcess  # type: ignore[import-not-found]
from storage.pgcluster import shared_cluster  # type: ignore[import-not-found]

N = 30


def _wait_killed(server: ServerProcess, tickets: TicketSystem) -> None:
    """The ticket system SIGKILLs the server; on a timeout say what the server was doing."""
    try:
        code = server.wait_exit(30)
    except subprocess.TimeoutExpired:
        try:
            health = server.get("health")
        except OSError as err:
            health = repr(err)
        log = (server.root / "server.log").read_text()[-3000:]
        raise AssertionError(
            f"server not killed; creates={tickets.total_creates} health={health}\n{log}"
        ) from None
    assert code == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_sigkill_mid_delivery_then_restart_delivers_all_exactly_once(
    engine: str, tmp_path: Path
) -> None:
    store = str(tmp_path / "store.sqlite3") if engine == "sqlite" else shared_cluster().database()
    with TicketSystem() as tickets:
        server = ServerProcess(
            tmp_path,
            {
                "backend": "hub.loopback_tickets:LoopbackBackend",
                "store_path": store,
                "retry_base_delay": 0.05,
                "retry_max_delay": 0.3,
                "outbox_concurrency": 2,
                "owner": "alice",
            },
            extra_config=f"\nc.LoopbackBackend.url = {tickets.url!r}\n",
        )
        try:
            tickets.accepting = False  # requests queue up, committed, none delivered yet
            server.start()
            filed = [
                server.request("POST", "requests", {"summary": f"need thing {i}"}) for i in range(N)
            ]
            uuids = {r["uuid"] for r in filed}
            assert len(uuids) == N and all(r["state"] in ("queued", "failed") for r in filed)

            # Run 1: SIGKILL right after the 5th ticket is created, before the server stores it.
            tickets.kill_at = {5, 12}
            tickets.victim_pid = server.proc.pid  # type: ignore[union-attr]
            tickets.accepting = True
            _wait_killed(server, tickets)
            # the kill lands right after create 5; a concurrent delivery may have created one more
            assert 5 <= tickets.total_creates < 12

            # Run 2: restart; the worker resumes at start-up (no request needed to wake it) and
            # is killed again at create 12. The trigger is armed before the server can deliver.
            server.start(on_spawn=lambda pid: setattr(tickets, "victim_pid", pid), wait=False)
            _wait_killed(server, tickets)
            assert tickets.total_creates >= 12

            # Run 3: restart and let it finish.
            server.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                listing = server.get("requests")["requests"]
                if all(r["state"] == "sent" for r in listing) and len(listing) == N:
                    break
                time.sleep(0.2)
            listing = server.get("requests")["requests"]
            assert len(listing) == N and {r["state"] for r in listing} == {"sent"}
            assert set(tickets.creates) == uuids, "every request reached the ticket system"
            assert max(tickets.creates.values()) == 1, (
                f"duplicates: {tickets.creates.most_common(3)}"
            )
            assert {r["uuid"]: r["ticket"]["id"] for r in listing} == tickets.tickets
            assert server.get("health")["outbox_depth"] == 0
        finally:
            server.stop()
