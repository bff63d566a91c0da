"""Read the resource limits in force for this process (memory, address space, disk).

Pure stdlib and read-only, so detection can put "the limit was 4 GiB, usage 3.9 GiB" into a
finding's evidence and the server's watchers can sample memory pressure and OOM kills. Every
reader takes its root paths as arguments so tests point them at fixture trees (cgroup v2, v1,
no limit) instead of the machine's real ``/sys/fs/cgroup``.

Order of sources, most authoritative first: cgroup v2, cgroup v1, then the ``MEM_LIMIT``
environment variable that JupyterHub spawners set.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_CGROUP_ROOT = "/sys/fs/cgroup"
DEFAULT_PROC_CGROUP = "/proc/self/cgroup"

#: cgroup v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes: 9223372036854771712 with
#: 4 KiB pages, 9223372036854710272 with 64 KiB pages, 2**64 - 1 or 2**63 - 1 before Linux 3.19.
#: No real limit is anywhere near 2**60 bytes (1 EiB).
_V1_UNLIMITED = 1 << 60
#: 32-bit kernels: PAGE_COUNTER_MAX is LONG_MAX pages, i.e. (2**31 - 1) * page size bytes.
_V1_UNLIMITED_32BIT = frozenset((2**31 - 1) * page for page in (4096, 8192, 16384, 65536))


@dataclass(frozen=True)
class MemorySnapshot:
    """Memory limit and usage of this process's cgroup (any field may be unknown = None)."""

    limit_bytes: int | None
    usage_bytes: int | None
    peak_bytes: int | None
    oom_kill_count: int | None
    source: str  # "cgroup2", "cgroup1", "env:MEM_LIMIT" or "none"
    cgroup_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DiskSnapshot:
    """Space on the file system holding ``path`` (the nearest existing ancestor is measured)."""

    path: str
    total_bytes: int
    used_bytes: int
    free_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read().strip()
    except OSError:
        return None


def _read_int(path: str) -> int | None:
    text = _read(path)
    if text is None or text == "" or text == "max":
        return None
    try:
        return int(text.split()[0])
    except ValueError:
        return None


