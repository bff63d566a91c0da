"""Fixtures for the watchers: a real jupyter-server with the extension, fast intervals, and a
capture of our jupyter_events."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hub.start_hook import started_serverapp  # type: ignore[import-not-found]  # noqa: F401
from watchers.helpers import OWNER, Fetch  # type: ignore[import-not-found]

from jupyter_itbridge.contract import EVENT_INCIDENT as INCIDENT
from jupyter_itbridge.contract import EVENT_REQUEST_STATE as REQUEST_STATE


@pytest.fixture
def cgroup_root() -> str:
    """The cgroup mount the server's watchers read; tests override it with a fake tree."""
    return "/sys/fs/cgroup"


@pytest.fixture
def jp_server_config(tmp_path: Path, cgroup_root: str, monkeypatch: Any) -> dict[str, Any]:
    # Kernels start faster without our kernel-side extension; it plays no part here.
    monkeypatch.setenv("JUPYTER_ITBRIDGE_DISABLE", "1")
    monkeypatch.delenv("MEM_LIMIT", raising=False)
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_itbridge": True}},
        "KernelRestarter": {"time_to_dead": 0.3},  # notice a dead kernel in 0.3 s, not 3 s
        "ITBridge": {
            "store_path": str(tmp_path / "store" / "itbridge.sqlite3"),
            "owner": OWNER,
            "watch_interval": 0.1,
            "cgroup_root": cgroup_root,
        },
    }


@pytest.fixture
def itbridge(jp_serverapp: Any, jp_asyncio_loop: Any) -> Iterator[Any]:
    """The ITBridgeApp of the running test server; outbox and watchers stopped at teardown."""
    app = jp_serverapp.web_app.settings["itbridge"]
    yield app
    watchers = getattr(app, "watchers", None)
    if watchers is not None:
        jp_asyncio_loop.run_until_complete(watchers.stop())
    if app.service is not None:
        jp_asyncio_loop.run_until_complete(app.service.stop())
        app.service.store.close()


@pytest.fixture
def events(jp_serverapp: Any, itbridge: Any) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every itbridge event emitted on the server's real event bus, as (schema_id, data)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    async def listener(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        seen.append((schema_id, dict(data)))

    logger = jp_serverapp.event_logger
    for schema_id in (INCIDENT, REQUEST_STATE):
        logger.add_listener(schema_id=schema_id, listener=listener)
    yield seen
    for schema_id in (INCIDENT, REQUEST_STATE):
        logger.remove_listener(schema_id=schema_id, listener=listener)


@pytest.fixture
def api(jp_fetch: Fetch, itbridge: Any) -> Callable[..., Awaitable[tuple[int, Any]]]:
    """``await api("GET", "incidents")`` -> (status, json) on our REST API."""

    async def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"method": method, "raise_error": False}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        resp = await jp_fetch("itbridge", "api", *path.split("/"), **kwargs)
        return resp.code, json.loads(resp.body) if resp.body else None

    return call
