"""limits.py readers on fixture trees laid out like /sys/fs/cgroup: v2 with a limit, v1 with a
limit (own, on a parent, only in memory.stat, in a container's mount), and no limit ("max" or
v1's PAGE_COUNTER_MAX), plus MEM_LIMIT, RLIMITs and disk space."""

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


V1_NO_LIMIT = "9223372036854771712"  # PAGE_COUNTER_MAX * 4 KiB, as read on Linux 6.18 here


def _v1_cgroup(root, rel: str, limit: str, usage: int = 0, stat_limit: str | None = None, **f):
    """One v1 memory cgroup directory under ``root/memory`` (``rel`` "" = the mount root)."""
    d = f"memory/{rel}".rstrip("/")
    _write(root, f"{d}/memory.limit_in_bytes", f"{limit}\n")
    _write(root, f"{d}/memory.usage_in_bytes", f"{usage}\n")
    _write(root, f"{d}/memory.use_hierarchy", f"{f.get('use_hierarchy', 1)}\n")
    if stat_limit is not None:
        _write(
            root,
            f"{d}/memory.stat",
            f"cache 0\nrss {usage}\nhierarchical_memory_limit {stat_limit}\n"
            f"hierarchical_memsw_limit {V1_NO_LIMIT}\ntotal_rss {usage}\n",
        )


def _v1_proc(tmp_path, rel: str):
    proc = tmp_path / "proc_self_cgroup"
    proc.write_text(f"9:name=systemd:/\n5:devices:/\n4:memory:{rel}\n1:cpu:/\n0::/\n")
    return str(proc)


def test_cgroup_v1_limit_only_on_the_parent(tmp_path) -> None:
    """systemd slice / docker --memory on the parent; the process sits in an unlimited child
    (whose own file says "no limit", as the kernel shows it)."""
    root = tmp_path / "cgroup"
    _v1_cgroup(root, "", V1_NO_LIMIT, 10 * GIB)
    _v1_cgroup(root, "user.slice", str(2 * GIB), GIB)
    _v1_cgroup(root, "user.slice/jupyter-ana.scope", V1_NO_LIMIT, GIB // 2)
    proc = _v1_proc(tmp_path, "/user.slice/jupyter-ana.scope")
    snap = limits.memory_snapshot(str(root), proc, environ={})
    assert (snap.limit_bytes, snap.usage_bytes, snap.source) == (2 * GIB, GIB // 2, "cgroup1")
    assert snap.cgroup_path == str(root / "memory" / "user.slice" / "jupyter-ana.scope")


def test_cgroup_v1_limits_on_both_take_the_smaller(tmp_path) -> None:
    root = tmp_path / "cgroup"
    cg = "kubepods/pod1/abc"
    _v1_cgroup(root, "kubepods", str(64 * GIB))
    _v1_cgroup(root, "kubepods/pod1", str(4 * GIB))
    _v1_cgroup(root, cg, str(6 * GIB), GIB)
    proc = _v1_proc(tmp_path, f"/{cg}")
    assert limits.memory_snapshot(str(root), proc, environ={}).limit_bytes == 4 * GIB
    _v1_cgroup(root, cg, str(3 * GIB), GIB)
    assert limits.memory_snapshot(str(root), proc, environ={}).limit_bytes == 3 * GIB


def test_cgroup_v1_parent_without_hierarchy_does_not_count(tmp_path) -> None:
    """Old kernels: a parent with use_hierarchy=0 does not charge (or limit) its children."""
    root = tmp_path / "cgroup"
    _v1_cgroup(root, "", V1_NO_LIMIT)
    _v1_cgroup(root, "a", str(GIB), use_hierarchy=0)
    _v1_cgroup(root, "a/b", V1_NO_LIMIT)
    proc = _v1_proc(tmp_path, "/a/b")
    assert limits.memory_snapshot(str(root), proc, environ={}).limit_bytes is None


def test_cgroup_v1_unlimited_everywhere(tmp_path) -> None:
    root = tmp_path / "cgroup"
    # 4 KiB and 64 KiB page sentinels, the pre-3.19 u64 max and a 32-bit kernel's sentinel.
    _v1_cgroup(root, "", "9223372036854710272", stat_limit=V1_NO_LIMIT)
    _v1_cgroup(root, "system.slice", "18446744073709551615")
    _v1_cgroup(root, "system.slice/jupyter", str((2**31 - 1) * 4096), GIB, stat_limit=V1_NO_LIMIT)
    proc = _v1_proc(tmp_path, "/system.slice/jupyter")
    snap = limits.memory_snapshot(str(root), proc, environ={})
    assert (snap.limit_bytes, snap.usage_bytes, snap.source) == (None, GIB, "cgroup1")
    snap = limits.memory_snapshot(str(root), proc, environ={"MEM_LIMIT": "3G"})
    assert (snap.limit_bytes, snap.source) == (3 * GIB, "env:MEM_LIMIT")


def test_cgroup_v1_container_mount_rooted_at_its_cgroup(tmp_path) -> None:
    """No cgroup namespace (docker on v1 hosts): /proc/self/cgroup says /docker/<id>/..., but
    the container's mount shows /docker/<id> as its root. The limit set on /docker/<id> is at
    the mount root; one set above it is only visible in memory.stat."""
    cid = "4f1e" * 16
    root = tmp_path / "cgroup"
    _v1_cgroup(root, "", str(2 * GIB), GIB)  # = /docker/<id> on the host (docker --memory 2g)
    _v1_cgroup(root, "jupyter", V1_NO_LIMIT, GIB // 4)  # a child cgroup the server runs in
    snap = limits.memory_snapshot(str(root), _v1_proc(tmp_path, f"/docker/{cid}/jupyter"), {})
    assert (snap.limit_bytes, snap.usage_bytes) == (2 * GIB, GIB // 4)
    assert snap.cgroup_path == str(root / "memory" / "jupyter")
    snap = limits.memory_snapshot(str(root), _v1_proc(tmp_path, f"/docker/{cid}"), {})
    assert (snap.limit_bytes, snap.usage_bytes) == (2 * GIB, GIB)
    assert snap.cgroup_path == str(root / "memory")

    # A limit on a host cgroup above the mount (a kubepods/slice parent): memory.stat has it.
    hidden = tmp_path / "hidden"
    _v1_cgroup(hidden, "", V1_NO_LIMIT, GIB, stat_limit=str(GIB + GIB // 2))
    snap = limits.memory_snapshot(str(hidden), _v1_proc(tmp_path, f"/docker/{cid}"), {})
    assert snap.limit_bytes == GIB + GIB // 2


def test_cgroup_v1_full_path_wins_over_a_same_named_suffix(tmp_path) -> None:
    """On a host mount (rooted at /) the listed path exists and is used, not a look-alike."""
    root = tmp_path / "cgroup"
    _v1_cgroup(root, "", V1_NO_LIMIT)
    _v1_cgroup(root, "a", str(GIB))
    _v1_cgroup(root, "a/jupyter", V1_NO_LIMIT, 7)
    _v1_cgroup(root, "jupyter", str(8 * GIB), 9)
    snap = limits.memory_snapshot(str(root), _v1_proc(tmp_path, "/a/jupyter"), environ={})
    assert (snap.limit_bytes, snap.usage_bytes) == (GIB, 7)
    # A path outside our cgroup namespace ("/../x") is never resolved against the mount.
    snap = limits.memory_snapshot(str(root), _v1_proc(tmp_path, "/../jupyter"), environ={})
    assert snap.cgroup_path == str(root / "memory")


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
