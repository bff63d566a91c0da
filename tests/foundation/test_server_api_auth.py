"""The REST API is authenticated everywhere; the kernel token reaches only kernel endpoints."""

from __future__ import annotations

import json
import re

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_itbridge.contract import API_PREFIX
from jupyter_itbridge.contract import TOKEN_HEADER as KERNEL_TOKEN_HEADER
from jupyter_itbridge.server.extension import route_table

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def jp_server_config(tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_itbridge": True}},
        "ITBridge": {"store_path": str(tmp_path / "store.sqlite3")},
    }


def _all_endpoints() -> list[tuple[str, str, type]]:
    """(method, concrete path relative to the API root, handler) for every route we register."""
    out = []
    prefix = API_PREFIX + "/"
    for pattern, handler in route_table():
        assert pattern.startswith(prefix), pattern
        path = pattern[len(prefix) :]
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path).replace("$", "")
        for method in HTTP_METHODS:
            if _inherits_own(handler, method):
                out.append((method.upper(), path, handler))
    return out


def _inherits_own(handler: type, method: str) -> bool:
    """True when one of our own classes (not tornado/jupyter_server) defines the method."""
    for klass in handler.__mro__:
        if method in klass.__dict__:
            return klass.__module__.startswith("jupyter_itbridge")
    return False


async def test_health_ok_with_auth(jp_fetch):
    response = await jp_fetch("itbridge", "api", "health")
    assert response.code == 200
    body = json.loads(response.body)
    assert body["status"] == "ok"
    assert body["backend"] == "local"


async def test_health_forbidden_without_auth(jp_fetch):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("itbridge", "api", "health", headers={"Authorization": ""})
    assert err.value.code == 403


def test_every_handler_method_is_an_authenticated_endpoint():
    endpoints = _all_endpoints()
    assert any(path == "health" for _, path, _ in endpoints)
    for method, path, handler in endpoints:
        impl = getattr(handler, method.lower())
        assert hasattr(impl, "__itbridge_endpoint__"), (
            f"{handler.__name__}.{method.lower()} ({path}) is not wrapped in @endpoint(), "
            "so it may skip @authenticated/@authorized"
        )


async def test_every_endpoint_refuses_anonymous_calls(jp_fetch):
    endpoints = _all_endpoints()
    for method, path, _handler in endpoints:
        kwargs = {"method": method, "headers": {"Authorization": ""}}
        if method in {"POST", "PUT", "PATCH"}:
            kwargs["body"] = json.dumps({"summary": "x"})
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch("itbridge", "api", *path.split("/"), **kwargs)
        assert err.value.code == 403, f"{method} {path} answered {err.value.code} without auth"


async def test_kernel_token_rejected_when_wrong(jp_fetch):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(
            "itbridge",
            "api",
            "health",
            headers={"Authorization": "", KERNEL_TOKEN_HEADER: "not-the-token"},
        )
    assert err.value.code == 403


async def test_kernel_token_cannot_reach_browser_only_endpoint(jp_fetch, jp_serverapp):
    app = jp_serverapp.web_app.settings["itbridge"]
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(
            "itbridge",
            "api",
            "health",
            headers={"Authorization": "", KERNEL_TOKEN_HEADER: app.kernel_token},
        )
    assert err.value.code == 403


async def test_server_hands_kernels_url_and_token(jp_serverapp, jp_base_url):
    import os

    app = jp_serverapp.web_app.settings["itbridge"]
    assert os.environ["JUPYTER_ITBRIDGE_TOKEN"] == app.kernel_token
    assert len(app.kernel_token) >= 32
    url = os.environ["JUPYTER_ITBRIDGE_URL"]
    assert url.startswith("http://") and url.endswith("/itbridge/api/")
    assert jp_base_url.strip("/") in url
