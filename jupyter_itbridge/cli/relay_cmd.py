"""``jupyter itbridge relay``: run the hub relay (a JupyterHub service).

Reads the same config files as every ``jupyter itbridge`` command (``jupyter_itbridge_config.*``
on the Jupyter config path, plus ``--config=FILE``): ``c.ITBridgeRelay.*`` for the service and
the backend sections (``c.RTBackend.*`` ...) for the ticket system, whose secrets come from the
relay's own environment (``ITBRIDGE_RT_TOKEN`` ...).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..relay.config import ITBridgeRelay
from .base import _Base

if TYPE_CHECKING:
    from ..relay.app import RelayContext


class RelayApp(_Base):
    """``jupyter itbridge relay``."""

    name = "jupyter-itbridge-relay"
    description = """Run the jupyter-itbridge relay: the JupyterHub service that holds the
    ticket-system credentials, receives every user's requests from their single-user servers
    (c.ITBridge.backend = "hub" there), delivers each once, dedupes the same problem across
    users and serves IT's view at /services/itbridge/.

    Run it as a managed service (c.JupyterHub.services = [{"name": "itbridge", "command":
    ["jupyter", "itbridge", "relay"], ...}]) or as an external one with "url". Listening
    address, prefix and Hub API come from JupyterHub's JUPYTERHUB_SERVICE_URL,
    JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_API_URL and JUPYTERHUB_API_TOKEN."""
    examples = """
    jupyter itbridge relay
    jupyter itbridge relay --config=/etc/jupyterhub/itbridge_relay_config.py
    jupyter itbridge relay --ITBridgeRelay.db_url=postgresql+psycopg://itbridge@db/itbridge
    jupyter itbridge relay --help-all
    """
    classes = [ITBridgeRelay, *_Base.classes]
    aliases = {
        **_Base.aliases,
        "ip": "ITBridgeRelay.ip",
        "port": "ITBridgeRelay.port",
        "db-url": "ITBridgeRelay.db_url",
        "backend": "ITBridgeRelay.backend",
    }

    def start(self) -> None:
        from ..relay.app import build_context

        if self.config_error:
            self.fail(self.config_error)
        try:
            context = build_context(self)
        except (ValueError, OSError) as err:
            self.fail(str(err))
        asyncio.run(_run(context))


async def _run(context: RelayContext) -> None:
    """Build the app inside the loop (HubOAuth binds to it) and serve until stopped."""
    from ..relay.app import make_app, serve

    await serve(context, make_app(context))
