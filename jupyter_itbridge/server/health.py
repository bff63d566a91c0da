"""``GET health``: is the extension up, which backend, how deep is the outbox."""

from __future__ import annotations

from typing import Any

from .. import __version__
from .base import ITBridgeHandler, endpoint


class HealthHandler(ITBridgeHandler):
    @endpoint()
    async def get(self) -> None:
        app = self.itbridge
        info: dict[str, Any] = {"status": "ok", "version": __version__}
        info["backend"] = app.config.backend
        info.update(app.service.health())
        self.write_json(info)


HANDLERS: list[tuple[str, type[ITBridgeHandler]]] = [(r"health", HealthHandler)]
