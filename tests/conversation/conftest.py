"""Fixtures for the conversation tests: the real Request Tracker of tests/backends, and a
real in-process Jupyter server with the extension (store in tmp_path)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from backends.conftest import rt, rt_admin, rt_up  # type: ignore[import-not-found]  # noqa: F401
from hub.start_hook import started_serverapp  # type: ignore[import-not-found]  # noqa: F401

OWNER = "alice"


@pytest.fixture
def jp_server_config(tmp_path: Any) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_itbridge": True}},
        "ITBridge": {
            "store_path": str(tmp_path / "store" / "itbridge.sqlite3"),
            "owner": OWNER,
            "retry_base_delay": 0.05,
            "retry_max_delay": 0.5,
        },
    }


@pytest.fixture
def itbridge(jp_serverapp: Any, jp_asyncio_loop: Any) -> Iterator[Any]:
    """The running test server's ITBridge context; its outbox is stopped at teardown."""
    app = jp_serverapp.web_app.settings["itbridge"]
    yield app
    if app.service is not None:
        jp_asyncio_loop.run_until_complete(app.service.stop())
        app.service.store.close()
