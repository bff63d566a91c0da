"""OOM kills and memory pressure on a real server whose watchers read a fake cgroup v2 tree.

The kernels and the SIGKILL are real; only the cgroup files are written by the test (this
sandbox's own cgroup has no memory limit, and a real OOM would take the test runner down).
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from watchers.helpers import (  # type: ignore[import-not-found]
    GiB,
    incidents,
    kernels_settled,
    make_v2,
    start_session,
    v2_events,
    wait_until,
    watched_pid,
)

from jupyter_itbridge.contract import EVENT_INCIDENT as INCIDENT
from jupyter_itbridge.contract import EVENT_REQUEST_STATE as REQUEST_STATE
from jupyter_itbridge.findings import fingerprint

NOTEBOOK = "reports/big join.ipynb"


@pytest.fixture
def cgroup_root(tmp_path: Path) -> str:
    return str(make_v2(tmp_path / "cgroup", limit=str(4 * GiB), current=1 * GiB, peak=1 * GiB))


async def test_oom_killed_kernel_incident_and_more_memory_request(
    jp_fetch: Any, jp_serverapp: Any, itbridge: Any, api: Any, events: list, cgroup_root: str
) -> None:
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    pid = await watched_pid(jp_serverapp, itbridge, kernel_id)
    assert itbridge.watchers.kernels[kernel_id].oom_baseline == 0

    # What the kernel's cgroup shows after the OOM killer stopped a kernel at the limit.
    root = Path(cgroup_root)
    (root / "memory.peak").write_text(f"{int(3.9 * GiB)}\n")
    (root / "memory.events").write_text(v2_events(1))
    os.kill(pid, signal.SIGKILL)

    (incident,) = await wait_until(lambda: incidents(api), what="the OOM incident")
    assert incident["kind"] == "kernel_died" and incident["notebook_path"] == NOTEBOOK
    details = incident["details"]
    assert details["cause"] == "oom" and details["oom_killed"] is True
    assert details["oom_kill_delta"] == 1
    assert details["oom_evidence"] == "cgroup oom_kill counter rose"
    assert details["exit_code"] == -9 and details["signal"] == 9
    assert details["limit_bytes"] == 4 * GiB and details["peak_bytes"] == int(3.9 * GiB)
    assert details["message"] == (
        "Your kernel was stopped: it used 3.9 GiB of its 4.0 GiB memory limit."
        " The kernel was restarted; variables from before are lost."
    )
    assert details["memory"]["limit_source"] == "cgroup2"

    await wait_until(lambda: [d for s, d in events if s == INCIDENT], what="incident event")
    (data,) = [d for s, d in events if s == INCIDENT]
    assert data["oom_killed"] is True and data["oom_kill_delta"] == 1
    assert data["limit_bytes"] == 4 * GiB and data["peak_bytes"] == int(3.9 * GiB)
    assert data["cause"] == "oom" and data["notebook_path"] == NOTEBOOK

    # The prefilled "more memory" request files as is and announces itself on the event bus.
    draft = details["request_draft"]
    assert draft["kind"] == "resource_limit" and draft["subject"] == "memory"
    assert draft["fingerprint"] == fingerprint("resource_limit", "memory")
    assert draft["notebook_path"] == NOTEBOOK
    assert "4.0 GiB" in draft["summary"] and "3.9 GiB" in draft["description"]
    draft["justification"] = "The monthly join needs 8 GiB."
    code, request = await api("POST", "requests", draft)
    assert code == 201, request
    await wait_until(
        lambda: (
            [
                (d["old_state"], d["new_state"])
                for s, d in events
                if s == REQUEST_STATE and d["id"] == request["id"]
            ][-1:]
            == [("queued", "sent")]
        ),
        what="request state events",
    )
    sent = [d for s, d in events if s == REQUEST_STATE]
    pairs = [(d["old_state"], d["new_state"]) for d in sent]
    assert pairs == [(None, "queued"), ("queued", "sent")]
    assert sent[0]["uuid"] == request["uuid"] and sent[0]["summary"] == request["summary"]
    assert sent[1]["ticket_id"] == f"LOCAL-{request['id']}"

    # The death claimed the counter rise: the next plain kill of this kernel is no OOM.
    assert itbridge.watchers.kernels[kernel_id].oom_baseline == 1
    await kernels_settled(jp_serverapp, {kernel_id: pid})


async def _fraction(watchers: Any, root: Path, gib: float, rounds: int = 3) -> None:
    """Write memory.current (GiB of the 4 GiB limit), then wait for a few samples of it."""
    (root / "memory.current").write_text(f"{int(gib * GiB)}\n")
    for _ in range(rounds):
        await wait_until(
            lambda: (
                watchers.pressure.last_fraction is not None
                and abs(watchers.pressure.last_fraction - gib / 4) < 1e-6
            ),
            what=f"a sample at {gib / 4:.0%}",
        )
        watchers.pressure.last_fraction = None
    await asyncio.sleep(0)


async def test_memory_pressure_once_per_crossing(
    jp_fetch: Any, jp_serverapp: Any, itbridge: Any, api: Any, events: list, cgroup_root: str
) -> None:
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    await watched_pid(jp_serverapp, itbridge, kernel_id)
    watchers, root = itbridge.watchers, Path(cgroup_root)

    await _fraction(watchers, root, 2.0)  # 50 %
    assert await incidents(api) == []
    await _fraction(watchers, root, 3.8)  # 95 %: crossing -> one incident
    await _fraction(watchers, root, 3.9)  # still above: no repeat
    await _fraction(watchers, root, 3.5)  # 87.5 %: below 90 % but inside the hysteresis
    await _fraction(watchers, root, 3.8)  # back above: still no repeat
    found = await incidents(api)
    assert len(found) == 1
    first = found[0]
    assert first["kind"] == "memory_pressure"
    assert first["kernel_id"] == kernel_id and first["notebook_path"] == NOTEBOOK
    details = first["details"]
    assert details["usage_bytes"] == int(3.8 * GiB) and details["limit_bytes"] == 4 * GiB
    assert details["fraction"] == 0.95 and details["threshold"] == 0.9
    assert details["limit_source"] == "cgroup2"
    assert details["message"].startswith("Memory use is at 95% of your 4.0 GiB limit (3.8 GiB)")
    assert details["kernels"][0]["kernel_id"] == kernel_id
    assert details["kernels"][0]["rss_bytes"] > 10 * 1024 * 1024
    assert details["request_draft"]["subject"] == "memory"

    await _fraction(watchers, root, 3.2)  # 80 %: re-armed
    await _fraction(watchers, root, 3.7)  # 92.5 %: a new crossing
    found = await incidents(api)
    assert [i["kind"] for i in found] == ["memory_pressure", "memory_pressure"]
    assert found[0]["details"]["usage_bytes"] == int(3.7 * GiB)

    pressure = [d for s, d in events if s == INCIDENT]
    assert [d["incident_id"] for d in pressure] == [first["id"], found[0]["id"]]
    assert all(d["kind"] == "memory_pressure" for d in pressure)
    assert pressure[0]["usage_bytes"] == int(3.8 * GiB) and pressure[0]["limit_bytes"] == 4 * GiB
