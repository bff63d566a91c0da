"""Which filesystem holds the store: local disks keep SQLite's WAL, network ones must not.

Why: SQLite's WAL needs a shared-memory index (the ``-shm`` file, mmap'ed by every process
that opens the database) and POSIX locks that behave the same for every client. Network and
userspace filesystems (NFS, SMB/CIFS, FUSE, Lustre, GPFS, CephFS, AFS, 9p, ...) do not give
both, so a WAL database there can corrupt or fail with "database is locked" (the Jupyter
community had to move its own SQLite files off NFS home directories for that reason). On one
of those the store uses a rollback journal (``journal_mode=DELETE``) with busy timeouts.

Two sources, either one is enough: the ``statfs(2)`` magic number of the directory (the kernel's
own answer, read with ``ctypes`` because ``os.statvfs`` lacks ``f_type``) and the type of the
longest matching mount point in ``/proc/self/mountinfo`` (a pure parser, tested with fixtures).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from dataclasses import dataclass

#: ``statfs.f_type`` values (``linux/magic.h`` and the filesystems' own sources) that mean
#: "not a local disk": NFS, SMB (old and new), CIFS, FUSE, Lustre, GPFS, CephFS, AFS (both
#: kernels), 9p, Coda, NCP, OCFS2, GFS2, GlusterFS is FUSE, PanFS, BeeGFS, OrangeFS, virtiofs.
NETWORK_MAGIC: dict[int, str] = {
    0x6969: "nfs",
    0x517B: "smb",
    0xFF534D42: "cifs",
    0xFE534D42: "smb2",
    0x65735546: "fuse",
    0x0BD00BD0: "lustre",
    0x47504653: "gpfs",
    0x00C36400: "ceph",
    0x5346414F: "afs",
    0x6B414653: "afs",
    0x01021997: "9p",
    0x73757245: "coda",
    0x564C: "ncp",
    0x7461636F: "ocfs2",
    0x01161970: "gfs2",
    0xAAD7AAEA: "panfs",
    0x19830326: "beegfs",
    0x20030528: "orangefs",
    0x6A656A63: "virtiofs",
}

#: A few local ones, only so that a report can name them.
LOCAL_MAGIC: dict[int, str] = {
    0xEF53: "ext4",
    0x58465342: "xfs",
    0x9123683E: "btrfs",
    0x01021994: "tmpfs",
    0x794C7630: "overlay",
    0x2FC12FC1: "zfs",
    0xF2F52010: "f2fs",
    0x73717368: "squashfs",
    0x5346544E: "ntfs",
    0x4D44: "vfat",
}

#: mountinfo filesystem types (before any ``.subtype``) that are not local disks.
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "smb",
        "smbfs",
        "smb2",
        "smb3",
        "cifs",
        "fuse",
        "fuseblk",
        "lustre",
        "gpfs",
        "ceph",
        "afs",
        "kafs",
        "openafs",
        "9p",
        "coda",
        "ncpfs",
        "ocfs2",
        "gfs2",
        "glusterfs",
        "panfs",
        "beegfs",
        "orangefs",
        "pvfs2",
        "virtiofs",
        "davfs",
        "efs",
    }
)


@dataclass(frozen=True)
class Mount:
    """One line of ``/proc/self/mountinfo`` (the fields the store needs)."""

    mount_point: str
    fstype: str
    source: str


@dataclass(frozen=True)
class FsInfo:
    """What the store's directory is on, and whether SQLite's WAL is safe there."""

    fstype: str
    network: bool
    mount_point: str | None = None
    source: str | None = None
    magic: int | None = None

    def describe(self) -> str:
        """One phrase for logs and ``doctor``: ``nfs4 (network, mounted at /home)``."""
        where = f", mounted at {self.mount_point}" if self.mount_point else ""
        kind = "network or userspace filesystem" if self.network else "local"
        return f"{self.fstype} ({kind}{where})"


def _unescape(field: str) -> str:
    r"""mountinfo escapes space, tab, newline and backslash as ``\040`` etc. (octal)."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 4 <= len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[Mount]:
    """Mounts from ``/proc/<pid>/mountinfo`` text (see proc(5)); malformed lines are skipped.

    Format: ``id parent major:minor root mount_point options [optional...] - fstype source
    super_options``; the optional fields end at the lone ``-``.
    """
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields:
            continue
        sep = fields.index("-")
        if sep < 5 or len(fields) < sep + 2:
            continue
        source = _unescape(fields[sep + 2]) if len(fields) > sep + 2 else ""
        mounts.append(Mount(_unescape(fields[4]), fields[sep + 1], source))
    return mounts


def mount_for(path: str, mounts: list[Mount]) -> Mount | None:
    """The mount holding ``path`` (absolute): the longest matching mount point, last one wins
    when several are stacked on the same point (as the kernel does)."""
    best: Mount | None = None
    for mount in mounts:
        point = mount.mount_point.rstrip("/") or "/"
        inside = point == "/" or path == point or path.startswith(point + "/")
        if inside and (best is None or len(point) >= len(best.mount_point.rstrip("/") or "/")):
            best = mount
    return best


def is_network_type(fstype: str) -> bool:
    """``nfs4``, ``fuse.sshfs``, ``cifs`` ... -> True; ``ext4``, ``tmpfs``, ``overlay`` -> False."""
    return fstype.split(".", 1)[0].lower() in NETWORK_TYPES


def classify(path: str, mountinfo: str | None, magic: int | None) -> FsInfo:
    """Pure decision from the two sources (either may be missing): network if either says so."""
    mount = mount_for(path, parse_mountinfo(mountinfo)) if mountinfo else None
    by_magic = NETWORK_MAGIC.get(magic) if magic is not None else None
    network = by_magic is not None or (mount is not None and is_network_type(mount.fstype))
    if mount is not None:
        fstype = mount.fstype
    elif magic is not None:
        fstype = by_magic or LOCAL_MAGIC.get(magic) or f"unknown (0x{magic:x})"
    else:
        fstype = "unknown"
    return FsInfo(
        fstype=fstype,
        network=network,
        mount_point=mount.mount_point if mount else None,
        source=mount.source if mount else None,
        magic=magic,
    )


def existing_dir(path: str) -> str:
    """The nearest existing directory at or above the store's directory (it may not exist yet)."""
    current = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return os.path.realpath(current)


class _StatFs(ctypes.Structure):
    # Only the first member is read: ``f_type`` (``__fsword_t``, a C long on every Linux ABI).
    _fields_ = [("f_type", ctypes.c_long), ("_rest", ctypes.c_byte * 256)]


def statfs_magic(directory: str) -> int | None:
    """``statfs(2)``'s ``f_type`` for ``directory`` (Linux only; None elsewhere or on error)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        buf = _StatFs()
        if libc.statfs(os.fsencode(directory), ctypes.byref(buf)) != 0:
            return None
    except (OSError, AttributeError):
        return None
    return int(buf.f_type) & 0xFFFFFFFF


def read_mountinfo() -> str | None:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def detect(path: str) -> FsInfo:
    """The filesystem of the (future) store file ``path``."""
    directory = existing_dir(path)
    return classify(directory, read_mountinfo(), statfs_magic(directory))
