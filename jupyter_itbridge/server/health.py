"""``GET health``: is the extension up, which backend, how deep is the outbox."""

from __future__ import annotations

from .. import __version__
from .base import ITBridgeHandler, endpoint


class HealthHandler(ITBridgeHandler):
    @endpoint()
    async def get(self) -> None:
        app = self.itbridge
        info = {"status": "ok", "version": __version__, "backend": app.config.backend}
        if app.service is not None:
            info.update(app.service.health())
        self.write_json(info)


HANDLERS = [(r"health", HealthHandler)]
