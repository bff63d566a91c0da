"""resource_limit from REAL failures: MemoryError and numpy's _ArrayMemoryError under an
RLIMIT_AS set in a child process, ENOSPC on a 1 MiB tmpfs, SQLite "database or disk is full"."""

from __future__ import annotations

import os
import shutil
import sqlite3
import traceback

import pytest
from itb_helpers import only

from jupyter_itbridge.detect import diagnose, diagnose_text

LIMIT_AS = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB address space
"""


def test_memory_error_under_rlimit_as(run_child) -> None:
    res = run_child("blob = bytearray(3 * (1 << 30))", setup=LIMIT_AS)
    assert res["ename"] == "MemoryError"
    f = only(res["objects"])
    assert (f.kind, f.subject, f.confidence) == ("resource_limit", "memory", "high")
    assert f.evidence["RLIMIT_AS"] == "1.0 GiB"  # the limit in force, read in the child
    assert f.evidence["memory_limit_source"] in {"cgroup2", "cgroup1", "env:MEM_LIMIT", "none"}
    assert only(diagnose_text(res["ename"], res["evalue"], res["traceback"])).subject == "memory"


def test_numpy_array_memory_error_under_rlimit_as(run_child) -> None:
    res = run_child("import numpy as np\nnp.ones((1 << 31,), dtype='float64')", setup=LIMIT_AS)
    # numpy's _ArrayMemoryError displays itself as "MemoryError" (that is the IOPub ename)
    assert res["ename"] in {"MemoryError", "_ArrayMemoryError"}
    assert res["evalue"].startswith("Unable to allocate 16.0 GiB")
    f = only(res["objects"])
    assert (f.kind, f.subject) == ("resource_limit", "memory")
    assert f.evidence["requested"] == "16.0 GiB"
    assert "16.0 GiB" in f.title
    text = only(diagnose_text(res["ename"], res["evalue"], res["traceback"]))
    assert text.fingerprint == f.fingerprint


def test_absurd_allocation_is_a_shape_bug_not_shown(run_child) -> None:
    """More than the whole machine's RAM: the user's bug, not a limit IT can raise."""
    res = run_child("import numpy as np\nnp.zeros((10**7, 10**7))")
    assert res["evalue"].startswith("Unable to allocate 728. TiB")
    assert not any(f.shown for f in res["objects"])


def _tmpfs(mnt, options: str):
    return lambda cmd: [
        "unshare",
        "-m",
        "sh",
        "-c",
        f'mount -t tmpfs -o {options} tmpfs {mnt} && exec "$@"',
        "sh",
        *cmd,
    ]


def test_enospc_on_a_full_tmpfs(run_child, tmp_path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root to mount a 1 MiB tmpfs (in a private mount namespace)")
    mnt = tmp_path / "small"
    mnt.mkdir()
    # 1. data writes fill the disk (a failed write carries no file name)
    res = run_child(
        f"with open({str(mnt / 'out.bin')!r}, 'wb') as fh:\n"
        "    for _ in range(64):\n        fh.write(b'x' * 65536)\n        fh.flush()",
        wrapper=_tmpfs(mnt, "size=1m"),
    )
    assert res["ename"] == "OSError" and "[Errno 28]" in res["evalue"]
    f = only(res["objects"])
    assert (f.kind, f.subject) == ("resource_limit", "disk")
    assert only(diagnose_text(res["ename"], res["evalue"], res["traceback"])).subject == "disk"
    # 2. no inode left: open() fails with the path, so the evidence measures that disk
    res = run_child(
        f"for i in range(100):\n    open({str(mnt)!r} + f'/part-{{i}}.csv', 'w').close()",
        wrapper=_tmpfs(mnt, "size=1m,nr_inodes=8"),
    )
    assert "[Errno 28]" in res["evalue"]
    f = only(res["objects"])
    assert (f.kind, f.subject) == ("resource_limit", "disk")
    assert f.evidence["path"].startswith(str(mnt))
    assert f.evidence["disk_total"] == "1.0 MiB"


def test_sqlite_database_or_disk_is_full(tmp_path) -> None:
    con = sqlite3.connect(tmp_path / "small.db")
    con.execute("PRAGMA max_page_count = 8")
    con.execute("CREATE TABLE t (x BLOB)")
    with pytest.raises(sqlite3.OperationalError) as info:
        for _ in range(100):
            con.execute("INSERT INTO t VALUES (?)", (b"x" * 4096,))
    con.close()
    assert str(info.value) == "database or disk is full"
    for findings in (
        diagnose(info.value),
        diagnose_text("OperationalError", str(info.value), traceback.format_exception(info.value)),
    ):
        f = only(findings)
        assert (f.kind, f.subject, f.confidence) == ("resource_limit", "disk", "medium")
