"""A real JupyterHub on loopback for the relay's end-to-end tests (root only).

What it starts, once per test session: configurable-http-proxy (Debian
``node-configurable-http-proxy``), JupyterHub with ``DummyAuthenticator`` and
``LocalProcessSpawner`` for two real OS users (``alice``, ``bob``, created here), the relay as a
*managed* service (``jupyter itbridge relay``) whose backend is the real Request Tracker of
``tests/backends/rt_server.py``, authenticated as a fresh RT user whose random password exists
only in the relay's environment. Single-user servers run the package from the test venv: the
venv, the checkout and the interpreter's directories are made traversable for alice and bob with
POSIX ACLs (``setfacl -m u:alice:x``), removed again at the end; nothing is made world-readable.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopback import free_port  # type: ignore[import-not-found]

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
USERS = ("alice", "bob")
#: The external relay service's name (the crash test starts and kills it).
EXTERNAL = "itbridge-ext"
RT_USER_SCRIPT = """
use lib '/usr/share/request-tracker5/lib';
use RT;
RT::LoadConfig();
RT::Init();
my ($name, $password) = ($ENV{RT_NEW_USER}, $ENV{RT_NEW_PASSWORD});
my $user = RT::User->new(RT->SystemUser);
my ($ok, $msg) = $user->Create(Name => $name, Password => $password, Privileged => 1);
die "user: $msg" unless $ok;
($ok, $msg) = $user->PrincipalObj->GrantRight(Right => 'SuperUser', Object => $RT::System);
die "right: $msg" unless $ok;
print "ok\\n";
"""


def rt_relay_account() -> tuple[str, str]:
    """A new RT user with a random password, made by RT's Perl API as an RT admin would.

    Why not an RT auth token: RT checks tokens with a slow hash (about 15 s a call on this
    machine), which no delivery timeout survives; a password is checked in about 1 s.
    """
    name, password = f"itbridge-relay-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    subprocess.run(  # the password in the environment: a command line is world-readable
        ["setpriv", "--reuid=www-data", "--regid=www-data", "--init-groups", "perl", "-"],
        input=RT_USER_SCRIPT,
        env={"PATH": "/usr/bin:/bin", "RT_NEW_USER": name, "RT_NEW_PASSWORD": password},
        capture_output=True,
        text=True,
        check=True,
        cwd="/tmp",
    )
    return name, password


def ensure_users(names: tuple[str, ...] = USERS) -> list[str]:
    """Create the OS users that do not exist yet; returns the ones created (removed later)."""
    created = []
    for name in names:
        try:
            home = Path(pwd.getpwnam(name).pw_dir)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
            created.append(name)
            continue
        # Left over by an interrupted session: start from an empty store and no drafts.
        shutil.rmtree(home / ".local" / "share" / "jupyter" / "itbridge", ignore_errors=True)
    return created


def remove_users(names: list[str]) -> None:
    for name in names:
        subprocess.run(["pkill", "-KILL", "-u", name], check=False)  # only that user's processes
        subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)


def _ancestors(path: Path) -> list[Path]:
    path = path.resolve()
    return [path, *path.parents]


def grant_traverse(paths: list[Path], users: tuple[str, ...]) -> list[tuple[Path, str]]:
    """Let ``users`` traverse (x) every directory on the way to ``paths`` that others cannot.

    Returns the (directory, user) ACL entries added, for :func:`revoke_traverse`.
    """
    added: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for target in paths:
        for directory in _ancestors(target):
            if directory in seen or not directory.is_dir():
                continue
            seen.add(directory)
            if directory.stat().st_mode & 0o001:
                continue
            for user in users:
                subprocess.run(["setfacl", "-m", f"u:{user}:x", str(directory)], check=True)
                added.append((directory, user))
    return added


def revoke_traverse(added: list[tuple[Path, str]]) -> None:
    for directory, user in added:
        subprocess.run(["setfacl", "-x", f"u:{user}", str(directory)], check=False)


def http(
    method: str, url: str, token: str | None = None, body: Any = None, timeout: float = 30
) -> tuple[int, Any]:
    """One JSON call; returns (status, parsed body or text). Never raises on an HTTP status."""
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


@dataclass
class Hub:
    """JupyterHub + proxy + the managed relay, on 127.0.0.1, in ``root`` (0700, root's)."""

    root: Path
    rt_url: str
    rt_user: str
    rt_password: str
    relay_extra: str = ""
    proxy_port: int = field(default_factory=free_port)
    hub_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    relay_port: int = field(default_factory=free_port)
    #: An external relay service (``url`` only): the crash test runs and kills that process.
    external_port: int = field(default_factory=free_port)
    external_token: str = field(default_factory=lambda: secrets.token_hex(24))
    admin_token: str = field(default_factory=lambda: secrets.token_hex(24))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def relay_url(self) -> str:
        """The relay through the proxy, as the single-user servers reach it."""
        return f"{self.url}/services/itbridge/"

    @property
    def relay_direct(self) -> str:
        return f"http://127.0.0.1:{self.relay_port}/services/itbridge/"

    @property
    def singleuser_config(self) -> Path:
        return self.root.parent / "singleuser-config"

    def write_config(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        venv_bin = Path(sys.executable).parent
        # Config the single-user servers read (no secret in it): world-readable on purpose.
        self.singleuser_config.mkdir(mode=0o755, exist_ok=True)
        (self.singleuser_config / "jupyter_itbridge_config.py").write_text(
            "c.ITBridge.sync_interval = 1.0\n"
            "c.ITBridge.retry_base_delay = 0.2\n"
            "c.ITBridge.retry_max_delay = 1.0\n"
            "c.ITBridge.watchers_enabled = False\n"
        )
        (self.singleuser_config / "jupyter_itbridge_config.py").chmod(0o644)
        relay_config = self.root / "relay_config.py"
        relay_config.write_text(
            "c.ITBridgeRelay.backend = 'rt'\n"
            f"c.ITBridgeRelay.db_url = 'sqlite:///{self.root / 'relay.sqlite3'}'\n"
            f"c.RTBackend.url = {self.rt_url!r}\n"
            "c.RTBackend.queue = 'General'\n"
            "c.ITBridge.sync_interval = 1.0\n"
            "c.ITBridge.retry_base_delay = 0.2\n"
            "c.ITBridge.retry_max_delay = 1.0\n" + self.relay_extra
        )
        relay_env = {
            "ITBRIDGE_RT_USER": self.rt_user,
            "ITBRIDGE_RT_PASSWORD": self.rt_password,  # the secret: here and nowhere else
            "JUPYTER_CONFIG_DIR": str(self.root / "relay-jupyter-config"),
            "JUPYTER_DATA_DIR": str(self.root / "relay-data"),
            "PATH": f"{venv_bin}:/usr/bin:/bin",
        }
        services = [
            {
                "name": "itbridge",
                "url": f"http://127.0.0.1:{self.relay_port}",
                "command": [
                    sys.executable,
                    "-m",
                    "jupyter_itbridge.cli",
                    "relay",
                    f"--config={relay_config}",
                ],
                "environment": relay_env,
                "cwd": str(self.root),
                "oauth_client_allowed_scopes": ["custom:itbridge:admin"],
            },
            {"name": "test-admin", "api_token": self.admin_token},
            {
                "name": EXTERNAL,
                "url": f"http://127.0.0.1:{self.external_port}",
                "api_token": self.external_token,
            },
        ]
        roles = [
            # A server's token can never exceed its owner's permissions: users need the
            # relay's access scope themselves, and their servers' role must carry it too.
            {
                "name": "user",
                "scopes": [
                    "self",
                    "access:services!service=itbridge",
                    f"access:services!service={EXTERNAL}",
                ],
            },
            {
                "name": "server",
                "scopes": [
                    "users:activity!user",
                    "access:servers!server",
                    "access:services!service=itbridge",
                ],
            },
            {
                "name": "test-admin",
                "scopes": ["admin:users", "admin:servers", "tokens"],
                "services": ["test-admin"],
            },
            {
                "name": "itbridge-admins",
                "scopes": ["custom:itbridge:admin", "access:services!service=itbridge"],
                "users": ["itstaff"],
            },
        ]
        singleuser_env = {
            "JUPYTER_ITBRIDGE_RELAY_URL": self.relay_url,
            "JUPYTER_CONFIG_PATH": str(self.singleuser_config),
            "PATH": f"{venv_bin}:/usr/bin:/bin",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
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
            "c.Authenticator.allowed_users = {'alice', 'bob', 'itstaff'}",
            "c.JupyterHub.spawner_class = 'localprocess'",
            f"c.Spawner.cmd = [{str(venv_bin / 'jupyterhub-singleuser')!r}]",
            f"c.Spawner.environment = {singleuser_env!r}",
            "c.Spawner.start_timeout = 90",
            "c.Spawner.http_timeout = 90",
            "c.Spawner.args = ['--ServerApp.log_level=WARN']",
            "c.JupyterHub.custom_scopes = {'custom:itbridge:admin': "
            "{'description': 'See every jupyter-itbridge request (IT view)'}}",
            f"c.JupyterHub.services = {services!r}",
            f"c.JupyterHub.load_roles = {roles!r}",
            "c.JupyterHub.cleanup_servers = True",
            "c.JupyterHub.log_level = 'INFO'",
        ]
        config = self.root / "jupyterhub_config.py"
        config.write_text("\n".join(lines) + "\n")
        config.chmod(0o600)

    def start(self, timeout: float = 90) -> None:
        self.write_config()
        log = open(self.root / "jupyterhub.log", "ab")  # noqa: SIM115 - closed with the process
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "ITBRIDGE_"))}
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
        env["PYTHONPATH"] = str(TESTS)
        # Debian's configurable-http-proxy finds its modules under /usr/share/nodejs, which a
        # Node.js not from Debian (NodeSource, nvm) does not search by itself.
        env["NODE_PATH"] = os.pathsep.join(
            p for p in (env.get("NODE_PATH", ""), "/usr/share/nodejs", "/usr/lib/nodejs") if p
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(self.root / "jupyterhub_config.py")],
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterHub exited: {self.log_tail()}")
            status, _ = self._try("GET", f"{self.url}/hub/api/", self.admin_token)
            relay, _ = self._try("GET", f"{self.relay_url}api/v1/health", None)
            if status == 200 and relay == 401:  # the relay answers (and wants a token)
                return
            time.sleep(0.3)
        raise TimeoutError(f"JupyterHub/relay did not come up: {self.log_tail()}")

    @staticmethod
    def _try(method: str, url: str, token: str | None) -> tuple[int, Any]:
        try:
            return http(method, url, token, timeout=5)
        except OSError:
            return 0, None

    def stop(self) -> None:
        """Stop JupyterHub (it stops the relay and the single-user servers it started)."""
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

    # -- the Hub's REST API, as the test-admin service --------------------------------------------

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return http(method, f"{self.url}/hub/api/{path}", self.admin_token, body)

    def user_token(self, user: str, scopes: list[str] | None = None) -> str:
        body: dict[str, Any] = {"note": "itbridge test"}
        if scopes is not None:
            body["scopes"] = scopes
        status, data = self.api("POST", f"users/{user}/tokens", body)
        assert status == 201, (status, data)
        return str(data["token"])

    def start_server(self, user: str, timeout: float = 120) -> None:
        self.api("POST", "users", {"usernames": [user]})
        status, data = self.api("POST", f"users/{user}/server")
        assert status in (201, 202, 400), (status, data, self.log_tail())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _, model = self.api("GET", f"users/{user}")
            server = (model or {}).get("servers", {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"{user}'s server did not start: {self.log_tail()}")

    def server_url(self, user: str) -> str:
        return f"{self.url}/user/{user}/"
