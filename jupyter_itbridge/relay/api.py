"""The relay's JSON API (``{prefix}api/v1/...``; ``relay/openapi.yaml``).

Every call needs a JupyterHub token whose scopes include the relay's access scope
(``access:services!service=itbridge``); the user is the token's owner. A user only ever sees,
comments on or cancels their own requests: anyone else's is 404, exactly like an unknown one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tornado import web

from .. import __version__
from ..server.service import RequestService
from .base import RelayHandler
from .service import RelayService

_UUID = r"(?P<request_uuid>[^/]+)"


class HealthHandler(RelayHandler):
    async def get(self) -> None:
        self.require_user()
        health = self.context.service.health()
        info: dict[str, Any] = {
            "status": "ok",
            "version": __version__,
            "reachable": health["reachable"],
            "outbox_depth": health["outbox_depth"],
        }
        if self.is_admin():  # IT sees the backend, its last error and the counts
            info.update(health)
        self.write_json(info)


class RequestsHandler(RelayHandler):
    async def get(self) -> None:
        user = self.require_user()
        self.write_json({"requests": self.relay.list_open(user)})

    async def post(self) -> None:
        """Forward one request (idempotent on its ``uuid``): 201 new, 200 already there."""
        user = self.require_user()
        body = self.read_json()
        # Redaction runs off the event loop (issue #17): an adversarial body must not hold
        # every user's forwards, even for the millisecond a small one could take.
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(None, self.call, RelayService.prepare, body)
        view, created = self.call(self.relay.forward, user, prepared)
        self.write_json(view, status=201 if created else 200)


class RequestHandler(RelayHandler):
    async def get(self, request_uuid: str) -> None:
        user = self.require_user()
        self.write_json(self.call(self.relay.get, user, request_uuid))


class CommentHandler(RelayHandler):
    async def post(self, request_uuid: str) -> None:
        user = self.require_user()
        body = self.read_json()
        loop = asyncio.get_running_loop()
        text = await loop.run_in_executor(
            None, self.call, RequestService.prepare_comment, body.get("text")
        )
        self.write_json(self.call(self.relay.comment, user, request_uuid, text))


class CancelHandler(RelayHandler):
    async def post(self, request_uuid: str) -> None:
        user = self.require_user()
        self.write_json(self.call(self.relay.cancel, user, request_uuid))


class SyncHandler(RelayHandler):
    async def post(self) -> None:
        """State, ticket and requester count of the caller's requests among ``uuids``."""
        user = self.require_user()
        uuids = self.read_json().get("uuids")
        limit = self.context.config.max_sync_uuids
        if not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids):
            raise web.HTTPError(400, "'uuids' must be a list of request UUIDs (strings).")
        if len(uuids) > limit:
            raise web.HTTPError(400, f"At most {limit} uuids per sync call.")
        self.write_json({"requests": self.relay.sync(user, uuids)})


class IndexHandler(RelayHandler):
    """``{prefix}`` when IT's view is not installed: say what this is (admins only)."""

    async def get(self) -> None:
        self.require_admin()
        self.write_json({"service": "jupyter-itbridge relay", "version": __version__})


#: Paths relative to the service prefix.
API_HANDLERS: list[tuple[str, type[RelayHandler]]] = [
    (r"api/v1/health", HealthHandler),
    (r"api/v1/requests", RequestsHandler),
    (rf"api/v1/requests/{_UUID}", RequestHandler),
    (rf"api/v1/requests/{_UUID}/comment", CommentHandler),
    (rf"api/v1/requests/{_UUID}/cancel", CancelHandler),
    (r"api/v1/sync", SyncHandler),
]
