"""Network filesystems: detection from statfs and mountinfo, the journal the store picks, and
what ``doctor`` reports.

Real filesystems here: a tmpfs (local) and a FUSE mount (bindfs, a userspace filesystem like
sshfs or s3fs: the kernel reports FUSE's statfs magic). NFS, SMB/CIFS, Lustre, GPFS, CephFS,
AFS, 9p and virtiofs cannot be mounted on this machine: they are tested through the pure
``classify`` with mountinfo lines as those filesystems write them, and a store given that
verdict really runs with a rollback journal.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from storage.helpers import run_cli  # type: ignore[import-not-found]
from system_deps import require_apt  # type: ignore[import-not-found]

from jupyter_itbridge.server.store import Store
from jupyter_itbridge.server.store_fs import (
    FsInfo,
    classify,
    detect,
    mount_for,
    parse_mountinfo,
    statfs_magic,
)

MOUNTINFO = r"""22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
40 22 0:45 / /home rw,relatime shared:30 - nfs4 fileserver.corp:/export/home rw,vers=4.2
41 40 253:2 / /home/alice/.local rw,relatime shared:31 - ext4 /dev/vdb1 rw
42 22 0:46 / /mnt/team\040share rw,relatime shared:32 - cifs //files.corp/team rw,vers=3.1.1
43 22 0:47 / /mnt/sshfs rw,nosuid,nodev,relatime shared:33 - fuse.sshfs alice@h:/d rw,user_id=0
44 22 0:48 / /lustre rw,flock,lazystatfs shared:34 - lustre 10.0.0.1@tcp:/scratch rw
45 22 0:49 / /gpfs/fs1 rw,relatime shared:35 - gpfs fs1 rw
46 22 0:50 / /cephfs rw,relatime shared:36 - ceph 10.0.0.2:6789:/ rw,name=admin
47 22 0:51 / /afs rw,relatime shared:37 - afs AFS rw
48 22 0:52 / /mnt/c rw,noatime shared:38 - 9p drvfs rw,dirsync,aname=drvfs;path=C:\;uid=1000
49 22 0:53 / /efs rw,relatime shared:39 - nfs4 fs-0123.efs.eu-west-1.amazonaws.com:/ rw,vers=4.1
50 22 0:54 / /azure rw,relatime shared:40 - smb3 //acct.file.core.windows.net/share rw
51 22 0:55 / /tmp rw,nosuid,nodev shared:41 - tmpfs tmpfs rw,size=1g
52 22 0:56 / /s3 rw,nosuid,nodev,relatime shared:42 - fuse.s3fs s3fs rw,user_id=0
53 22 0:57 / /host rw,relatime shared:43 - virtiofs hostshare rw
54 22 0:58 / /var/lib/docker rw,relatime - overlay overlay rw,lowerdir=/a:/b
55 22 0:59 / /old-nfs rw,relatime shared:44 - nfs oldfiler:/vol/home rw,vers=3
this line is not a mountinfo line
"""

CASES = [
    ("/srv/store/itbridge.sqlite3", "ext4", False, "/"),
    ("/home/alice/.local/share/jupyter/itbridge/x.sqlite3", "ext4", False, "/home/alice/.local"),
    ("/home/alice/itbridge.sqlite3", "nfs4", True, "/home"),
    ("/home", "nfs4", True, "/home"),
    ("/homework/x.sqlite3", "ext4", False, "/"),  # a prefix of the name is not the mount
    ("/mnt/team share/it/x.sqlite3", "cifs", True, "/mnt/team share"),
    ("/mnt/sshfs/x.sqlite3", "fuse.sshfs", True, "/mnt/sshfs"),
    ("/lustre/u/x.sqlite3", "lustre", True, "/lustre"),
    ("/gpfs/fs1/u/x.sqlite3", "gpfs", True, "/gpfs/fs1"),
    ("/cephfs/x.sqlite3", "ceph", True, "/cephfs"),
    ("/afs/cell/u/x.sqlite3", "afs", True, "/afs"),
    ("/mnt/c/Users/a/x.sqlite3", "9p", True, "/mnt/c"),
    ("/efs/x.sqlite3", "nfs4", True, "/efs"),
    ("/azure/x.sqlite3", "smb3", True, "/azure"),
    ("/tmp/x.sqlite3", "tmpfs", False, "/tmp"),
    ("/s3/x.sqlite3", "fuse.s3fs", True, "/s3"),
    ("/host/x.sqlite3", "virtiofs", True, "/host"),
    ("/var/lib/docker/x.sqlite3", "overlay", False, "/var/lib/docker"),
    ("/old-nfs/x.sqlite3", "nfs", True, "/old-nfs"),
]


@pytest.mark.parametrize(("path", "fstype", "network", "mount_point"), CASES)
def test_mountinfo_fixtures(path: str, fstype: str, network: bool, mount_point: str) -> None:
    info = classify(path, MOUNTINFO, None)
    assert (info.fstype, info.network, info.mount_point) == (fstype, network, mount_point)


def test_statfs_magic_alone_decides_and_wins() -> None:
    assert classify("/x", None, 0x6969) == FsInfo("nfs", True, magic=0x6969)
    assert classify("/x", None, 0xFF534D42).network  # CIFS
    assert classify("/x", None, 0xFE534D42).network  # SMB2
    assert classify("/x", None, 0x65735546).network  # FUSE
    assert classify("/x", None, 0x47504653).network  # GPFS
    assert (
        not classify("/x", None, 0xEF53).network and classify("/x", None, 0xEF53).fstype == "ext4"
    )
    assert classify("/x", None, 0x1234).fstype == "unknown (0x1234)"
    # mountinfo says ext4 (a stale or unusual table) but the kernel says NFS: network wins.
    assert classify("/srv/x", MOUNTINFO, 0x6969).network
    assert classify("/x", None, None) == FsInfo("unknown", False)


def test_stacked_mounts_last_one_wins() -> None:
    text = "1 0 0:1 / / rw - ext4 /dev/a rw\n2 1 0:2 / /data rw - ext4 /dev/b rw\n"
    text += "3 1 0:3 / /data rw - nfs4 srv:/data rw\n"
    mount = mount_for("/data/x", parse_mountinfo(text))
    assert mount is not None and mount.fstype == "nfs4"


def test_store_on_a_network_filesystem_uses_a_rollback_journal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The verdict for an NFS home (from a mountinfo line) makes a real SQLite store use
    journal_mode=DELETE with a long busy timeout, and says so once in the log."""
    mountinfo = f"1 0 0:1 / / rw - ext4 /dev/a rw\n2 1 0:2 / {tmp_path} rw - nfs4 srv:/h rw\n"
    probe = lambda p: classify(p, mountinfo, None)  # noqa: E731
    path = tmp_path / "itbridge" / "itbridge.sqlite3"
    with caplog.at_level(logging.WARNING, "jupyter_itbridge.store"):
        store = Store(str(path), fs_probe=probe)
    warnings = [r for r in caplog.records if "rollback journal" in r.getMessage()]
    assert len(warnings) == 1 and "nfs4" in warnings[0].getMessage()
    assert store.journal_mode == "delete" and store.filesystem.network
    assert store.db.scalar("PRAGMA journal_mode") == "delete"
    assert store.db.scalar("PRAGMA busy_timeout") == 30_000
    row = store.insert_request(user="a", summary="s", body="b", draft={}, backend="local")
    assert store.claim_due_requests("o", 30)[0]["uuid"] == row["uuid"]
    store.close()
    assert not (path.parent / "itbridge.sqlite3-wal").exists()


