"""access_denied from REAL failures: PermissionError on a root-owned shared folder read as
'nobody', and Debian's own pip refusing a PEP 668 externally-managed environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import traceback

import pytest
from itb_helpers import only

from jupyter_itbridge.detect import diagnose, diagnose_output, diagnose_text


def test_permission_denied_on_shared_path_outside_home(run_child, tmp_path) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root to create a root-only folder and drop to 'nobody'")
    shared = tmp_path / "shared" / "finance"
    shared.mkdir(parents=True)
    (shared / "q3.csv").write_text("a,b\n1,2\n")
    os.chmod(shared, 0o700)
    os.chmod(tmp_path, 0o755)
    os.chmod(tmp_path.parent, 0o755)
    os.chmod(tmp_path / "shared", 0o755)
    res = run_child(
        f"open({str(shared / 'q3.csv')!r}).read()",
        env={"HOME": "/nonexistent-home"},
        wrapper=lambda cmd: [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            *cmd,
        ],
    )
    assert res["ename"] == "PermissionError"
    f = only(res["objects"])
    assert f.kind == "access_denied"
    assert f.subject == f"path:{shared}"
    g = only(diagnose_text(res["ename"], res["evalue"], res["traceback"]))
    assert g.kind == "access_denied"


def test_permission_denied_inside_home_is_the_users_own(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    target = tmp_path / "notes.txt"
    exc = PermissionError(13, "Permission denied", str(target))  # what open() raises there
    assert not diagnose(exc)
    assert not diagnose_text("PermissionError", str(exc), traceback.format_exception(exc))


def test_pep668_externally_managed_environment() -> None:
    marker = "/usr/lib/python3.11/EXTERNALLY-MANAGED"
    if not (os.path.exists("/usr/bin/python3") and os.path.exists(marker)):
        pytest.skip("needs Debian's python3 with its EXTERNALLY-MANAGED marker")
    res = subprocess.run(
        ["/usr/bin/python3", "-m", "pip", "install", "somepkg"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )
    out = res.stdout + res.stderr
    if "No module named pip" in out:
        pytest.skip("Debian's python3 has no pip (apt-get install python3-pip)")
    assert "externally-managed-environment" in out
    f = only(diagnose_output(out))
    assert (f.kind, f.subject) == ("access_denied", "externally-managed-environment")
