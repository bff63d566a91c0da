"""Real IRkernel kernels through jupyter_client, started the way a test needs them: under a
memory limit (``prlimit --as``), as user ``nobody`` (root reads every file), with system
libraries hidden in a private mount namespace (overlay whiteouts, as on a server without the
package), or with extra environment (locale, proxy, ODBCSYSINI). ``run(code)`` returns what
the kernel published on IOPub for that cell: the error (ename, evalue, traceback), the stderr
and stdout streams, and the reply status. Every kernel is shut down by the context manager.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: Debian packages of the R tests (NOTES.md: R 4.2.2, IRkernel 1.3.2; CRAN is not reachable).
R_PACKAGES = (
    "r-base-core",
    "r-cran-irkernel",
    "r-cran-dbi",
    "r-cran-rodbc",
    "r-cran-rpostgresql",
    "r-cran-rmysql",
    "r-cran-curl",
    "r-cran-httr",
    "r-cran-httr2",
    "r-cran-data.table",
    "r-cran-rsqlite",
    "r-cran-rjava",
)
NOBODY = 65534
MULTIARCH = "/usr/lib/x86_64-linux-gnu"


def _kernel_cmd() -> list[str]:
    """argv of the IRkernel spec registered in this environment (``installspec``)."""
    from jupyter_client.kernelspec import KernelSpecManager

    return list(KernelSpecManager().get_kernel_spec("ir").argv)


def register_kernelspec(prefix: str = sys.prefix) -> str | None:
    """``IRkernel::installspec(prefix=<venv>)`` once; None on success, else the reason."""
    if os.path.exists(os.path.join(prefix, "share", "jupyter", "kernels", "ir", "kernel.json")):
        return None
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    res = subprocess.run(
        ["R", "--slave", "-e", f"IRkernel::installspec(prefix={json.dumps(prefix)})"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return None if res.returncode == 0 else f"IRkernel::installspec failed: {res.stderr[-400:]}"


def hide_files_script(paths: list[str]) -> str:
    """Shell lines that hide ``paths`` behind overlay whiteouts (run inside ``unshare -m``)."""
    lines = ["set -e"]
    by_dir: dict[str, list[str]] = {}
    for path in paths:
        by_dir.setdefault(os.path.dirname(path), []).append(os.path.basename(path))
    for n, (directory, names) in enumerate(sorted(by_dir.items())):
        d = f"$t/{n}"
        lines.append(f"mkdir -p {d}/up {d}/work")
        lines += [f"mknod {d}/up/{shlex.quote(name)} c 0 0" for name in names]
        lines.append(
            f"mount -t overlay overlay -o lowerdir={shlex.quote(directory)},upperdir={d}/up,"
            f"workdir={d}/work {shlex.quote(directory)}"
        )
    return "t=$(mktemp -d); " + "; ".join(lines)


@dataclass
class Setup:
    """How to start the kernel: environment, a memory limit, a user, files to hide."""

    env: dict[str, str] = field(default_factory=dict)
    address_space: int | None = None  # bytes (RLIMIT_AS, set before R starts)
    user: int | None = None
    hide: list[str] = field(default_factory=list)

    def needs_root(self) -> bool:
        return bool(self.user is not None or self.hide)


@dataclass
class Published:
    """One cell's IOPub output. IRkernel goes on after a failed top-level expression and
    publishes one error per failure (``library(x); f()`` gives two): ``ename``/``evalue``/
    ``traceback`` are the first (the cause), ``errors`` all of them."""

    code: str
    ename: str | None = None
    evalue: str | None = None
    traceback: list[str] | None = None
    stderr: str = ""
    stdout: str = ""
    status: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class RKernel:
    def __init__(self, km: Any, kc: Any) -> None:
        self.km, self.kc = km, kc

    def run(self, code: str, timeout: float = 120) -> Published:
        out = Published(code=code)
        msg_id = self.kc.execute(code)
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "error":
                error = {k: content[k] for k in ("ename", "evalue", "traceback")}
                out.errors.append(error)
                if len(out.errors) == 1:
                    out.ename, out.evalue = error["ename"], error["evalue"]
                    out.traceback = list(error["traceback"])
            elif kind == "stream":
                setattr(out, content["name"], getattr(out, content["name"]) + content["text"])
            elif kind == "status" and content["execution_state"] == "idle":
                break
        while True:
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                out.status = reply["content"]["status"]
                return out


def _argv(setup: Setup, workdir: str) -> list[str]:
    """The kernel's argv: the registered IRkernel command behind the wrappers ``setup`` asks
    for. The connection file is copied world-readable first (for ``nobody``)."""
    base = [a for a in _kernel_cmd() if a != "{connection_file}"]
    readable = os.path.join(workdir, "connection.json")
    steps = [f'install -m 644 "$1" {readable}']
    if setup.hide:
        steps.append(hide_files_script(setup.hide))
    inner = shlex.join([*base, readable])
    if setup.user is not None:
        inner = f"setpriv --reuid={setup.user} --regid={setup.user} --clear-groups {inner}"
    if setup.address_space is not None:
        inner = f"prlimit --as={setup.address_space} -- {inner}"
    steps.append(f"exec {inner}")
    script = "; ".join(steps)
    if setup.hide:
        return ["unshare", "-m", "sh", "-c", script, "sh", "{connection_file}"]
    return ["sh", "-c", script, "sh", "{connection_file}"]


@contextmanager
def r_kernel(setup: Setup | None = None, startup_timeout: float = 90) -> Iterator[RKernel]:
    """A started IRkernel (shut down on exit)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    setup = setup or Setup()
    workdir = tempfile.mkdtemp(prefix="itb-r-")
    os.chmod(workdir, 0o755)
    spec_dir = os.path.join(workdir, "kernels", "itb-r")
    os.makedirs(spec_dir)
    with open(os.path.join(spec_dir, "kernel.json"), "w") as fh:
        json.dump({"argv": _argv(setup, workdir), "display_name": "R", "language": "R"}, fh)
    home = os.path.join(workdir, "home")
    os.makedirs(home)
    if setup.user is not None:
        os.chown(home, setup.user, setup.user)
    env = {**os.environ, "HOME": home, "R_LIBS_USER": os.path.join(home, "R"), **setup.env}
    km = KernelManager(
        kernel_name="itb-r",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[os.path.dirname(spec_dir)]),
    )
    km.start_kernel(env=env, cwd=workdir)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=startup_timeout)
        yield RKernel(km, kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        shutil.rmtree(workdir, ignore_errors=True)
