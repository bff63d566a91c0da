"""Plain helpers shared by the detection tests (importable: conftest puts this dir on sys.path)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

from jupyter_itbridge.findings import Finding


def hide_libraries_wrapper(*libs: str) -> Callable[[list[str]], list[str]]:
    """Run the child in a private mount namespace where ``libs`` do not exist (an overlay with
    whiteouts over the multiarch library dir): the loader then fails exactly as on a server
    without the package. Needs root and overlayfs; callers skip otherwise."""
    libdir = "/usr/lib/x86_64-linux-gnu"

    def wrap(cmd: list[str]) -> list[str]:
        quoted = " ".join(_shq(c) for c in cmd)
        mknods = " && ".join(f"mknod $d/up/{lib} c 0 0" for lib in libs)
        script = (
            "set -e; d=$(mktemp -d); mkdir $d/up $d/work; "
            f"{mknods}; "
            f"mount -t overlay overlay -o lowerdir={libdir},upperdir=$d/up,workdir=$d/work "
            f"{libdir}; exec {quoted}"
        )
        return ["unshare", "-m", "sh", "-c", script]

    return wrap


def _shq(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def can_hide_libraries() -> str | None:
    """None if overlay whiteouts work here, else the reason (root + unshare + overlayfs)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return "needs root and unshare(1) to hide a system library in a private mount namespace"
    if not os.path.isdir("/usr/lib/x86_64-linux-gnu"):
        return "not a Debian x86_64 multiarch layout"
    res = subprocess.run(
        hide_libraries_wrapper("libnothing.so.0")(["true"]),
        capture_output=True,
        text=True,
        check=False,
    )
    return None if res.returncode == 0 else f"overlay mount not permitted: {res.stderr.strip()}"


def only(findings: list[Finding], shown: bool = True) -> Finding:
    """The single (shown) finding, with a readable failure otherwise."""
    pool = [f for f in findings if f.shown] if shown else findings
    assert len(pool) == 1, [(f.kind, f.subject, f.confidence) for f in findings]
    return pool[0]
