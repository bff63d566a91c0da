"""The test session never uses the real user's Jupyter data dir (tests/conftest.py).

Why: the store's default path and the kernel's offline drafts live under
``jupyter_data_dir()``; tests used to leave an empty store in
``~/.local/share/jupyter/itbridge/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

from jupyter_itbridge.server.store_schema import default_store_path

REAL = Path.home() / ".local" / "share" / "jupyter"


def test_the_data_dir_and_default_store_are_private_to_the_session() -> None:
    assert not Path(jupyter_data_dir()).resolve().is_relative_to(REAL.resolve())
    assert not Path(default_store_path()).resolve().is_relative_to(REAL.resolve())
    assert os.environ["JUPYTER_DATA_DIR"] == jupyter_data_dir()


def test_a_subprocess_inherits_the_private_data_dir() -> None:
    code = "from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == jupyter_data_dir()