def _mount(*command: str) -> None:
    res = subprocess.run(command, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed: {res.stderr.strip()}")


def _umount(point: Path) -> None:
    for command in (["fusermount3", "-u", str(point)], ["fusermount", "-u", str(point)]):
        if shutil.which(command[0]) and subprocess.run(command, check=False).returncode == 0:
            return
    subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture
def tmpfs(tmp_path: Path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    point = tmp_path / "tmpfs"
    point.mkdir()
    _mount("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(point))
    yield point
    subprocess.run(["umount", str(point)], check=False)


@pytest.fixture
def fuse_dir(tmp_path: Path):
    """A real FUSE mount (bindfs) of a local folder."""
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        pytest.skip("a FUSE mount needs root and /dev/fuse")
    require_apt("bindfs")
    source, point = tmp_path / "fuse-src", tmp_path / "fuse"
    source.mkdir()
    point.mkdir()
    _mount("bindfs", str(source), str(point))
    yield point
    _umount(point)


def test_real_tmpfs_is_local_and_keeps_wal(tmpfs: Path) -> None:
    info = detect(str(tmpfs / "s.sqlite3"))
    assert (info.fstype, info.network, info.mount_point) == ("tmpfs", False, str(tmpfs))
    assert statfs_magic(str(tmpfs)) == 0x01021994
    store = Store(str(tmpfs / "store" / "s.sqlite3"))
    assert store.journal_mode == "wal" and store.db.scalar("PRAGMA journal_mode") == "wal"
    store.close()


def test_real_fuse_mount_gets_a_rollback_journal(fuse_dir: Path) -> None:
    assert statfs_magic(str(fuse_dir)) == 0x65735546
    path = str(fuse_dir / "store" / "s.sqlite3")
    assert detect(path).network
    stores = [Store(path), Store(path)]  # two connections, as two servers on one home
    assert all(s.journal_mode == "delete" for s in stores)
    assert stores[0].db.scalar("PRAGMA journal_mode") == "delete"
    for i in range(20):
        stores[i % 2].insert_request(user="a", summary=f"{i}", body="b", draft={}, backend="t")
    assert sorted(r["id"] for r in stores[1].list_requests()) == list(range(1, 21))
    for s in stores:
        s.close()


def test_doctor_reports_filesystem_and_journal(tmp_path: Path, fuse_dir: Path, tmpfs: Path) -> None:
    res = run_cli(
        tmp_path / "a", f"c.ITBridge.store_path = {str(fuse_dir / 's.sqlite3')!r}\n", "doctor"
    )
    assert res.returncode == 0, res.stdout + res.stderr
    line = next(x for x in res.stdout.splitlines() if "store filesystem" in x)
    assert line.strip().startswith("[warn]") and "fuse (network or userspace" in line
    assert "rollback journal (journal_mode=DELETE" in line and "local disk" in line
    res = run_cli(
        tmp_path / "b", f"c.ITBridge.store_path = {str(tmpfs / 's.sqlite3')!r}\n", "doctor"
    )
    line = next(x for x in res.stdout.splitlines() if "store filesystem" in x)
    assert line.strip().startswith("[  ok]") and "tmpfs (local" in line and "journal WAL" in line


def test_doctor_on_a_postgresql_store(tmp_path: Path, pg_url: str) -> None:
    url = pg_url.replace("itb@", "itb:not-a-real-secret@")  # trust auth ignores it
    res = run_cli(tmp_path, f"c.ITBridge.store_path = {url!r}\n", "doctor")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "no tables yet; the server will create them" in res.stdout
    assert "PostgreSQL at postgresql+psycopg://itb:***@127.0.0.1" in res.stdout
    assert "not-a-real-secret" not in res.stdout + res.stderr
    Store(pg_url).insert_request(user="a", summary="s", body="b", draft={}, backend="local")
    res = run_cli(tmp_path, f"c.ITBridge.store_path = {url!r}\n", "doctor")
    assert "is writable (1 request)" in res.stdout
