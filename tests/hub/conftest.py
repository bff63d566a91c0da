"""Fixtures for the request hub: a real jupyter-server with the extension, store in tmp_path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
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
    """The ITBridgeApp of the running test server; its outbox is stopped at teardown.

    Sync on purpose: pytest-jupyter drives async tests on its own loop (``jp_asyncio_loop``).
    """
    app = jp_serverapp.web_app.settings["itbridge"]
    yield app
    if app.service is not None:
        jp_asyncio_loop.run_until_complete(app.service.stop())
        app.service.store.close()


@pytest.fixture
def api(jp_fetch: Any, itbridge: Any) -> Any:
    """``await api("POST", "requests", body={...})`` -> (status, json); never raises on 4xx."""

    async def call(
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"method": method, "raise_error": False}
        if raw is not None:
            kwargs["body"] = raw
        elif body is not None:
            kwargs["body"] = json.dumps(body)
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = b""
            kwargs["allow_nonstandard_methods"] = True
        if headers is not None:
            kwargs["headers"] = headers
        if params:
            kwargs["params"] = params
        resp = await jp_fetch("itbridge", "api", *path.split("/"), **kwargs)
        text = resp.body.decode() if resp.body else ""
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = text
        return resp.code, data

    return call
