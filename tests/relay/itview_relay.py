"""The real relay app (``jupyter_itbridge.relay.app.make_app``, IT's view mounted by its route
table) over a given store, with ``HubOAuth`` pointed at a loopback Hub stand-in: what IT's view
tests and the CLI's ``--relay`` tests talk to. No outbox: nothing is delivered, states are set
by the tests through the store, as the relay's outbox and status sync would set them.
"""

from __future__ import annotations

import secrets
from typing import Any

from jupyterhub.services.auth import HubOAuth
from tornado import web

from jupyter_itbridge.backends.local import LocalBackend
from jupyter_itbridge.config import ITBridge
from jupyter_itbridge.relay.app import RelayContext, make_app
from jupyter_itbridge.relay.config import ADMIN_SCOPE, ITBridgeRelay
from jupyter_itbridge.relay.service import RelayService
from jupyter_itbridge.server.service import RequestService

PREFIX = "/services/itbridge/"
__all__ = ["ADMIN_SCOPE", "PREFIX", "hub_auth_for", "in_process_forward", "relay_app"]


def hub_auth_for(api_url: str, prefix: str = PREFIX) -> HubOAuth:
    """A HubOAuth as a managed service named ``itbridge`` gets it from its environment."""
    return HubOAuth(
        api_url=api_url,
        api_token="service-token-" + secrets.token_hex(8),
        base_url=prefix,
        hub_prefix="/hub/",
        oauth_client_id="service-itbridge",
        oauth_redirect_uri=f"http://127.0.0.1{prefix}oauth_callback",
        access_scopes={"access:services!service=itbridge"},
        cache_max_age=300,
    )


def relay_app(store: Any, api_url: str) -> tuple[web.Application, RelayContext]:
    config = ITBridgeRelay(base_url=PREFIX)
    service = RequestService(store, LocalBackend())
    context = RelayContext(
        config=config, settings=ITBridge(), service=service, relay=RelayService(service)
    )
    return make_app(context, hub_auth_for(api_url)), context


def in_process_forward(context: RelayContext) -> Any:
    """``forward(user, body) -> uuid`` through the relay's own ``RelayService``."""

    def forward(user: str, body: dict[str, Any]) -> str:
        view, _created = context.relay.forward(user, RelayService.prepare(body))
        return str(view["uuid"])

    return forward
