"""Wire jupyter-itbridge into a running jupyter-server.

Builds one :class:`ITBridgeApp` (config, policy, request service, events, watchers), stores it
in the tornado settings under ``"itbridge"`` (the jupyterlab-git "service object in settings"
model), registers the REST routes, and hands kernels the URL and per-process token they use to file
requests.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_server.utils import url_path_join

from ..config import ITBridge
from ..kernel.client import ENV_TOKEN, ENV_URL  # what kernels read, set here
from ..policy import ITBridgePolicy

API_PREFIX = "itbridge/api"


@dataclass
class ITBridgeApp:
    """Everything a handler needs, built once per server process."""

    config: ITBridge
    policy: ITBridgePolicy
    kernel_token: str
    api_url: str
    service: Any = None
    events: Any = None
    watchers: Any = None

    @property
    def owner(self) -> str:
        return self.config.owner


def route_table(base_url: str) -> list[tuple[str, type]]:
    """All REST routes, absolute (``{base_url}itbridge/api/...``)."""
    from . import health, requests_api

    return [
        (url_path_join(base_url, API_PREFIX, path), handler)
        for path, handler in [*health.HANDLERS, *requests_api.HANDLERS]
    ]


def kernel_api_url(serverapp: Any) -> str:
    """The URL kernels use to reach the API (loopback, with the server's base_url)."""
    url = serverapp.connection_url
    return url_path_join(url, API_PREFIX) + "/"


def load(serverapp: Any) -> ITBridgeApp:
    """Entry point called by ``_load_jupyter_server_extension``."""
    _merge_itbridge_config_files(serverapp)
    config = ITBridge(parent=serverapp)
    policy = ITBridgePolicy(parent=serverapp)
    token = secrets.token_urlsafe(32)
    try:
        api_url = kernel_api_url(serverapp)
    except Exception:  # unix sockets and exotic setups: kernels then use the offline drafts
        api_url = ""
    app = ITBridgeApp(config=config, policy=policy, kernel_token=token, api_url=api_url)

    # Kernels started by this server inherit these (and only kernels of this server know them).
    os.environ[ENV_TOKEN] = token
    if api_url:
        os.environ[ENV_URL] = api_url

    from .events import setup_events
    from .service import build_service
    from .watchers import setup_watchers

    service = build_service(app, serverapp)  # backend, store, outbox
    setup_events(app, serverapp)  # request state changes and incidents on the event bus
    watchers = setup_watchers(app, serverapp)  # kernel deaths and memory pressure
    _start_soon(serverapp, service.start)
    if watchers is not None:
        _start_soon(serverapp, watchers.start)
    _stop_with_server(app, serverapp)

    web_app = serverapp.web_app
    web_app.settings["itbridge"] = app
    web_app.add_handlers(".*$", route_table(web_app.settings["base_url"]))
    serverapp.log.info(
        "jupyter-itbridge: API at %s, backend %r",
        url_path_join(web_app.settings["base_url"], API_PREFIX),
        config.backend,
    )
    return app


def _merge_itbridge_config_files(serverapp: Any) -> None:
    """Honour ``jupyter_itbridge_config.{py,json}`` on the config path, as kernels and the CLI do.

    jupyter-server reads only ``jupyter_server_config.*``; our sections (``ITBridge*`` and
    ``*Backend``) from the extension's own file are merged in, below the server's own config.
    """
    from traitlets.config import Config

    from ..policy import load_jupyter_config

    try:
        extra = load_jupyter_config(basenames=("jupyter_itbridge_config",))
    except Exception as err:  # a broken admin file must not take the server down
        serverapp.log.error("jupyter-itbridge: cannot load jupyter_itbridge_config: %s", err)
        return
    ours = Config(
        {k: v for k, v in extra.items() if k.startswith("ITBridge") or k.endswith("Backend")}
    )
    if ours:
        ours.merge(serverapp.config)
        serverapp.update_config(Config({k: v for k, v in ours.items() if k in extra}))


def _start_soon(serverapp: Any, start: Callable[[], Any]) -> None:
    """Run ``start`` (sync or async) on the server's event loop at its next turn.

    Tests load the extension inside the running loop; a real server loads it before its loop
    runs, so the callback waits for it.
    """
    from tornado.ioloop import IOLoop

    try:
        asyncio.get_running_loop()
        io_loop = IOLoop.current()
    except RuntimeError:
        io_loop = getattr(serverapp, "io_loop", None) or IOLoop.current()
    io_loop.add_callback(start)  # tornado awaits a coroutine result and logs its errors


def _stop_with_server(app: ITBridgeApp, serverapp: Any) -> None:
    """Stop the watchers and the outbox when the server cleans up its extensions.

    Why here: a function-style server extension gets no stop hook, so we wrap this server's
    ``cleanup_extensions`` (on the instance only). Nothing is lost if this never runs: every
    request is committed before delivery, so a kill only delays it.
    """
    original = getattr(serverapp, "cleanup_extensions", None)
    if original is None:
        return

    async def cleanup_extensions(*args: Any, **kwargs: Any) -> Any:
        for part in (app.watchers, app.service):
            stop = getattr(part, "stop", None)
            if stop is None:
                continue
            try:
                await stop()
            except Exception:
                serverapp.log.exception("jupyter-itbridge: stopping %r failed", part)
        result = original(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    try:
        serverapp.cleanup_extensions = cleanup_extensions
    except Exception:  # a read-only attribute on an exotic server: tasks end with the loop
        serverapp.log.debug("jupyter-itbridge: cannot hook cleanup_extensions", exc_info=True)
