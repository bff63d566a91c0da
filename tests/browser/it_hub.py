"""A real JupyterHub on loopback with the relay as a managed service, for IT's view in Chromium.

Lighter than ``tests/hubdeploy`` (no OS users, no single-user servers, no Request Tracker):
IT's view needs the Hub's login, its OAuth flow and roles, the proxy, and the relay with a
store. JupyterHub (pip) with ``DummyAuthenticator``, Debian's configurable-http-proxy, and
``jupyter itbridge relay`` whose backend is a webhook to a closed loopback port: every
delivery fails at once and waits an hour, so the test sets the states it needs through the
store (as the relay's outbox and status sync would) without racing the outbox.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopback import free_port  # type: ignore[import-not-found]

TESTS = Path(__file__).resolve().parents[1]
ADMIN, STAFF, USER = "itadmin", "itstaff", "alice"
FILERS = ("alice", "bob", "carol", "dave", "erin", "frank")


def http(method: str, url: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    """One JSON call; (status, parsed body or text); never raises on an HTTP status."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


@dataclass
class ITHub:
    """JupyterHub + proxy + the relay (managed) in ``root``; ``url`` is the proxy."""

    root: Path
    proxy_port: int = field(default_factory=free_port)
    hub_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    relay_port: int = field(default_factory=free_port)
    admin_token: str = field(default_factory=lambda: secrets.token_hex(24))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def relay_url(self) -> str:
        return f"{self.url}/services/itbridge/"

    @property
    def db_path(self) -> Path:
        return self.root / "relay.sqlite3"

    def write_config(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
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
                # ``jupyter itbridge relay``, with the store shim's list_all/top_subjects
                # until the SQLAlchemy store provides them (tests/relay/itview_store.py)
                "command": [sys.executable, "-m", "relay.itview_store", "relay",
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
        return config

    def start(self, timeout: float = 90) -> None:
        config = self.write_config()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "ITBRIDGE_"))}
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
        env["PYTHONPATH"] = str(TESTS)
        env["NODE_PATH"] = "/usr/share/nodejs:/usr/lib/nodejs"  # Debian's proxy modules
        with open(self.root / "jupyterhub.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(config)],
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterHub exited: {self.log_tail()}")
            hub, _ = self._try(f"{self.url}/hub/api/", self.admin_token)
            relay, _ = self._try(f"{self.relay_url}api/v1/health", None)
            if hub == 200 and relay == 401:
                return
            time.sleep(0.3)
        raise TimeoutError(f"JupyterHub/relay did not come up: {self.log_tail()}")

    @staticmethod
    def _try(url: str, token: str | None) -> tuple[int, Any]:
        try:
            return http("GET", url, token)
        except OSError:
            return 0, None

    def stop(self) -> None:
        """Stop JupyterHub (it stops the relay, its managed service)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
            self.proc.wait(10)

    def log_tail(self, chars: int = 4000) -> str:
        with contextlib.suppress(OSError):
            return (self.root / "jupyterhub.log").read_text(errors="replace")[-chars:]
        return "(no log)"

    def user_token(self, user: str) -> str:
        """A token for ``user`` with the user's own permissions (the Hub's REST API)."""
        http("POST", f"{self.url}/hub/api/users", self.admin_token, {"usernames": [user]})
        status, data = http(
            "POST", f"{self.url}/hub/api/users/{user}/tokens", self.admin_token, {"note": "test"}
        )
        assert status == 201, (status, data)
        return str(data["token"])

    def forwarder(self) -> Any:
        """``forward(user, body) -> uuid`` through the proxy with each user's own token, as
        their single-user server's ``hub`` backend does."""
        tokens: dict[str, str] = {}

        def forward(user: str, body: dict[str, Any]) -> str:
            if user not in tokens:
                tokens[user] = self.user_token(user)
            status, data = http("POST", f"{self.relay_url}api/v1/requests", tokens[user], body)
            assert status == 201, (status, data)
            return str(data["uuid"])

        return forward