def _read_keyed(path: str, key: str) -> int | None:
    """Value of ``key N`` lines as in ``memory.events`` and ``memory.oom_control``."""
    text = _read(path)
    if not text:
        return None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            try:
                return int(parts[1])
            except ValueError:
                return None
    return None


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """``/proc/self/cgroup`` -> {"": v2 path, "memory": v1 path, ...} (controller -> path)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            out[""] = path
        for name in controllers.split(","):
            if name:
                out[name] = path
    return out


def _inside(root: str, rel: str) -> str:
    return os.path.normpath(os.path.join(root, rel.lstrip("/")))


def _locate(base: str, rel: str | None, marker: str) -> str | None:
    """The cgroup directory for ``rel`` under ``base``.

    ``rel`` (from ``/proc/self/cgroup``) is relative to the hierarchy's root, but a container's
    mount may be rooted deeper: without a cgroup namespace ``/proc/self/cgroup`` says
    ``/docker/<id>/x`` while the mount shows ``/docker/<id>`` as its root. So leading parts are
    dropped until a directory exists (``.../docker/<id>/x``, ``.../<id>/x``, ``.../x``), then
    ``base`` itself. With a mount rooted at ``/`` the full path exists and wins first.
    """
    parts = [x for x in (rel or "").split("/") if x and x != "."]
    if ".." in parts:  # a cgroup outside our namespace: only the mount root is ours to read
        parts = []
    candidates = [_inside(base, "/".join(parts[i:])) for i in range(len(parts))]
    candidates.append(base)
    for cand in candidates:
        if os.path.isfile(os.path.join(cand, marker)):
            return cand
    return None


def _ancestors(path: str, root: str) -> list[str]:
    """``path`` and its parents up to and including ``root``."""
    out = [path]
    root = os.path.normpath(root)
    while path != root and path.startswith(root):
        path = os.path.dirname(path)
        out.append(path)
    return out


def _v2_snapshot(cgroup_root: str, rel: str | None) -> MemorySnapshot | None:
    if not os.path.isfile(os.path.join(cgroup_root, "cgroup.controllers")):
        return None
    where = _locate(cgroup_root, rel, "memory.current") or _locate(cgroup_root, rel, "memory.max")
    if where is None:
        return None
    limits = [
        v
        for v in (_read_int(os.path.join(d, "memory.max")) for d in _ancestors(where, cgroup_root))
        if v is not None
    ]
    return MemorySnapshot(
        limit_bytes=min(limits) if limits else None,
        usage_bytes=_read_int(os.path.join(where, "memory.current")),
        peak_bytes=_read_int(os.path.join(where, "memory.peak")),
        oom_kill_count=_read_keyed(os.path.join(where, "memory.events"), "oom_kill"),
        source="cgroup2",
        cgroup_path=where,
    )


def _v1_limit(value: int | None) -> int | None:
    """A v1 ``*limit_in_bytes`` value, None for "no limit" (the PAGE_COUNTER_MAX sentinels)."""
    if value is None or value <= 0 or value >= _V1_UNLIMITED or value in _V1_UNLIMITED_32BIT:
        return None
    return value


def _v1_limits(where: str, base: str) -> list[int]:
    """Every v1 memory limit that applies to the cgroup ``where``.

    v1 enforces a parent's ``memory.limit_in_bytes`` on its children only through hierarchical
    accounting (``memory.use_hierarchy`` = 1, always on since Linux 5.x; the child's own file
    still says "no limit"). So: the cgroup's own limit, its visible parents' limits up to the
    first one without hierarchy, and ``memory.stat``'s ``hierarchical_memory_limit``, the
    kernel's own minimum over all ancestors, including those above a container's mount root.
    ``memory.memsw.limit_in_bytes`` (memory + swap) is not used: the kernel keeps it >= the
    memory limit, so it can never be the smaller one.
    """
    values = [_read_int(os.path.join(where, "memory.limit_in_bytes"))]
    for parent in _ancestors(where, base)[1:]:
        if _read(os.path.join(parent, "memory.use_hierarchy")) == "0":
            break  # not charged to this parent, nor (by the kernel's rule) to its ancestors
        values.append(_read_int(os.path.join(parent, "memory.limit_in_bytes")))
    values.append(_read_keyed(os.path.join(where, "memory.stat"), "hierarchical_memory_limit"))
    return [v for v in map(_v1_limit, values) if v is not None]


def _v1_snapshot(cgroup_root: str, rel: str | None) -> MemorySnapshot | None:
    base = os.path.join(cgroup_root, "memory")
    where = _locate(base, rel, "memory.limit_in_bytes")
    if where is None:
        return None
    limits = _v1_limits(where, base)
    return MemorySnapshot(
        limit_bytes=min(limits) if limits else None,
        usage_bytes=_read_int(os.path.join(where, "memory.usage_in_bytes")),
        peak_bytes=_read_int(os.path.join(where, "memory.max_usage_in_bytes")),
        oom_kill_count=_read_keyed(os.path.join(where, "memory.oom_control"), "oom_kill"),
        source="cgroup1",
        cgroup_path=where,
    )


def parse_size(text: str) -> int | None:
    """``"4294967296"``, ``"4G"``, ``"512M"`` -> bytes (JupyterHub sets plain bytes)."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if not text:
        return None
    factor = 1
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if text[-1] in units:
        factor = units[text[-1]]
        text = text[:-1]
    try:
        return int(float(text) * factor)
    except ValueError:
        return None


