"""A JupyterLab server set up like an organisation would: a blocked package and a memory limit.

The memory limit comes from a cgroup v2 *fixture tree* (``c.ITBridge.cgroup_root``): the
watcher reads it exactly as it reads ``/sys/fs/cgroup``, and the test can raise the usage or
the ``oom_kill`` counter the way the kernel's OOM killer would, without exhausting the memory
of a shared test machine. The kernel, its death (a real SIGKILL), the watcher, the event bus and
the browser are all real.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import LabServer, start_lab

GIB = 1 << 30
LIMIT = 4 * GIB
PEAK = 4187593113  # 3.9 GiB
BLOCK_REASON = "Sends data to an external service; use the approved gateway package 'corp-llm'."


@dataclass
class CgroupFixture:
    """A cgroup v2 memory directory the server's watcher reads instead of /sys/fs/cgroup."""

    root: Path

    def write(self, name: str, value: str) -> None:
        tmp = self.root / f".{name}.tmp"
        tmp.write_text(value)
        tmp.replace(self.root / name)  # atomic: the watcher never reads half a file

    def set_usage(self, usage: int) -> None:
        self.write("memory.current", f"{usage}\n")

    def set_oom_kills(self, count: int) -> None:
        self.write(
            "memory.events",
            f"low 0\nhigh 0\nmax {count}\noom {count}\noom_kill {count}\noom_group_kill 0\n",
        )


def make_cgroup(root: Path) -> CgroupFixture:
    root.mkdir(parents=True, exist_ok=True)
    cg = CgroupFixture(root)
    cg.write("cgroup.controllers", "cpu io memory pids\n")
    cg.write("memory.max", f"{LIMIT}\n")
    cg.write("memory.peak", f"{PEAK}\n")
    cg.set_usage(1 * GIB)
    cg.set_oom_kills(0)
    return cg


def start_itbridge_lab(tmp: Path) -> tuple[LabServer, CgroupFixture]:
    config = tmp / "config"
    config.mkdir(parents=True, exist_ok=True)
    cgroup = make_cgroup(tmp / "cgroup")
    server_config = {
        "ITBridgePolicy": {"blocked_packages": {"openai": BLOCK_REASON}},
        "ITBridge": {
            "cgroup_root": str(cgroup.root),
            "watch_interval": 0.5,
            "memory_pressure_threshold": 0.9,
        },
    }
    (config / "jupyter_server_config.json").write_text(json.dumps(server_config))
    server = start_lab(tmp, extra_args=["--LabApp.expose_app_in_browser=True"])
    return server, cgroup


def api(server: LabServer, path: str, body: Any = None, method: str | None = None) -> Any:
    """Call the Jupyter server REST API with the server token (as an admin script would)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{server.url}{path}",
        data=data,
        method=method or ("POST" if data is not None else "GET"),
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read().decode()
    return json.loads(text) if text else None


def create_notebook(server: LabServer, name: str, cells: list[str] | None = None) -> str:
    """Write a notebook with a Python kernelspec so opening it starts a kernel by itself."""
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for src in (cells or [""])
        ],
        "metadata": {
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    api(server, f"api/contents/{name}", {"type": "notebook", "content": nb}, method="PUT")
    return name
