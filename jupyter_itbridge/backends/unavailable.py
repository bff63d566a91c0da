"""The stand-in for a backend that failed to load: requests are kept, delivery waits.

Why a backend and not an error: a typo in ``c.ITBridge.backend`` or a missing optional package
must not take the Jupyter server (or ``jupyter itbridge requests list``) down; users can still
file requests, which are delivered once the admin fixed the config and restarted the server.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Backend, BackendError, OutgoingRequest, TicketRef


class UnavailableBackend(Backend):
    """Refuses every delivery with the load error, as a non-retryable configuration error."""

    name: ClassVar[str] = "unavailable"
    blocking: ClassVar[bool] = False  # raises at once: no I/O

    def __init__(self, wanted: str, reason: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wanted = wanted
        self.reason = reason

    def create(self, request: OutgoingRequest) -> TicketRef:
        raise BackendError(
            f"Backend {self.wanted!r} could not be loaded ({self.reason}); requests are kept "
            "and delivered after the configuration is fixed and the server restarted.",
            retryable=False,
        )

    def describe(self) -> dict[str, Any]:
        return {"backend": self.wanted, "error": self.reason}
