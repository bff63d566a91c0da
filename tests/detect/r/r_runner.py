"""Run the R scenarios in real kernels: build the places they need (loopback servers, a
root-only shared folder, a 1 MiB tmpfs, an ODBC config whose driver is absent), start one
kernel per setup and run that setup's cells in it. Used by the live test and by
``capture_corpus.py``.

Setups that need root (``nobody``, hidden libraries, the tmpfs) are reported as unavailable
elsewhere; the tests skip them with that reason (a failure under CI=true).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from r_scenarios import Scenario
from r_servers import loopback_servers, odbc_config
from rkernel_harness import MULTIARCH, NOBODY, Published, Setup, r_kernel

UTF8 = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
ASCII = {"LANG": "C", "LC_ALL": "C"}
#: RLIMIT_AS for the memory setup: R and IRkernel start in ~0.5 GB; 2-3 GB vectors fail.
ADDRESS_SPACE = 1_500_000_000
ROOT_SETUPS = frozenset(
    {"nobody", "nobody_ascii", "no_odbc", "no_libpq", "no_mariadb", "no_jvm", "disk"}
)


@dataclass
class Resources:
    """Placeholders for scenario code (ports of the loopback servers, folders)."""

    values: dict[str, Any] = field(default_factory=dict)
    odbc_dir: str = ""

    def fill(self, text: str) -> str:
        return text.format(**self.values)


def _jvm_library() -> str | None:
    found = sorted(glob.glob("/usr/lib/jvm/*/lib/server/libjvm.so"))
    target = os.path.realpath("/usr/lib/jvm/default-java/lib/server/libjvm.so")
    return target if os.path.exists(target) else (found[0] if found else None)


def setup_for(name: str, res: Resources) -> Setup:
    port = res.values
    proxied = {"no_proxy": "127.0.0.1,localhost"}
    table: dict[str, Callable[[], Setup]] = {
        "utf8": lambda: Setup(env=UTF8),
        "ascii": lambda: Setup(env=ASCII),
        "odbc": lambda: Setup(env={**UTF8, "ODBCSYSINI": res.odbc_dir}),
        "memory": lambda: Setup(env=UTF8, address_space=ADDRESS_SPACE),
        "vsize": lambda: Setup(env={**UTF8, "R_MAX_VSIZE": "200Mb"}),
        "nobody": lambda: Setup(env=UTF8, user=NOBODY),
        "nobody_ascii": lambda: Setup(env=ASCII, user=NOBODY),
        "no_odbc": lambda: Setup(env=UTF8, hide=[f"{MULTIARCH}/libodbc.so.2"]),
        "no_libpq": lambda: Setup(env=UTF8, hide=[f"{MULTIARCH}/libpq.so.5"]),
        "no_mariadb": lambda: Setup(env=UTF8, hide=[f"{MULTIARCH}/libmariadb.so.3"]),
        "no_jvm": lambda: Setup(env=UTF8, hide=[_jvm_library() or "/nonexistent/libjvm.so"]),
        "disk": lambda: Setup(env=UTF8),
        **{
            name: (lambda p=name: Setup(env={**UTF8, **proxied, **_proxy_env(port[p])}))
            for name in ("proxy403", "proxy407", "intercept")
        },
    }
    return table[name]()


def _proxy_env(port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}"
    return {"https_proxy": url, "http_proxy": url, "HTTPS_PROXY": url, "HTTP_PROXY": url}


def unavailable(setup: str) -> str | None:
    """Why ``setup`` cannot run here (None: it can)."""
    if setup in ROOT_SETUPS and os.geteuid() != 0:
        return f"setup '{setup}' needs root (another user, a private mount namespace or tmpfs)"
    if setup in ROOT_SETUPS and not shutil.which("unshare"):
        return "needs unshare(1) (util-linux)"
    if setup == "no_jvm" and _jvm_library() is None:
        return "no JVM installed (r-cran-rjava pulls default-jre)"
    return None


@contextmanager
def _tmpfs(size: str = "1m") -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="itb-r-tiny-")
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=1777", "tmpfs", path], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)
        os.rmdir(path)


def _private_dir(root: str, files: dict[str, str]) -> str:
    """A root-owned folder only root may enter, holding ``files``."""
    path = tempfile.mkdtemp(prefix="itb-r-", dir=root)
    for name, text in files.items():
        with open(os.path.join(path, name), "w") as fh:
            fh.write(text)
    os.chmod(path, 0o700)
    return path


@contextmanager
def resources(root_setups: bool) -> Iterator[Resources]:
    with ExitStack() as stack:
        ports = stack.enter_context(loopback_servers())
        res = Resources(values=dict(ports))
        odbc_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="itb-r-odbc-"))
        odbc_config(odbc_dir)
        res.odbc_dir = odbc_dir
        if root_setups:
            shared_root = "/srv" if os.path.isdir("/srv") else tempfile.gettempdir()
            shared = _private_dir(shared_root, {"q3.csv": "a,b\n1,2\n", "model.rds": "x"})
            stack.callback(shutil.rmtree, shared, True)
            home_private = _private_dir("/home", {"notes.csv": "a\n1\n"})
            stack.callback(shutil.rmtree, home_private, True)
            res.values.update(
                shared=shared, home_private=home_private, tiny=stack.enter_context(_tmpfs())
            )
        yield res


def run_setup(
    setup: str, scenarios: list[Scenario], res: Resources
) -> Iterator[tuple[Scenario, Published]]:
    """One kernel for ``setup``; each scenario's cell in it, in order."""
    with r_kernel(setup_for(setup, res)) as kernel:
        for scenario in scenarios:
            yield scenario, kernel.run(res.fill(scenario.code))


def by_setup(scenarios: list[Scenario]) -> dict[str, list[Scenario]]:
    out: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        out.setdefault(scenario.setup, []).append(scenario)
    return out
