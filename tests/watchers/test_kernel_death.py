"""Kernel deaths against a real jupyter-server and real ipykernel processes (pytest-jupyter).

Not marked asyncio on purpose: pytest-jupyter drives un-marked async tests on its own loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Any

from watchers.helpers import (  # type: ignore[import-not-found]
    incidents,
    kernels_settled,
    recordings_done,
    run_code,
    start_kernel,
    start_session,
    wait_until,
    watched_pid,
)

from jupyter_itbridge.contract import EVENT_INCIDENT as INCIDENT


async def test_sigkilled_kernel_is_an_incident_with_event(
    jp_fetch: Any, jp_serverapp: Any, itbridge: Any, api: Any, events: list
) -> None:
    kernel_id = await start_session(jp_fetch, "projects/churn model.ipynb")
    pid = await watched_pid(jp_serverapp, itbridge, kernel_id)

    os.kill(pid, signal.SIGKILL)

    found = await wait_until(lambda: incidents(api), what="the incident")
    assert len(found) == 1
    incident = found[0]
    assert incident["kind"] == "kernel_died"
    assert incident["kernel_id"] == kernel_id
    assert incident["notebook_path"] == "projects/churn model.ipynb"
    details = incident["details"]
    assert details["exit_code"] == -9
    assert details["signal"] == 9 and details["signal_name"] == "SIGKILL"
    # this sandbox's cgroup has no limit and its oom_kill counter did not move: not an OOM
    assert details["cause"] == "signal" and details["oom_killed"] is False
    assert "limit_bytes" not in details and "peak_bytes" not in details
    assert details["message"].startswith("Your kernel process was killed (signal 9, SIGKILL).")
    assert details["restarted"] is True
    # the last memory samples of the dead process (a Python kernel uses well over 10 MB)
    memory = details["memory"]
    assert memory["samples"] and memory["last_rss_bytes"] > 10 * 1024 * 1024
    assert memory["peak_rss_bytes"] >= memory["last_rss_bytes"]
    draft = details["request_draft"]
    assert draft["kind"] == "kernel_died" and draft["subject"] == "kernel"
    assert draft["notebook_path"] == "projects/churn model.ipynb"

    # the event went out on the server's event bus with the same facts
    await wait_until(lambda: [d for s, d in events if s == INCIDENT], what="the incident event")
    (data,) = [d for s, d in events if s == INCIDENT]
    assert data["incident_id"] == incident["id"]
    assert data["kind"] == "kernel_died" and data["kernel_id"] == kernel_id
    assert data["exit_code"] == -9 and data["signal"] == 9 and data["oom_killed"] is False
    assert data["notebook_path"] == "projects/churn model.ipynb"
    assert data["message"] == details["message"]

    # the restarter brought the kernel back with a new process, which is watched again
    new_pid = await watched_pid(jp_serverapp, itbridge, kernel_id)
    assert new_pid != pid
    await kernels_settled(jp_serverapp, {kernel_id: pid})


async def test_user_shutdown_and_restart_are_not_incidents(
    jp_fetch: Any, jp_serverapp: Any, itbridge: Any, api: Any, events: list
) -> None:
    shut = await start_kernel(jp_fetch)
    restarted = await start_kernel(jp_fetch)
    control = await start_kernel(jp_fetch)
    for kid in (shut, restarted, control):
        await watched_pid(jp_serverapp, itbridge, kid)
    old_pid = jp_serverapp.kernel_manager.get_kernel(restarted).provisioner.pid

    resp = await jp_fetch("api", "kernels", shut, method="DELETE")
    assert resp.code == 204
    resp = await jp_fetch("api", "kernels", restarted, "restart", method="POST", body="")
    assert json.loads(resp.body)["id"] == restarted
    new_pid = jp_serverapp.kernel_manager.get_kernel(restarted).provisioner.pid
    assert new_pid != old_pid
    # both calls went through the kernel manager we observe
    watchers = itbridge.watchers
    assert watchers.user_acted(shut) and watchers.user_acted(restarted)
    assert not watchers.user_acted(control)

    # Give the restarters many polls (0.3 s each) to notice anything, then kill the control
    # kernel: its incident proves the watchers were live the whole time.
    await asyncio.sleep(2.0)
    pid = await watched_pid(jp_serverapp, itbridge, control)
    os.kill(pid, signal.SIGKILL)
    await wait_until(lambda: incidents(api), what="the control incident")
    await recordings_done(watchers)
    found = await incidents(api)
    assert [i["kernel_id"] for i in found] == [control]
    assert watchers.incidents_recorded == 1
    assert [d["kernel_id"] for s, d in events if s == INCIDENT] == [control]
    await kernels_settled(jp_serverapp, {control: pid})


async def test_clean_exit_is_not_an_incident_but_a_crash_is(
    jp_fetch: Any, jp_serverapp: Any, itbridge: Any, api: Any
) -> None:
    """``os._exit(0)`` (like ``exit()``) is restarted but is no failure; exit status 3 is."""
    quiet = await start_kernel(jp_fetch)
    crashed = await start_kernel(jp_fetch)
    quiet_pid = await watched_pid(jp_serverapp, itbridge, quiet)
    crashed_pid = await watched_pid(jp_serverapp, itbridge, crashed)
    await run_code(jp_serverapp, quiet, "import os; os._exit(0)")
    await run_code(jp_serverapp, crashed, "import os; os._exit(3)")
    await wait_until(lambda: incidents(api), what="the crash incident")
    # both processes are gone and were replaced by the restarter
    await wait_until(lambda: not os.path.exists(f"/proc/{quiet_pid}"), what="quiet exit")
    await wait_until(lambda: not os.path.exists(f"/proc/{crashed_pid}"), what="crash exit")
    # the quiet kernel runs again: its restart callback (which decides) ran before the restart
    await watched_pid(jp_serverapp, itbridge, quiet)
    await recordings_done(itbridge.watchers)
    found = await incidents(api)
    assert [i["kernel_id"] for i in found] == [crashed]
    assert itbridge.watchers.incidents_recorded == 1
    details = found[0]["details"]
    assert details["exit_code"] == 3 and details["signal"] is None
    assert details["cause"] == "exit"
    assert details["message"].startswith("Your kernel stopped unexpectedly (exit code 3).")
    await kernels_settled(jp_serverapp, {quiet: quiet_pid, crashed: crashed_pid})
