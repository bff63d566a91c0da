"""limits.py readers on fixture trees laid out like /sys/fs/cgroup: v2 with a limit, v1 with a
limit, and no limit ("max"), plus MEM_LIMIT, RLIMITs and disk space."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

from jupyter_itbridge import limits

GIB = 1 << 30


def _write(root, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _v2(tmp_path, max_value: str, parent_max: str = "max"):
    root = tmp_path / "cgroup"
    _write(root, "cgroup.controllers", "cpu memory pids\n")
    _write(root, "user.slice/memory.max", parent_max + "\n")
    _write(root, "user.slice/memory.current", "1\n")
    cg = "user.slice/jupyter-ana.scope"
    _write(root, f"{cg}/memory.max", max_value + "\n")
    _write(root, f"{cg}/memory.current", f"{3 * GIB}\n")
    _write(root, f"{cg}/memory.peak", f"{4 * GIB - 4096}\n")
    _write(root, f"{cg}/memory.events", "low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\n")
    proc = tmp_path / "proc_self_cgroup"
    proc.write_text(f"0::/{cg}\n")
    return str(root), str(proc)


def test_cgroup_v2_with_limit(tmp_path) -> None:
    root, proc = _v2(tmp_path, str(4 * GIB))
    snap = limits.memory_snapshot(root, proc, environ={})
    assert snap == limits.MemorySnapshot(
        4 * GIB,
        3 * GIB,
        4 * GIB - 4096,
        2,
        "cgroup2",
        os.path.join(root, "user.slice", "jupyter-ana.scope"),
    )


def test_cgroup_v2_limit_inherited_from_parent(tmp_path) -> None:
    root, proc = _v2(tmp_path, "max", parent_max=str(2 * GIB))
    assert limits.memory_snapshot(root, proc, environ={}).limit_bytes == 2 * GIB


def test_cgroup_v2_no_limit_then_mem_limit_env(tmp_path) -> None:
    root, proc = _v2(tmp_path, "max")
    snap = limits.memory_snapshot(root, proc, environ={})
    assert (snap.limit_bytes, snap.source, snap.usage_bytes) == (None, "cgroup2", 3 * GIB)
    snap = limits.memory_snapshot(root, proc, environ={"MEM_LIMIT": str(8 * GIB)})
    assert (snap.limit_bytes, snap.source, snap.usage_bytes) == (8 * GIB, "env:MEM_LIMIT", 3 * GIB)


def test_cgroup_v1_with_limit(tmp_path) -> None:
    root = tmp_path / "cgroup"
    cg = "memory/kubepods/pod1/abc"
    _write(root, f"{cg}/memory.limit_in_bytes", f"{2 * GIB}\n")
    _write(root, f"{cg}/memory.usage_in_bytes", f"{GIB}\n")
    _write(root, f"{cg}/memory.max_usage_in_bytes", f"{2 * GIB - 1}\n")
    _write(root, f"{cg}/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n")
    proc = tmp_path / "proc"
    proc.write_text("12:pids:/kubepods/pod1/abc\n4:memory:/kubepods/pod1/abc\n0::/\n")
    snap = limits.memory_snapshot(str(root), str(proc), environ={})
    assert (
        snap.limit_bytes,
        snap.usage_bytes,
        snap.peak_bytes,
        snap.oom_kill_count,
        snap.source,
    ) == (2 * GIB, GIB, 2 * GIB - 1, 5, "cgroup1")


def test_cgroup_v1_unlimited_and_namespaced_path(tmp_path) -> None:
    """Inside a container the listed path may not exist: the namespace root is used."""
    root = tmp_path / "cgroup"
    _write(root, "memory/memory.limit_in_bytes", "9223372036854771712\n")
    _write(root, "memory/memory.usage_in_bytes", "1000\n")
    proc = tmp_path / "proc"
    proc.write_text("4:memory:/process_api/f73d\n")
    snap = limits.memory_snapshot(str(root), str(proc), environ={})
    assert (snap.limit_bytes, snap.usage_bytes, snap.source) == (None, 1000, "cgroup1")


def test_no_cgroup_at_all(tmp_path) -> None:
    snap = limits.memory_snapshot(str(tmp_path / "none"), str(tmp_path / "none2"), environ={})
    assert snap == limits.MemorySnapshot(None, None, None, None, "none")
    snap = limits.memory_snapshot(
        str(tmp_path / "none"), str(tmp_path / "x"), environ={"MEM_LIMIT": "512M"}
    )
    assert (snap.limit_bytes, snap.source) == (512 << 20, "env:MEM_LIMIT")


def test_this_machine_reads_without_error() -> None:
    snap = limits.memory_snapshot()
    assert snap.source in {"cgroup2", "cgroup1", "env:MEM_LIMIT", "none"}


def test_rlimits_in_a_child_process() -> None:
    code = (
        f"import resource, sys, json; sys.path.insert(0, {os.getcwd()!r})\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({2 * GIB}, {2 * GIB}))\n"
        "from jupyter_itbridge import limits; print(json.dumps(limits.rlimits()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert f'"RLIMIT_AS": {2 * GIB}' in out
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    assert limits.rlimits()["RLIMIT_AS"] == (None if soft == resource.RLIM_INFINITY else soft)


def test_disk_snapshot_walks_up_to_existing_dir(tmp_path) -> None:
    snap = limits.disk_snapshot(str(tmp_path / "not" / "yet" / "file.parquet"))
    assert snap is not None and snap.path == str(tmp_path)
    assert snap.total_bytes >= snap.free_bytes > 0


def test_parse_and_format_sizes() -> None:
    assert limits.parse_size("4294967296") == 4 * GIB
    assert limits.parse_size("4G") == 4 * GIB
    assert limits.parse_size("1.5GiB") == 3 * GIB // 2
    assert limits.parse_size("lots") is None
    assert limits.format_bytes(8 * GIB) == "8.0 GiB"
    assert limits.format_bytes(None) == "unknown"
