"""Helpers for the storage tests: the real ``jupyter itbridge`` command with a private home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(home: Path, config: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m jupyter_itbridge.cli ARGS`` with its own config and data dirs under ``home``
    (``config`` is the text of its jupyter_server_config.py)."""
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "data").mkdir(parents=True, exist_ok=True)
    (home / "config" / "jupyter_server_config.py").write_text(config, encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ITBRIDGE_", "JUPYTER", "JPY_")) and k != "PYTHONWARNINGS"
    }
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        PYTHONIOENCODING="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "jupyter_itbridge.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(home),
    )
