"""Crash and outage: the relay SIGKILLed twice mid-delivery, down while a single-user server
forwards, and Request Tracker stopped for a while: 0 lost, 0 duplicated.

The single-user side is a real ``jupyter server`` with the ``hub`` backend and alice's Hub
token; the relay is an external JupyterHub service (a process this test owns), delivering to the
real Request Tracker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from backends import rt_server  # type: ignore[import-not-found]
from hub.server_proc import ServerProcess  # type: ignore[import-not-found]
from hubdeploy.deploy import Hub  # type: ignore[import-not-found]
from hubdeploy.relay_proc import ExternalRelay  # type: ignore[import-not-found]

pytestmark = pytest.mark.slow
N_FIRST, N_DOWN, N_RT_DOWN = 30, 10, 10


def _until(what: str, check: Callable[[], Any], timeout: float, why: Callable[[], str]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}\n{why()}")


def _delivered(relay: ExternalRelay, uuids: set[str]) -> int:
    return sum(1 for r in relay.rows() if r["uuid"] in uuids and r["ticket_id"])


def _rt_ticket_counts(rt: rt_server.RTServer, uuids: set[str]) -> dict[str, int]:
    """How many RT tickets carry each request's subject marker (searched, not remembered)."""
    session = requests.Session()
    session.auth = (rt.user, rt.password)
    counts = {}
    for request_uuid in uuids:
        resp = session.get(
            f"{rt.url}/REST/2.0/tickets",
            params={"query": f"Subject LIKE '[itbridge:{request_uuid[:8]}]'", "per_page": 100},
            timeout=30,
        )
        resp.raise_for_status()
        counts[request_uuid] = int(resp.json().get("total") or 0)
    return counts


def test_relay_killed_twice_and_rt_down_lose_and_duplicate_nothing(
    hub: Hub, rt_for_hub: rt_server.RTServer, tmp_path: Path
) -> None:
    relay = ExternalRelay(hub, tmp_path / "relay")
    server = ServerProcess(
        tmp_path / "alice-server",
        {
            "store_path": str(tmp_path / "alice-store.sqlite3"),
            "owner": "alice",
            "sync_interval": 1.0,
            "retry_base_delay": 0.2,
            "retry_max_delay": 1.0,
            "watchers_enabled": False,
        },
    )
    token = hub.user_token("alice")
    relay.start()
    server.start(env={"JUPYTERHUB_API_TOKEN": token, "JUPYTER_ITBRIDGE_RELAY_URL": relay.url})

    def why() -> str:
        return (
            f"relay log:\n{relay.log_tail()}\nserver health: {server.get('health')}\n"
            f"RT log:\n{rt_for_hub.log_tail()}"
        )

    def file(n: int, label: str) -> set[str]:
        out = set()
        for i in range(n):
            record = server.request("POST", "requests", {"summary": f"{label} request {i}"})
            out.add(record["uuid"])
        return out

    try:
        # 1. Thirty requests; SIGKILL the relay once 5 of them are in RT, while others are in
        #    flight; restart it at once.
        first = file(N_FIRST, "crash")
        _until("5 deliveries", lambda: _delivered(relay, first) >= 5, 60, why)
        assert relay.kill() == -9
        assert _delivered(relay, first) < N_FIRST, "the kill must land mid-delivery"

        # 2. While the relay is down, the single-user server keeps and retries what users file.
        down = file(N_DOWN, "relay-down")
        waiting = server.get("requests?state=queued,failed")["requests"]
        assert waiting and all(
            r["state_detail"].startswith("waiting for the IT relay") for r in waiting
        ), waiting
        relay.start()
        everything = first | down
        _until("15 deliveries", lambda: _delivered(relay, everything) >= 15, 60, why)
        assert relay.kill() == -9
        assert _delivered(relay, everything) < len(everything)
        relay.start()

        # 3. Request Tracker down for a while: the relay keeps them, users see "waiting for the
        #    ticket system", nothing is lost.
        rt_for_hub.stop()
        try:
            rt_down = file(N_RT_DOWN, "rt-down")
            everything |= rt_down

            def forwarded_not_delivered() -> Any:
                mine = [
                    r for r in server.get("requests?limit=500")["requests"] if r["uuid"] in rt_down
                ]
                return all(r["state"] == "sent" for r in mine) and mine

            mine = _until("forwards while RT is down", forwarded_not_delivered, 60, why)
            assert any("waiting for the ticket system" in r["state_detail"] for r in mine), mine
            _until(
                "failed delivery rounds at the relay",
                lambda: any(r["state"] == "failed" for r in relay.rows() if r["uuid"] in rt_down),
                60,
                why,
            )
            time.sleep(2)  # down for a while longer
        finally:
            rt_for_hub.start()

        # 4. Everything ends up in RT exactly once, and every user's record shows its ticket.
        _until(
            "every delivery",
            lambda: _delivered(relay, everything) == len(everything),
            120,
            why,
        )

        def all_synced() -> Any:
            listing = server.get("requests?limit=500")["requests"]
            ok = len(listing) == len(everything) and all(
                r["ticket_id"] and not r["ticket_id"].startswith("relay:") for r in listing
            )
            return listing if ok else None

        listing = _until("the single-user server to learn every ticket", all_synced, 60, why)
        assert {r["uuid"] for r in listing} == everything, "nothing lost"
        counts = _rt_ticket_counts(rt_for_hub, everything)
        assert set(counts.values()) == {1}, {u: c for u, c in counts.items() if c != 1}
        relay_rows = {r["uuid"]: r for r in relay.rows()}
        assert set(relay_rows) >= everything
        tickets = [relay_rows[u]["ticket_id"] for u in everything]
        assert len(set(tickets)) == len(everything), "one ticket per request"
        assert {r["uuid"]: r["ticket_id"] for r in listing} == {
            u: relay_rows[u]["ticket_id"] for u in everything
        }
    finally:
        server.stop()
        relay.stop()
