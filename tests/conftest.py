"""Shared pytest setup: the Jupyter server fixtures and the CI rule "a skip is a failure"."""

from __future__ import annotations

import pytest
from system_deps import in_ci  # type: ignore[import-not-found]

pytest_plugins = ["pytest_jupyter.jupyter_server"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API owns the main thread's event loop while it
    runs, which pytest-jupyter's in-process servers must not meet."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI=true a skipped test means a missing system package: fail the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
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
