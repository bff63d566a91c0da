"""The embedded default backend: requests are recorded in the store and listed in JupyterLab.

Why a real backend and not "no backend": the whole pipeline (store, outbox, states, sidebar)
works out of the box, and an admin can connect a ticket system later without losing anything.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Backend, OutgoingRequest, TicketRef

STATE_DETAIL = "recorded - no IT system configured"
ADMIN_HINT = (
    "Admins: set c.ITBridge.backend (rt, servicenow, jira, github, gitlab, email, webhook) "
    "in jupyter_server_config.py to deliver requests to IT."
)


class LocalBackend(Backend):
    """Records only. Ticket ids are ``LOCAL-<request id>``, so a retry can never duplicate."""

    name: ClassVar[str] = "local"
    blocking: ClassVar[bool] = False  # no I/O: the outbox calls it inline
    state_detail: ClassVar[str | None] = STATE_DETAIL
    admin_hint: ClassVar[str | None] = ADMIN_HINT
    #: Nothing is sent anywhere, so nobody can answer here.
    messages_hint: ClassVar[str | None] = "No ticket system is connected: nobody can reply here."

    def create(self, request: OutgoingRequest) -> TicketRef:
        number = request.extra.get("request_id") or request.uuid[:8]
        return TicketRef(id=f"LOCAL-{number}", url=None)

    def comment(self, ref: TicketRef, text: str) -> None:
        """Comments already live in the store; there is nowhere else to put them."""
        return None

    def check(self) -> str:
        return "local: requests are recorded in the Jupyter data dir; no IT system configured."

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "state_detail": STATE_DETAIL, "admin_hint": ADMIN_HINT}
