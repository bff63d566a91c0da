"""The watchers on fixture cgroup and /proc trees (v2, v1, no limit, MEM_LIMIT).

The kernel manager here is a small stand-in exposing what the watchers use of jupyter_server's
(``list_kernel_ids``, ``get_kernel``, restarter callbacks, shutdown/restart); the store, request
service and jupyter_events logger are the real ones. The real kernel manager with real kernels
is exercised in ``test_kernel_death.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_events import EventLogger
from watchers.helpers import (  # type: ignore[import-not-found]
    GiB,
    make_proc,
    make_v1,
    make_v2,
    v1_oom_control,
    v2_events,
    write_tree,
)

from jupyter_itbridge.backends.local import LocalBackend
from jupyter_itbridge.contract import EVENT_INCIDENT as INCIDENT
from jupyter_itbridge.server.events import ITBridgeEvents, register_schemas
from jupyter_itbridge.server.kernel_hooks import USER_ACTION_GRACE
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import Store
from jupyter_itbridge.server.watchers import OOM_SETTLE, REPEAT_WINDOW, Watchers

MiB = 1 << 20


class Process:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


class Provisioner:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.process = Process(pid)


class KernelStandIn:
    """The parts of a jupyter_client KernelManager the watchers touch."""

    def __init__(self, pid: int) -> None:
        self.provisioner = Provisioner(pid)
        self._restarter = object()
        self.kernel_name = "python3"
        self.shutting_down = False
        self.callbacks: dict[str, list[Callable[[], None]]] = {"restart": [], "dead": []}

    def add_restart_callback(self, f: Callable[[], None], event: str = "restart") -> None:
        self.callbacks[event].append(f)

    def die(self, code: int, event: str = "restart") -> None:
        """What the restarter does: the process is polled dead, then callbacks fire."""
        self.provisioner.process.returncode = code
        for f in self.callbacks[event]:
            f()


class KernelManagerStandIn:
    def __init__(self) -> None:
        self.kernels: dict[str, KernelStandIn] = {}
        self.calls: list[str] = []

    def list_kernel_ids(self) -> list[str]:
        return list(self.kernels)

    def get_kernel(self, kernel_id: str) -> KernelStandIn:
        return self.kernels[kernel_id]

    async def start_kernel(self, **kwargs: Any) -> str:
        kid = kwargs["kernel_id"]
        self.kernels[kid] = KernelStandIn(kwargs["pid"])
        return kid

    async def shutdown_kernel(self, kernel_id: str, now: bool = False) -> None:
        self.calls.append(f"shutdown {kernel_id}")
        await asyncio.sleep(0)
        self.kernels[kernel_id].die(-9)  # a forced shutdown kills: must not be an incident
        del self.kernels[kernel_id]

    async def restart_kernel(self, kernel_id: str, now: bool = False) -> None:
        self.calls.append(f"restart {kernel_id}")
        self.kernels[kernel_id].die(-15)

    def shutdown_all(self) -> None:
        self.calls.append("shutdown_all")
        for kid in list(self.kernels):
            self.kernels.pop(kid).die(-9)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A real store + request service and a real jupyter_events logger capturing our events."""
    store = Store(str(tmp_path / "store.sqlite3"))
    service = RequestService(store, LocalBackend())
    logger = EventLogger()
    register_schemas(logger)
    seen: list[dict[str, Any]] = []

    async def listener(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        seen.append(data)

    logger.add_listener(schema_id=INCIDENT, listener=listener)
    yield {"service": service, "events": ITBridgeEvents(logger), "seen": seen}
    store.close()


def make_watchers(hub: dict[str, Any], cgroup: Path, proc: Path, **kw: Any) -> Watchers:
    watchers = Watchers(
        kernel_manager=KernelManagerStandIn(),
        service=hub["service"],
        events=hub["events"],
        owner="dana",
        cgroup_root=str(cgroup),
        proc_root=str(proc),
        environ=kw.pop("environ", {}),
        clock=kw.pop("clock", Clock()),
        **kw,
    )
    watchers.install()
    return watchers


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


# -- readers --------------------------------------------------------------------------------


def test_snapshot_v2(tmp_path: Path, hub: dict) -> None:
    cg = make_v2(tmp_path / "cg", limit=str(4 * GiB), current=GiB, peak=3 * GiB, oom=2)
    proc = make_proc(tmp_path / "proc", "0::/\n")
    snap = make_watchers(hub, cg, proc).snapshot()
    assert (snap.source, snap.limit_bytes, snap.usage_bytes) == ("cgroup2", 4 * GiB, GiB)
    assert (snap.peak_bytes, snap.oom_kill_count) == (3 * GiB, 2)


def test_snapshot_v2_nested_cgroup_takes_the_parent_limit(tmp_path: Path, hub: dict) -> None:
    cg = make_v2(tmp_path / "cg", limit="max", current=GiB)
    make_v2(cg / "user.slice", limit=str(2 * GiB), current=GiB)
    make_v2(cg / "user.slice" / "jupyter", limit="max", current=GiB // 2, oom=1)
    proc = make_proc(tmp_path / "proc", "0::/user.slice/jupyter\n")
    snap = make_watchers(hub, cg, proc).snapshot()
    assert snap.limit_bytes == 2 * GiB and snap.usage_bytes == GiB // 2
    assert snap.oom_kill_count == 1 and snap.cgroup_path == str(cg / "user.slice" / "jupyter")


def test_snapshot_v1(tmp_path: Path, hub: dict) -> None:
    cg = make_v1(tmp_path / "cg", limit=2 * GiB, usage=GiB, max_usage=int(1.5 * GiB), oom=4)
    proc = make_proc(tmp_path / "proc", "4:memory:/\n1:cpu:/\n0::/\n")
    snap = make_watchers(hub, cg, proc).snapshot()
    assert (snap.source, snap.limit_bytes, snap.usage_bytes) == ("cgroup1", 2 * GiB, GiB)
    assert (snap.peak_bytes, snap.oom_kill_count) == (int(1.5 * GiB), 4)


V1_NO_LIMIT = 9223372036854771712  # PAGE_COUNTER_MAX with 4 KiB pages


def make_v1_nested(root: Path, *, parent_limit: int, usage: int) -> Path:
    """cgroup v1 with the limit on ``user.slice`` only; the server sits in the unlimited child
    ``user.slice/jupyter`` (whose own file says "no limit", as the kernel shows it)."""
    files = {}
    for rel, limit, used in (
        ("", V1_NO_LIMIT, 8 * GiB),
        ("user.slice/", parent_limit, usage),
        ("user.slice/jupyter/", V1_NO_LIMIT, usage),
    ):
        files |= {
            f"memory/{rel}memory.limit_in_bytes": f"{limit}\n",
            f"memory/{rel}memory.usage_in_bytes": f"{used}\n",
            f"memory/{rel}memory.max_usage_in_bytes": f"{used}\n",
            f"memory/{rel}memory.use_hierarchy": "1\n",
            f"memory/{rel}memory.oom_control": v1_oom_control(0),
        }
    return write_tree(root, files)


def test_snapshot_v1_nested_cgroup_takes_the_parent_limit(tmp_path: Path, hub: dict) -> None:
    cg = make_v1_nested(tmp_path / "cg", parent_limit=2 * GiB, usage=GiB // 2)
    proc = make_proc(tmp_path / "proc", "4:memory:/user.slice/jupyter\n1:cpu:/\n0::/\n")
    snap = make_watchers(hub, cg, proc).snapshot()
    assert (snap.source, snap.limit_bytes, snap.usage_bytes) == ("cgroup1", 2 * GiB, GiB // 2)
    assert snap.cgroup_path == str(cg / "memory" / "user.slice" / "jupyter")


def test_snapshot_no_limit(tmp_path: Path, hub: dict) -> None:
    v1 = make_v1(tmp_path / "v1", limit=9223372036854771712, usage=GiB, max_usage=GiB)
    v2 = make_v2(tmp_path / "v2", limit="max", current=GiB)
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = make_proc(tmp_path / "proc", "4:memory:/\n0::/\n")
    assert make_watchers(hub, v1, proc).snapshot().limit_bytes is None
    assert make_watchers(hub, v2, proc).snapshot().limit_bytes is None
    none = make_watchers(hub, empty, proc).snapshot()
    assert (none.source, none.limit_bytes, none.oom_kill_count) == ("none", None, None)
    env = make_watchers(hub, empty, proc, environ={"MEM_LIMIT": "2147483648"}).snapshot()
    assert (env.source, env.limit_bytes, env.usage_bytes) == ("env:MEM_LIMIT", 2 * GiB, None)


# -- kernel deaths --------------------------------------------------------------------------


async def start(watchers: Watchers, kid: str, pid: int) -> KernelStandIn:
    await watchers.kernel_manager.start_kernel(kernel_id=kid, pid=pid)  # through our wrapper
    return watchers.kernel_manager.get_kernel(kid)


@pytest.mark.parametrize("version", ["v2", "v1"])
async def test_oom_kill_delta_is_attributed_once(tmp_path: Path, hub: dict, version: str) -> None:
    if version == "v2":
        cg = make_v2(tmp_path / "cg", limit=str(2 * GiB), current=GiB, peak=2 * GiB, oom=5)
        counter, text = cg / "memory.events", v2_events
    else:
        cg = make_v1(tmp_path / "cg", limit=2 * GiB, usage=GiB, max_usage=2 * GiB, oom=5)
        counter, text = cg / "memory" / "memory.oom_control", v1_oom_control
    pids = {101: (300 * MiB, 400 * MiB), 102: (100 * MiB, 100 * MiB)}
    proc = make_proc(tmp_path / "proc", "4:memory:/\n0::/\n", pids)
    clock = Clock()
    watchers = make_watchers(hub, cg, proc, clock=clock)
    a, b = await start(watchers, "ka", 101), await start(watchers, "kb", 102)
    assert watchers.kernels["ka"].oom_baseline == 5  # baseline taken when first watched
    assert [s.rss_bytes for s in watchers.kernels["ka"].samples] == [300 * MiB]

    counter.write_text(text(6))  # the OOM killer struck ...
    a.die(-9)  # ... and kernel A is the one that died
    b.die(-9)  # B killed at the same moment: the one counted kill is already claimed
    await settle()
    found = hub["service"].incidents("dana")
    by_kernel = {i["kernel_id"]: i["details"] for i in found}
    assert by_kernel["ka"]["cause"] == "oom" and by_kernel["ka"]["oom_kill_delta"] == 1
    assert by_kernel["ka"]["limit_bytes"] == 2 * GiB
    assert by_kernel["ka"]["peak_bytes"] == 2 * GiB  # the cgroup reached its limit
    assert by_kernel["kb"]["cause"] == "signal" and by_kernel["kb"]["oom_kill_delta"] == 0
    assert [e["kernel_id"] for e in hub["seen"]] == ["ka", "kb"]
    assert hub["seen"][0]["oom_killed"] is True and hub["seen"][1]["oom_killed"] is False

    # A rise no kernel death claims (another process was killed) stops counting after a while.
    clock.now += REPEAT_WINDOW + 1
    counter.write_text(text(7))
    await watchers.sample_once()
    clock.now += OOM_SETTLE + 1
    await watchers.sample_once()
    assert watchers.kernels["kb"].oom_baseline == 7
    b.die(-9)
    await settle()
    latest = hub["service"].incidents("dana")[0]
    assert latest["kernel_id"] == "kb" and latest["details"]["cause"] == "signal"


async def test_no_counter_falls_back_to_rss_near_limit(tmp_path: Path, hub: dict) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = make_proc(tmp_path / "proc", "0::/\n", {201: (int(1.8 * GiB), int(1.9 * GiB))})
    watchers = make_watchers(hub, empty, proc, environ={"MEM_LIMIT": str(2 * GiB)})
    kernel = await start(watchers, "k", 201)
    kernel.die(-9)
    await settle()
    (incident,) = hub["service"].incidents("dana")
    details = incident["details"]
    assert details["cause"] == "oom" and details["oom_kill_delta"] is None
    assert details["oom_evidence"] == "resident memory was 95% of the limit"
    assert details["memory"]["limit_source"] == "env:MEM_LIMIT"
    assert details["message"].startswith("Your kernel was stopped: it used 1.9 GiB of its 2.0 GiB")


async def test_user_shutdown_restart_and_server_stop_are_not_incidents(
    tmp_path: Path, hub: dict
) -> None:
    cg = make_v2(tmp_path / "cg", limit="max", current=GiB)
    pids = {301: (50 * MiB, 50 * MiB), 302: (50 * MiB, 50 * MiB), 303: (50 * MiB, 50 * MiB)}
    proc = make_proc(tmp_path / "proc", "0::/\n", pids)
    clock = Clock()
    watchers = make_watchers(hub, cg, proc, clock=clock)
    km = watchers.kernel_manager
    await start(watchers, "k1", 301)
    k2 = await start(watchers, "k2", 302)
    await start(watchers, "k3", 303)

    await km.shutdown_kernel("k1")  # the kernel dies *during* the user's call
    await km.restart_kernel(kernel_id="k2")
    await settle()
    assert km.calls == ["shutdown k1", "restart k2"]
    assert hub["service"].incidents("dana") == []
    # a death just after the user's restart is still theirs ...
    k2.die(-9)
    await settle()
    assert hub["service"].incidents("dana") == []
    # ... but not once the grace period is over
    clock.now += USER_ACTION_GRACE + 1
    k2.die(-9)
    await settle()
    assert [i["kernel_id"] for i in hub["service"].incidents("dana")] == ["k2"]

    km.shutdown_all()  # the server stops: all kernels die, watchers stop first
    await settle()
    assert watchers.stopping and len(hub["service"].incidents("dana")) == 1
    await watchers.stop()


async def test_crash_loop_gives_one_incident(tmp_path: Path, hub: dict) -> None:
    cg = make_v2(tmp_path / "cg", limit="max", current=GiB)
    proc = make_proc(tmp_path / "proc", "0::/\n", {401: (50 * MiB, 50 * MiB)})
    clock = Clock()
    watchers = make_watchers(hub, cg, proc, clock=clock)
    kernel = await start(watchers, "k", 401)
    for _ in range(5):  # the restarter retries; each try dies at once
        kernel.die(1)
        clock.now += 1
    kernel.die(1, event="dead")  # and finally gives up
    await settle()
    assert len(hub["service"].incidents("dana")) == 1
    clock.now += REPEAT_WINDOW
    kernel.die(-6)
    await settle()
    latest = hub["service"].incidents("dana")[0]["details"]
    assert latest["signal_name"] == "SIGABRT" and len(hub["service"].incidents("dana")) == 2


# -- memory pressure ------------------------------------------------------------------------


async def test_mem_limit_without_cgroup_sums_kernel_rss(tmp_path: Path, hub: dict) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    pids = {501: (600 * MiB, 600 * MiB), 502: (350 * MiB, 350 * MiB)}
    proc = make_proc(tmp_path / "proc", "0::/\n", pids)
    watchers = make_watchers(hub, empty, proc, environ={"MEM_LIMIT": "1G"})
    await start(watchers, "small", 502)
    await start(watchers, "big", 501)
    incident = await watchers.sample_once()
    assert incident is not None and incident["kind"] == "memory_pressure"
    assert incident["kernel_id"] == "big"
    details = incident["details"]
    assert details["usage_bytes"] == 950 * MiB and details["limit_bytes"] == GiB
    assert details["limit_source"] == "env:MEM_LIMIT"
    assert [k["kernel_id"] for k in details["kernels"]] == ["big", "small"]
    assert await watchers.sample_once() is None  # no repeat while still above
    await settle()
    assert [e["kind"] for e in hub["seen"]] == ["memory_pressure"]
    assert hub["seen"][0]["usage_bytes"] == 950 * MiB


async def test_v1_parent_limit_drives_memory_pressure(tmp_path: Path, hub: dict) -> None:
    """Before the v1 walk this layout read as "no limit" and never reported pressure."""
    cg = make_v1_nested(tmp_path / "cg", parent_limit=2 * GiB, usage=int(1.9 * GiB))
    proc = make_proc(tmp_path / "proc", "4:memory:/user.slice/jupyter\n0::/\n", {701: (GiB, GiB)})
    watchers = make_watchers(hub, cg, proc)
    await start(watchers, "k", 701)
    incident = await watchers.sample_once()
    assert incident is not None and incident["kind"] == "memory_pressure"
    details = incident["details"]
    assert (details["limit_bytes"], details["usage_bytes"]) == (2 * GiB, int(1.9 * GiB))
    assert details["limit_source"] == "cgroup1"


async def test_no_limit_never_reports_pressure(tmp_path: Path, hub: dict) -> None:
    cg = make_v2(tmp_path / "cg", limit="max", current=64 * GiB)
    proc = make_proc(tmp_path / "proc", "0::/\n", {601: (60 * GiB, 60 * GiB)})
    watchers = make_watchers(hub, cg, proc)
    await start(watchers, "k", 601)
    for _ in range(3):
        assert await watchers.sample_once() is None
    assert hub["service"].incidents("dana") == []


async def test_broken_files_and_managers_never_raise(tmp_path: Path, hub: dict) -> None:
    cg = make_v2(tmp_path / "cg", limit="garbage", current=GiB)
    (cg / "memory.events").write_text("oom_kill lots\n")
    proc = make_proc(tmp_path / "proc", "not a cgroup line")
    (proc / "701").mkdir()
    (proc / "701" / "status").write_text("VmRSS:\tbroken\n")
    watchers = make_watchers(hub, cg, proc)
    km = watchers.kernel_manager
    kernel = await start(watchers, "k", 701)
    km.get_kernel = lambda kid: (_ for _ in ()).throw(RuntimeError("boom"))  # type: ignore[method-assign]
    assert await watchers.sample_once() is None
    snap = watchers.snapshot()
    assert snap.limit_bytes is None and snap.oom_kill_count is None
    kernel.die(-9)  # get_kernel fails inside the callback too: still an incident, no crash
    await settle()
    (incident,) = hub["service"].incidents("dana")
    assert incident["details"]["exit_code"] is None and incident["details"]["cause"] == "unknown"
