"""A real out-of-memory kill: a real server in a real memory cgroup, and a kernel that exceeds it.

The watcher tests read fixture trees; this one lets the Linux OOM killer do its work. The test
creates a child memory cgroup of its own (cgroup v2 where the machine has it, else the v1
memory controller), sets a limit, moves a real ``jupyter server`` into it as it starts, and
runs code in one of its kernels that allocates until the kernel is killed. The incident must
say it was the out-of-memory killer, name the limit and the kernel.
Needs root (creating a cgroup); skipped with the reason otherwise.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_kernel import Server, ServerKernel  # type: ignore[import-not-found]

from jupyter_itbridge.limits import format_bytes

CGROUP_ROOT = Path("/sys/fs/cgroup")
LIMIT = 640 * 1024 * 1024
#: Touches every page (``b"x" * n`` writes; ``bytearray(n)`` may stay unbacked).
HOG = "chunks = []\nwhile True:\n    chunks.append(b'x' * (32 << 20))\n"


class MemoryCgroup:
    """A child memory cgroup of this process's own, with a hard limit and no swap."""

    def __init__(self, limit: int) -> None:
        own = {
            parts[1]: parts[2]
            for parts in (
                line.split(":", 2)
                for line in Path("/proc/self/cgroup").read_text().split("\n")
                if line
            )
        }
        name = f"itbridge-oom-{os.getpid()}"
        v2 = (CGROUP_ROOT / "cgroup.controllers").is_file()
        if v2:
            parent = CGROUP_ROOT / own.get("", "/").lstrip("/")
            self.version = "v2"
        else:
            parent = CGROUP_ROOT / "memory" / own.get("memory", "/").lstrip("/")
            self.version = "v1"
        self.path = parent / name
        self.path.mkdir()
        if v2:
            (self.path / "memory.max").write_text(str(limit))
            with contextlib.suppress(OSError):
                (self.path / "memory.swap.max").write_text("0")
        else:
            (self.path / "memory.limit_in_bytes").write_text(str(limit))
            with contextlib.suppress(OSError):  # no swap accounting: nothing to cap
                (self.path / "memory.memsw.limit_in_bytes").write_text(str(limit))

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]

    def remove(self) -> None:
        """Kill what is left in it (only processes this test started live there), then remove."""
        for _ in range(50):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        with contextlib.suppress(OSError):
            self.path.rmdir()


def unavailable() -> str | None:
    if os.geteuid() != 0:
        return "creating a memory cgroup needs root"
    v2 = (CGROUP_ROOT / "cgroup.controllers").is_file()
    if v2 and "memory" not in (CGROUP_ROOT / "cgroup.controllers").read_text():
        return "cgroup v2 without the memory controller"
    if not v2 and not (CGROUP_ROOT / "memory").is_dir():
        return "no cgroup memory controller mounted"
    return None


@pytest.fixture
def cgroup() -> Iterator[MemoryCgroup]:
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    try:
        group = MemoryCgroup(LIMIT)
    except OSError as exc:  # e.g. v2 where our cgroup holds processes ("no internal tasks")
        pytest.skip(f"could not create a memory cgroup here: {exc}")
    yield group
    group.remove()


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"no {what} in {timeout} s")


def test_kernel_over_the_cgroup_limit_is_an_oom_incident(
    cgroup: MemoryCgroup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEM_LIMIT", raising=False)
    server = Server(
        tmp_path,
        {
            "store_path": str(tmp_path / "store.sqlite3"),
            "owner": "dora",
            "watch_interval": 0.2,
        },
        extra_config="\nc.KernelRestarter.time_to_dead = 0.5\n",
    )
    server.start(env={"JUPYTER_ITBRIDGE_DISABLE": "1"}, timeout=90, on_spawn=cgroup.add)
    try:
        assert server.proc is not None and server.proc.pid in cgroup.pids()
        kernel = ServerKernel(server, tmp_path / "runtime", notebook="big/join.ipynb")
        kernel_pid = wait_for(
            lambda: [p for p in cgroup.pids() if p != server.proc.pid], 30, "kernel process"
        )[0]
        time.sleep(1.0)  # a few watcher rounds: the kernel is sampled, the counter baselined
        kernel.kc.execute(HOG)
        incident = wait_for(
            lambda: [i for i in server.get("incidents")["incidents"] if i["kind"] == "kernel_died"],
            120,
            "kernel_died incident",
        )[0]
        kernel.kc.stop_channels()
        assert kernel_pid not in cgroup.pids(), "the kernel that went over the limit lives"
        assert server.proc.poll() is None, "the OOM killer took the server, not the kernel"
        details = incident["details"]
        assert incident["kernel_id"] == kernel.kernel_id
        assert incident["notebook_path"] == "big/join.ipynb"
        assert details["signal_name"] == "SIGKILL" and details["cause"] == "oom"
        assert details["oom_killed"] is True
        assert details["oom_evidence"] == "cgroup oom_kill counter rose"
        assert details["limit_bytes"] == LIMIT
        assert details["memory"]["limit_source"] == f"cgroup{cgroup.version[1]}"
        assert details["kernel_name"] == "python3"
        assert f"of its {format_bytes(LIMIT)} memory limit" in details["message"]
    finally:
        server.stop()
