"""Shared pytest setup: the Jupyter server fixtures, the CI rule "a skip is a failure", and
a private Jupyter data dir for the whole session.

Why the data dir: the store's default path and the kernel's offline drafts live under
``jupyter_data_dir()``; a test (or a server it starts) that falls back to the default wrote
an empty store into the real user's ``~/.local/share/jupyter/itbridge/``. Every
``JUPYTER_*`` dir now points into a session temp dir (subprocesses inherit it), and the
session fails if anything appeared under the real user's ``itbridge`` dir.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from system_deps import in_ci  # type: ignore[import-not-found]

pytest_plugins = ["pytest_jupyter.jupyter_server"]

#: The real user's data dir, as jupyter_core computes it without our overrides.
REAL_ITBRIDGE_DIR = Path.home() / ".local" / "share" / "jupyter" / "itbridge"
_SESSION_DIRS = ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR")


def _snapshot(root: Path) -> dict[str, float]:
    if not root.exists():
        return {}
    return {str(p): p.stat().st_mtime for p in root.rglob("*")}


_BEFORE = _snapshot(REAL_ITBRIDGE_DIR)
_TMP_ROOT = Path(tempfile.mkdtemp(prefix="itbridge-test-home-"))
for _name in _SESSION_DIRS:
    (_TMP_ROOT / _name.lower()).mkdir()
    os.environ[_name] = str(_TMP_ROOT / _name.lower())
os.environ["JUPYTER_PLATFORM_DIRS"] = "1"  # honour the variables above on every platform


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API owns the main thread's event loop while it
    runs, which pytest-jupyter's in-process servers must not meet."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when the real user's data dir changed; under CI=true a skipped test
    means a missing system package: fail the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    after = _snapshot(REAL_ITBRIDGE_DIR)
    written = sorted(p for p, mtime in after.items() if _BEFORE.get(p) != mtime)
    if written:
        if reporter is not None:
            reporter.write_line(
                f"The tests wrote into the real user's {REAL_ITBRIDGE_DIR}: {written[:5]}",
                red=True,
            )
        session.exitstatus = 1
    shutil.rmtree(_TMP_ROOT, ignore_errors=True)
    if reporter is None or not in_ci():
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped and exitstatus == 0:
        reporter.write_line(
            f"CI=true: {len(skipped)} test(s) skipped; in CI a skip is a failure "
            "(a system package the tests need could not be installed).",
            red=True,
        )
        session.exitstatus = 1