def memory_snapshot(
    cgroup_root: str = DEFAULT_CGROUP_ROOT,
    proc_cgroup: str = DEFAULT_PROC_CGROUP,
    environ: dict[str, str] | None = None,
) -> MemorySnapshot:
    """The memory limit, usage, peak and OOM-kill count in force, from the best source."""
    env = os.environ if environ is None else environ
    paths = parse_proc_cgroup(_read(proc_cgroup) or "")
    snap = _v2_snapshot(cgroup_root, paths.get("")) or _v1_snapshot(
        cgroup_root, paths.get("memory")
    )
    env_limit = parse_size(env.get("MEM_LIMIT", "")) if env.get("MEM_LIMIT") else None
    if snap is None:
        if env_limit is not None:
            return MemorySnapshot(env_limit, None, None, None, "env:MEM_LIMIT")
        return MemorySnapshot(None, None, None, None, "none")
    if snap.limit_bytes is None and env_limit is not None:
        return MemorySnapshot(
            env_limit,
            snap.usage_bytes,
            snap.peak_bytes,
            snap.oom_kill_count,
            "env:MEM_LIMIT",
            snap.cgroup_path,
        )
    return snap


def rlimits() -> dict[str, int | None]:
    """Soft RLIMIT_AS and RLIMIT_DATA in bytes (None = unlimited or not available)."""
    try:
        import resource
    except ImportError:  # Windows
        return {}
    out: dict[str, int | None] = {}
    for name in ("RLIMIT_AS", "RLIMIT_DATA"):
        which = getattr(resource, name, None)
        if which is None:
            continue
        soft, _hard = resource.getrlimit(which)
        out[name] = None if soft == resource.RLIM_INFINITY else soft
    return out


def disk_snapshot(path: str) -> DiskSnapshot | None:
    """Free space where ``path`` lives; walks up to an existing directory (the file may not
    exist, e.g. after a failed write)."""
    probe = os.path.abspath(path or ".")
    while probe and not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            return None
        probe = parent
    try:
        usage = shutil.disk_usage(probe)
    except OSError:
        return None
    return DiskSnapshot(probe, usage.total, usage.used, usage.free)


def format_bytes(value: int | None) -> str:
    """Human size, binary units: 8589934592 -> '8.0 GiB'."""
    if value is None:
        return "unknown"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"  # pragma: no cover


def memory_evidence(
    cgroup_root: str = DEFAULT_CGROUP_ROOT, proc_cgroup: str = DEFAULT_PROC_CGROUP
) -> dict[str, Any]:
    """The memory limits in force, as a flat dict ready for a finding's evidence."""
    snap = memory_snapshot(cgroup_root, proc_cgroup)
    out: dict[str, Any] = {
        "memory_limit": format_bytes(snap.limit_bytes) if snap.limit_bytes else "none found",
        "memory_limit_source": snap.source,
    }
    if snap.usage_bytes is not None:
        out["memory_usage"] = format_bytes(snap.usage_bytes)
    if snap.peak_bytes is not None:
        out["memory_peak"] = format_bytes(snap.peak_bytes)
    if snap.oom_kill_count is not None:
        out["oom_kill_count"] = snap.oom_kill_count
    for name, value in rlimits().items():
        if value is not None:
            out[name] = format_bytes(value)
    return out


@dataclass(frozen=True)
class ProcessMemory:
    """Resident memory of one process (``VmRSS``) and its high-water mark (``VmHWM``)."""

    pid: int
    rss_bytes: int
    hwm_bytes: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def process_memory(pid: int, proc_root: str = "/proc") -> ProcessMemory | None:
    """``/proc/<pid>/status`` -> RSS and peak RSS, or None once the process is gone.

    Why here: the server samples each kernel's memory so that, after the kernel is killed,
    it can still say how much it used (the process and its ``/proc`` entry are gone by then).
    """
    text = _read(os.path.join(proc_root, str(pid), "status"))
    if not text:
        return None
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            parts = rest.split()
            try:
                values[key] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
            except (IndexError, ValueError):
                continue
    if "VmRSS" not in values:  # zombie or kernel thread: no memory to report
        return None
    return ProcessMemory(pid, values["VmRSS"], values.get("VmHWM"))
