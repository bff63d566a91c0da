"""A real JupyterHub on loopback with the relay as a managed service, for IT's view in Chromium.

The relay tests' ``Hub`` (``tests/hubdeploy/deploy.py``: start, stop, the Hub's REST API) with
a lighter config: no OS users, no single-user servers, no Request Tracker. IT's view needs the
Hub's login, its OAuth flow and roles, the proxy, and the relay with a store. JupyterHub (pip)
with ``DummyAuthenticator``, Debian's configurable-http-proxy, and ``jupyter itbridge relay``
whose backend is a webhook to a closed loopback port: every delivery fails at once and waits an
hour, so the test sets the states it needs through the store (as the relay's outbox and status
sync would) without racing the outbox.
"""

from __future__ import annotations

import sys
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from hubdeploy.deploy import TESTS, Hub, http  # type: ignore[import-not-found]
from loopback import free_port  # type: ignore[import-not-found]

ADMIN, STAFF, USER = "itadmin", "itstaff", "alice"
FILERS = ("alice", "bob", "carol", "dave", "erin", "frank")


@dataclass
class ITHub(Hub):  # type: ignore[misc]
    """JupyterHub + proxy + the relay (managed) in ``root``; ``url`` is the proxy."""

    @classmethod
    def create(cls, root: Path) -> ITHub:
        """No ticket system here: the relay tests' ticket-system fields (``rt_*``) stay empty."""
        unset = {
            f.name: ""
            for f in fields(Hub)
            if f.name != "root" and f.default is MISSING and f.default_factory is MISSING
        }
        return cls(root=root, **unset)

    @property
    def db_path(self) -> Path:
        return self.root / "relay.sqlite3"

    def write_config(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        relay_config = self.root / "relay_config.py"
        relay_config.write_text(
            "c.ITBridgeRelay.backend = 'webhook'\n"
            f"c.WebhookBackend.url = 'http://127.0.0.1:{free_port()}/closed'\n"
            f"c.ITBridgeRelay.db_url = 'sqlite:///{self.db_path}'\n"
            "c.ITBridge.retry_base_delay = 3600.0\n"
            "c.ITBridge.retry_max_delay = 7200.0\n"
            "c.ITBridge.sync_interval = 3600.0\n"
        )
        services = [
            {
                "name": "itbridge",
                "url": f"http://127.0.0.1:{self.relay_port}",
                # ``jupyter itbridge relay``
                "command": [sys.executable, "-m", "jupyter_itbridge.cli", "relay",
                            f"--config={relay_config}"],
                "environment": {
                    "JUPYTER_CONFIG_DIR": str(self.root / "relay-config"),
                    "JUPYTER_DATA_DIR": str(self.root / "relay-data"),
                    "PYTHONPATH": str(TESTS),
                },
                "cwd": str(self.root),
                # what IT staff's OAuth tokens for the relay may carry besides access
                "oauth_client_allowed_scopes": ["custom:itbridge:admin"],
            },
            {"name": "test-admin", "api_token": self.admin_token},
        ]  # fmt: skip
        roles = [
            {"name": "user", "scopes": ["self", "access:services!service=itbridge"]},
            {"name": "itbridge-admins", "users": [STAFF],
             "scopes": ["custom:itbridge:admin", "access:services!service=itbridge"]},
            {"name": "test-admin", "services": ["test-admin"],
             "scopes": ["admin:users", "tokens"]},
        ]  # fmt: skip
        lines = [
            "c.JupyterHub.ip = '127.0.0.1'",
            f"c.JupyterHub.port = {self.proxy_port}",
            "c.JupyterHub.hub_ip = '127.0.0.1'",
            f"c.JupyterHub.hub_port = {self.hub_port}",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{self.api_port}'",
            "c.ConfigurableHTTPProxy.command = ['/usr/bin/configurable-http-proxy']",
            f"c.JupyterHub.db_url = 'sqlite:///{self.root / 'jupyterhub.sqlite'}'",
            f"c.JupyterHub.cookie_secret_file = '{self.root / 'cookie_secret'}'",
            "c.JupyterHub.authenticator_class = 'dummy'",
            f"c.Authenticator.allowed_users = {set(FILERS) | {ADMIN, STAFF}!r}",
            f"c.Authenticator.admin_users = {{{ADMIN!r}}}",
            "c.JupyterHub.custom_scopes = {'custom:itbridge:admin': "
            "{'description': 'See every jupyter-itbridge request (IT view)'}}",
            f"c.JupyterHub.services = {services!r}",
            f"c.JupyterHub.load_roles = {roles!r}",
            "c.JupyterHub.log_level = 'INFO'",
        ]
        config = self.root / "jupyterhub_config.py"
        config.write_text("\n".join(lines) + "\n")
        config.chmod(0o600)

    def forwarder(self) -> Any:
        """``forward(user, body) -> uuid`` through the proxy with each user's own token, as
        their single-user server's ``hub`` backend does."""
        tokens: dict[str, str] = {}

        def forward(user: str, body: dict[str, Any]) -> str:
            if user not in tokens:
                self.api("POST", "users", {"usernames": [user]})
                tokens[user] = self.user_token(user)
            status, data = http("POST", f"{self.relay_url}api/v1/requests", tokens[user], body)
            assert status == 201, (status, data)
            return str(data["uuid"])

        return forward
