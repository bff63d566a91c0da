"""Helpers for the watcher tests: fake cgroup and /proc trees, real kernels, waiting."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

OWNER = "carol"
GiB = 1 << 30
Fetch = Callable[..., Awaitable[Any]]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def v2_events(oom_kill: int) -> str:
    return f"low 0\nhigh 0\nmax {oom_kill * 3}\noom {oom_kill}\noom_kill {oom_kill}\n"


def v1_oom_control(oom_kill: int) -> str:
    return f"oom_kill_disable 0\nunder_oom 0\noom_kill {oom_kill}\n"


def make_v2(root: Path, *, limit: str, current: int, peak: int | None = None, oom: int = 0) -> Path:
    """A cgroup v2 mount where this process's cgroup is the root (as in a container)."""
    files = {
        "cgroup.controllers": "cpuset cpu io memory pids\n",
        "memory.max": f"{limit}\n",
        "memory.current": f"{current}\n",
        "memory.events": v2_events(oom),
    }
    if peak is not None:
        files["memory.peak"] = f"{peak}\n"
    return write_tree(root, files)


def make_v1(root: Path, *, limit: int, usage: int, max_usage: int, oom: int = 0) -> Path:
    return write_tree(
        root,
        {
            "memory/memory.limit_in_bytes": f"{limit}\n",
            "memory/memory.usage_in_bytes": f"{usage}\n",
            "memory/memory.max_usage_in_bytes": f"{max_usage}\n",
            "memory/memory.oom_control": v1_oom_control(oom),
        },
    )


def make_proc(
    root: Path, cgroup_lines: str, pids: dict[int, tuple[int, int]] | None = None
) -> Path:
    """A fake /proc: ``self/cgroup`` and ``<pid>/status`` with VmRSS/VmHWM (kB)."""
    files = {"self/cgroup": cgroup_lines}
    for pid, (rss, hwm) in (pids or {}).items():
        files[f"{pid}/status"] = (
            f"Name:\tpython\nState:\tS (sleeping)\nPid:\t{pid}\n"
            f"VmHWM:\t{hwm // 1024} kB\nVmRSS:\t{rss // 1024} kB\nThreads:\t1\n"
        )
    return write_tree(root, files)


async def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll a sync or async predicate until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.05)


async def recordings_done(watchers: Any) -> None:
    """Wait until every incident the watchers started recording is stored and announced.

    A death is decided synchronously in the restarter callback; only the recording is a task.
    So once the callback ran, this replaces "sleep and hope nothing else arrives".
    """
    await wait_until(lambda: not watchers._pending, what="incident recordings to finish")


async def start_session(jp_fetch: Fetch, path: str) -> str:
    """Open a notebook session with a real python3 kernel (as JupyterLab does); its kernel id."""
    resp = await jp_fetch(
        "api",
        "sessions",
        method="POST",
        body=json.dumps({"path": path, "type": "notebook", "kernel": {"name": "python3"}}),
    )
    return json.loads(resp.body)["kernel"]["id"]


async def start_kernel(jp_fetch: Fetch) -> str:
    resp = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    return json.loads(resp.body)["id"]


async def run_code(serverapp: Any, kernel_id: str, code: str | None = None) -> None:
    """Wait until the kernel answers (fully started), optionally run code as a cell would."""
    client = serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        if code is not None:
            client.execute(code)
            await asyncio.sleep(0.2)
    finally:
        client.stop_channels()


async def watched_pid(serverapp: Any, itbridge: Any, kernel_id: str, ready: bool = True) -> int:
    """Wait until the kernel is ready and the watchers sampled its process; return its PID."""
    if ready:
        await run_code(serverapp, kernel_id)
    watchers = itbridge.watchers
    pid = serverapp.kernel_manager.get_kernel(kernel_id).provisioner.pid
    assert isinstance(pid, int) and os.path.exists(f"/proc/{pid}")
    since = watchers.clock()

    def sampled() -> bool:
        watch = watchers.kernels.get(kernel_id)
        return bool(watch and watch.attached_to and watch.samples and watch.samples[-1].at > since)

    await wait_until(sampled, what=f"kernel {kernel_id} to be watched")
    return pid


async def incidents(api: Any) -> list[dict[str, Any]]:
    code, body = await api("GET", "incidents")
    assert code == 200, body
    return body["incidents"]


async def kernels_settled(serverapp: Any, killed: dict[str, int] | None = None) -> None:
    """Wait until no kernel is half-way through an (auto-)restart.

    The restarter brings a killed kernel back; if the test ended mid-restart, the server's
    teardown ``shutdown_all`` would meet a kernel whose ``ready`` future is not done yet.
    ``killed`` maps kernel ids to the PIDs the test killed: those must have a new process.
    """
    mkm = serverapp.kernel_manager

    def settled() -> bool:
        kms = {kid: mkm.get_kernel(kid) for kid in mkm.list_kernel_ids()}
        if mkm._pending_kernels or not all(km.ready.done() for km in kms.values()):
            return False
        return all(
            kid in kms and kms[kid].provisioner is not None and kms[kid].provisioner.pid != pid
            for kid, pid in (killed or {}).items()
        )

    await wait_until(settled, what="kernels to finish restarting")
