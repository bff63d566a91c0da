"""A loopback stand-in for the one JupyterHub endpoint a service's ``HubAuth`` calls per token:
``GET {hub}/hub/api/user`` (IT's view tests and ``bench/relay_forwarding.py``).

Documented behaviour reproduced (JupyterHub REST API, "GET /user - identify the user or service
making the request", https://jupyterhub.readthedocs.io/en/stable/reference/rest-api.html;
``jupyterhub/apihandlers/users.py`` ``SelfAPIHandler``):

- the token comes in ``Authorization: token <value>`` (or ``bearer``);
- a valid token answers 200 with the owner's model: ``kind``, ``name``, ``admin``, ``groups``,
  ``roles``, ``scopes`` (the token's own scopes, expanded), ``session_id``, ``token_id``;
- a missing, unknown or revoked token answers **403** (not 401): ``HubAuth`` reads 403 on this
  endpoint as "no such user" (``allow_403=True``), anything else >= 400 as a failure.

It counts calls, so a benchmark can show that ``HubAuth``'s token cache kept it out of the
measured phase. Runs in a thread of the test process or as its own process (``python -m``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import threading
from collections.abc import Iterable
from typing import Any

from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

_TOKEN = re.compile(r"(?:token|bearer)\s+(.+)", re.IGNORECASE)
SERVICE_ACCESS = "access:services!service=itbridge"


def user_model(name: str, *, admin: bool = False, scopes: Iterable[str] = ()) -> dict[str, Any]:
    """What ``GET /hub/api/user`` returns for a user's token (identify scopes added)."""
    return {
        "kind": "user",
        "name": name,
        "admin": admin,
        "groups": [],
        "roles": ["admin" if admin else "user"],
        "scopes": sorted({*scopes, f"read:users:name!user={name}"}),
        "session_id": None,
        "token_id": "a" + secrets.token_hex(4),
    }


class _UserHandler(web.RequestHandler):
    def get(self) -> None:
        hub: HubStandIn = self.settings["hub"]
        hub.calls += 1
        match = _TOKEN.match(self.request.headers.get("Authorization", ""))
        model = hub.tokens.get(match.group(1).strip()) if match else None
        if model is None:
            self.set_status(403)
            self.finish({"status": 403, "message": "Missing or invalid credentials."})
            return
        self.finish(model)


class _CallsHandler(web.RequestHandler):
    """Not a Hub endpoint: how many token lookups the stand-in answered (for benchmarks)."""

    def get(self) -> None:
        self.finish({"calls": self.settings["hub"].calls})


class LoopThread:
    """A tornado event loop in a daemon thread, for servers the (synchronous) tests call."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._servers: list[HTTPServer] = []
        self._thread = threading.Thread(target=self.loop.run_forever, name="loop", daemon=True)
        self._thread.start()

    def listen(self, app: web.Application) -> int:
        """Serve ``app`` on a free 127.0.0.1 port (bound now); returns the port."""

        async def bind() -> int:
            sockets = bind_sockets(0, "127.0.0.1")
            server = HTTPServer(app, xheaders=True)
            server.add_sockets(sockets)
            self._servers.append(server)
            return int(sockets[0].getsockname()[1])

        return asyncio.run_coroutine_threadsafe(bind(), self.loop).result(10)

    def stop(self) -> None:
        for server in self._servers:
            self.loop.call_soon_threadsafe(server.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


class HubStandIn:
    """Tokens -> models, served at ``/hub/api/user`` on 127.0.0.1."""

    def __init__(self) -> None:
        self.tokens: dict[str, dict[str, Any]] = {}
        self.calls = 0
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hub/api"

    def add_user(
        self, name: str, *, admin: bool = False, scopes: Iterable[str] = (SERVICE_ACCESS,)
    ) -> str:
        """A new token for ``name`` with ``scopes``; returns the token."""
        token = secrets.token_hex(16)
        self.tokens[token] = user_model(name, admin=admin, scopes=scopes)
        return token

    def app(self) -> web.Application:
        return web.Application(
            [(r"/hub/api/user", _UserHandler), (r"/_standin/calls", _CallsHandler)], hub=self
        )

    def start(self, loop: LoopThread) -> HubStandIn:
        self.port = loop.listen(self.app())
        return self


async def _serve(port: int, tokens_file: str) -> None:
    hub = HubStandIn()
    with open(tokens_file, encoding="utf-8") as fh:
        hub.tokens = json.load(fh)
    hub.app().listen(port, address="127.0.0.1")
    await asyncio.Event().wait()


def main() -> None:
    """``python -m relay.hub_standin --port P --tokens FILE`` (FILE: {token: model})."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokens", required=True)
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.tokens))


if __name__ == "__main__":
    main()
