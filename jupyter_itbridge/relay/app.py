"""Build and run the relay: config -> backend, store, outbox, services -> tornado app on
``jupyterhub.services.auth``.

How the app is put together (for whoever mounts more handlers, e.g. IT's view):

- ``build_context(parent)`` reads ``c.ITBridgeRelay`` and ``c.ITBridge`` from ``parent`` (the
  ``jupyter itbridge relay`` command), loads the backend exactly as a Jupyter server does
  (``backends/registry.make_backend``, secrets from the relay's environment), opens the store
  (``db_url``) and builds the server's own :class:`Outbox` and :class:`RequestService`, plus the
  :class:`RelayService` on top.
- ``make_app(context, hub_auth)`` routes, under ``c.ITBridgeRelay.base_url``
  (``/services/itbridge/``): ``api/v1/...`` (``api.py``), ``oauth_callback`` and, when
  ``jupyter_itbridge/relay/admin_view.py`` is installed, its ``admin_handlers(prefix)``
  (otherwise a small index). Settings: ``itbridge_relay`` (the context), ``hub_auth`` (the one
  ``HubOAuth``), ``xsrf_cookies``, ``cookie_secret``, ``template_path`` / ``static_path``
  (``relay/templates``, ``relay/static``).
- ``serve(context, app)`` starts the outbox, listens, and stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import binascii
import importlib
import logging
import os
import secrets
import signal
from dataclasses import dataclass
from typing import Any

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler
from jupyterhub.utils import url_path_join
from tornado import web

from ..backends.base import Backend
from ..backends.registry import make_backend
from ..backends.unavailable import UnavailableBackend
from ..config import ITBridge
from ..redact import redact
from ..server.extension import ITBridgeExtension
from ..server.service import RequestService
from ._store_compat import open_store  # the lead: Store(db_url) once wt/storage is merged
from .api import API_HANDLERS, IndexHandler
from .config import ITBridgeRelay
from .service import RelayService

log = logging.getLogger("jupyter_itbridge.relay")
HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class RelayContext:
    """Everything the relay's handlers reach as ``settings["itbridge_relay"]``."""

    config: ITBridgeRelay
    settings: ITBridge
    service: RequestService
    relay: RelayService


def load_backend(name: str, parent: Any) -> Backend:
    """The configured ticket system, or a stand-in that keeps requests (as the server does)."""
    if name.strip().lower() == "hub":
        raise ValueError(
            "The relay cannot use the 'hub' backend (it would forward to itself): set "
            "c.ITBridgeRelay.backend to the ticket system (rt, servicenow, jira, ...)."
        )
    try:
        return make_backend(name, parent=parent)
    except Exception as err:
        log.error("jupyter-itbridge relay: backend %r failed to load: %s", name, err)
        return UnavailableBackend(name, redact(f"{type(err).__name__}: {err}"))


def build_context(parent: Any) -> RelayContext:
    config = ITBridgeRelay(parent=parent)
    settings = ITBridge(parent=parent)
    backend = load_backend(config.backend or settings.backend, parent)
    store = open_store(config.db_url)
    # The server's own outbox, built from c.ITBridge exactly as the server extension does.
    service = RequestService(store, backend, ITBridgeExtension._outbox(store, backend, settings))
    relay = RelayService(service, dedupe_across_users=config.dedupe_across_users)
    return RelayContext(config=config, settings=settings, service=service, relay=relay)


class OAuthCallbackHandler(HubOAuthCallbackHandler):
    """JupyterHub's OAuth callback, with the app's HubOAuth (not the global singleton)."""

    @property
    def hub_auth(self) -> Any:
        return self.settings["hub_auth"]

    @hub_auth.setter
    def hub_auth(self, value: Any) -> None:
        raise AttributeError("the relay's HubOAuth is shared; set settings['hub_auth']")


def _cookie_secret(config: ITBridgeRelay) -> bytes:
    if config.cookie_secret_file:
        with open(config.cookie_secret_file, "rb") as fh:
            raw = fh.read().strip()
        try:
            return binascii.unhexlify(raw)
        except (binascii.Error, ValueError):
            return raw
    env = os.environ.get("ITBRIDGE_RELAY_COOKIE_SECRET", "")
    return binascii.unhexlify(env) if env else secrets.token_bytes(32)


def route_table(prefix: str) -> list[tuple[str, type]]:
    routes: list[tuple[str, type]] = [(url_path_join(prefix, p), h) for p, h in API_HANDLERS]
    routes.append((url_path_join(prefix, "oauth_callback"), OAuthCallbackHandler))
    try:  # IT's view: its own module and templates, mounted when installed
        admin_view = importlib.import_module("jupyter_itbridge.relay.admin_view")
    except ImportError:
        routes.append((prefix, IndexHandler))
    else:
        routes += admin_view.admin_handlers(prefix)
    return routes


def make_app(context: RelayContext, hub_auth: HubOAuth | None = None) -> web.Application:
    prefix = url_path_join("/", context.config.base_url.strip("/"), "/")
    hub_auth = hub_auth or HubOAuth(base_url=prefix, cache_max_age=300)
    return web.Application(
        route_table(prefix),
        itbridge_relay=context,
        hub_auth=hub_auth,
        cookie_secret=_cookie_secret(context.config),
        xsrf_cookies=True,
        login_url=hub_auth.login_url,
        template_path=os.path.join(HERE, "templates"),
        static_path=os.path.join(HERE, "static"),
        static_url_prefix=url_path_join(prefix, "static/"),
    )


async def serve(context: RelayContext, app: web.Application) -> None:
    """Deliver and listen until SIGTERM/SIGINT; nothing is lost if killed instead (the store
    commits every request before delivery)."""
    config = context.config
    await context.service.start()
    server = app.listen(
        config.port,
        address=config.ip,
        xheaders=True,
        max_body_size=max(16 * config.max_body_bytes, 8 * 1024 * 1024),
    )
    log.info(
        "jupyter-itbridge relay on http://%s:%d%s, backend %r, store %s",
        config.ip,
        config.port,
        config.base_url,
        context.service.backend.name,
        config.db_url.split("@")[-1],
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
    await context.service.stop()
    context.service.store.close()
