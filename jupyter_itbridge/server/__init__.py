"""The jupyter-server extension: REST API, request store, outbox, watchers, events."""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The extension is the :class:`~.extension.ITBridgeExtension` app (imported on demand)."""
    from .extension import ITBridgeExtension

    return [{"module": "jupyter_itbridge.server.extension", "app": ITBridgeExtension}]
