"""``c.ITBridgeRelay.*``: how the hub relay listens, stores, dedupes and authorizes.

The ticket system itself is configured exactly as for a plain server (``c.ITBridge.backend``
or ``c.ITBridgeRelay.backend``, ``c.RTBackend.*`` ...), with its secrets in the relay's own
environment: the relay is the only process on a hub that holds them.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from traitlets import Bool, Integer, Unicode, default
from traitlets.config import LoggingConfigurable

#: The service name JupyterHub knows the relay by (``c.JupyterHub.services[..]["name"]``).
SERVICE_NAME = "itbridge"
ADMIN_SCOPE = f"custom:{SERVICE_NAME}:admin"


def default_db_url() -> str:
    """SQLite on the relay's local disk: ``<jupyter data dir>/itbridge/relay.sqlite3``."""
    from jupyter_core.paths import jupyter_data_dir

    return "sqlite:///" + os.path.join(jupyter_data_dir(), "itbridge", "relay.sqlite3")


class ITBridgeRelay(LoggingConfigurable):
    """The JupyterHub service that files every user's requests with IT."""

    ip = Unicode(
        help="""Address to listen on. Default: the host of ``$JUPYTERHUB_SERVICE_URL`` (set by
        JupyterHub for a managed service), else 127.0.0.1.""",
    ).tag(config=True)

    port = Integer(
        help="""Port to listen on. Default: the port of ``$JUPYTERHUB_SERVICE_URL``, else
        10101.""",
    ).tag(config=True)

    base_url = Unicode(
        help="""URL prefix the relay serves under (the proxy forwards ``/services/itbridge/``
        as is). Default: ``$JUPYTERHUB_SERVICE_PREFIX``, else ``/services/itbridge/``.""",
    ).tag(config=True)

    db_url = Unicode(
        help="""Where the relay stores every request: ``sqlite:///PATH`` (default
        ``<jupyter data dir>/itbridge/relay.sqlite3`` on the relay's local disk; never on NFS)
        or ``postgresql+psycopg://...`` for production and for several relay replicas.""",
    ).tag(config=True)

    backend = Unicode(
        "",
        help="""Ticket system the relay delivers to (``rt``, ``servicenow``, ``jira`` ...).
        Empty: ``c.ITBridge.backend``. Lets one config file serve both the single-user servers
        (``c.ITBridge.backend = "hub"``) and the relay. ``hub`` is refused here.""",
    ).tag(config=True)

    dedupe_across_users = Bool(
        True,
        help="""Same problem (fingerprint) from several users while its ticket is open makes one
        ticket: each further user's request becomes a "+1 from <user>: <justification>" comment
        on it and the relay keeps the list of requesters (users see a count, IT sees names).
        False: one ticket per user.""",
    ).tag(config=True)

    admin_scope = Unicode(
        ADMIN_SCOPE,
        help="""Scope that opens IT's view and admin API besides hub admins. Declare it in
        ``c.JupyterHub.custom_scopes`` and grant it through ``c.JupyterHub.load_roles``.""",
    ).tag(config=True)

    max_body_bytes = Integer(
        256 * 1024,
        help="Largest JSON body the relay API accepts; larger bodies get HTTP 413.",
    ).tag(config=True)

    max_sync_uuids = Integer(
        1000,
        help="Most request UUIDs one sync call may ask about (HTTP 400 above).",
    ).tag(config=True)

    cookie_secret_file = Unicode(
        "",
        help="""File with the secret that signs the login cookies of IT's view (hex or raw
        bytes). Empty: ``$ITBRIDGE_RELAY_COOKIE_SECRET`` (hex), else a random secret per
        process, which logs IT staff out when the relay restarts.""",
    ).tag(config=True)

    @default("ip")
    def _default_ip(self) -> str:
        return urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "")).hostname or "127.0.0.1"

    @default("port")
    def _default_port(self) -> int:
        return urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "")).port or 10101

    @default("base_url")
    def _default_base_url(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or f"/services/{SERVICE_NAME}/"

    @default("db_url")
    def _default_db_url(self) -> str:
        return default_db_url()
