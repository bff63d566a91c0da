"""``hub``: a single-user server hands its requests to the JupyterHub relay, which holds the
ticket-system credentials (``jupyter itbridge relay``).

Why a backend: the single-user server keeps its own store and outbox (a request is committed
before anything is sent, retried while the relay is down, never lost), and only the last hop
changes: ``create`` forwards the request to the relay with the server's own
``JUPYTERHUB_API_TOKEN``, ``statuses`` asks for all open requests in one call, ``comment``
forwards a note. No ticket-system secret is needed, or wanted, on the user's side.

The relay's answer is kept in the request's ``meta`` (``{"relay": {...}}``): the real ticket
once the relay delivered it, how many colleagues asked for the same, whether this request
joined a colleague's. ``row_state_detail`` turns that into the sentence users read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import quote

import requests
from traitlets import Unicode, default

from ..contract import ENV_RELAY_URL, NEXT_TRY_FORMAT
from .base import (
    CANCEL_COMMENT,
    BackendError,
    Message,
    OutgoingRequest,
    TicketRef,
    TicketStatus,
)
from .http import HTTPBackend, json_body

SERVICE = "itbridge"
WAITING = "waiting for the IT relay"
#: The relay's state of the shared request -> this server's state (a forwarded request is at
#: least ``sent``; the relay's queue and retries are the relay's business).
RELAY_STATES = {
    "queued": "sent",
    "failed": "sent",
    "sent": "sent",
    "acknowledged": "acknowledged",
    "resolved": "resolved",
    "rejected": "rejected",
    "cancelled": "cancelled",
}
SCOPE_HINT = (
    "add the scope 'access:services!service=itbridge' to the 'server' role in "
    "c.JupyterHub.load_roles (see docs/hub.md)"
)


def _messages(raw: Any) -> list[Message]:
    """The relay's public messages of one request (bad entries skipped, never trusted)."""
    from datetime import datetime, timezone

    out: list[Message] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        try:
            text = str(item.get("created_at") or "")
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        out.append(
            Message(
                id=f"relay:{item.get('id')}",
                role="it",
                author=str(item.get("author") or "IT"),
                text=item["text"],
                created_at=moment.timestamp(),
                public=True,
            )
        )
    return out


def _pending_id(request_uuid: str) -> str:
    """The ticket id of a forwarded request until the relay knows the real one (unique)."""
    return f"relay:{request_uuid}"


class HubBackend(HTTPBackend):
    """Forwards requests to the hub relay with the single-user server's Hub token."""

    name = "hub"
    can_find = False  # ``create`` is idempotent on the UUID: a retried forward returns the first
    can_sync = True
    #: IT's messages come with the relay's sync answer (no further call).
    can_message = True
    admin_hint: ClassVar[str | None] = None

    url = Unicode(
        help="""The relay's URL as this server reaches it, e.g.
        ``http://hub:8081/services/itbridge/`` or the relay's own address. Default:
        ``$JUPYTER_ITBRIDGE_RELAY_URL`` (set it with ``c.Spawner.environment``), else asked of
        the Hub API (``GET /hub/api/services/itbridge``).""",
    ).tag(config=True)

    token = Unicode(
        help="""Token the relay identifies this server's user by. Default:
        ``$JUPYTERHUB_API_TOKEN``, the token JupyterHub gives every single-user server (its
        ``server`` role needs ``access:services!service=itbridge``). Not a ticket-system
        credential: it is the user's own.""",
    ).tag(config=True)

    service_name = Unicode(
        SERVICE, help="Name of the relay service in c.JupyterHub.services (for discovery)."
    ).tag(config=True)

    @default("url")
    def _default_url(self) -> str:
        return os.environ.get(ENV_RELAY_URL, "")

    @default("token")
    def _default_token(self) -> str:
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    # -- HTTPBackend plumbing ------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"} if self.token else {}

    def secret_trait(self) -> str:
        return "this server's JupyterHub token (HubBackend.token / $JUPYTERHUB_API_TOKEN)"

    def _api(self, path: str) -> str:
        return f"/api/v1/{path}"

    def call(
        self,
        method: str,
        path: str,
        *,
        action: str,
        target: str = "",
        ok: Iterable[int] = (200, 201, 204),
        **kwargs: Any,
    ) -> requests.Response:
        """``HTTPBackend.call`` with the relay found first and 401/403 explained for admins."""
        self._discover()
        try:
            return super().call(method, path, action=action, target=target, ok=ok, **kwargs)
        except BackendError as err:
            if err.status in (401, 403):
                raise BackendError(
                    f"The IT relay at {self.url} refused this server's JupyterHub token "
                    f"(HTTP {err.status}): {SCOPE_HINT}.",
                    retryable=False,
                    status=err.status,
                ) from None
            if err.status is None or err.status >= 500:
                raise BackendError(
                    f"{WAITING.capitalize()}: {err.admin_message}",
                    retryable=True,
                    retry_after=err.retry_after,
                    status=err.status,
                ) from None
            raise

    def _discover(self) -> None:
        """Ask the Hub where the relay is, once, when no URL was configured."""
        if self.url:
            return
        api = os.environ.get("JUPYTERHUB_API_URL", "")
        if not api or not self.token:
            raise BackendError(
                "No IT relay configured: set $JUPYTER_ITBRIDGE_RELAY_URL (c.Spawner.environment) "
                "or c.HubBackend.url on the single-user servers.",
                retryable=False,
            )
        try:
            resp = requests.get(
                f"{api.rstrip('/')}/services/{quote(self.service_name)}",
                headers=self.auth_headers(),
                timeout=10,
            )
        except requests.RequestException as err:
            raise BackendError(
                f"{WAITING.capitalize()}: the Hub API did not answer ({type(err).__name__})."
            ) from None
        model = resp.json() if resp.status_code == 200 else {}
        found = model.get("url") if isinstance(model, dict) else None
        if not found:
            raise BackendError(
                f"The Hub did not tell this server where the IT relay {self.service_name!r} is "
                f"(HTTP {resp.status_code}): set $JUPYTER_ITBRIDGE_RELAY_URL in "
                "c.Spawner.environment, or grant 'read:services!service=itbridge'.",
                retryable=False,
                status=resp.status_code,
            )
        prefix = model.get("prefix") or f"/services/{self.service_name}/"
        self.url = f"{str(found).rstrip('/')}{prefix}" if "/services/" not in found else found

    def _ref(self, request_uuid: str, view: dict[str, Any]) -> TicketRef:
        ticket = view.get("ticket") or {}
        keep = ("state", "ticket", "waiting", "requesters", "colleagues", "joined")
        meta = {"relay": {k: view.get(k) for k in keep}}
        return TicketRef(
            id=str(ticket.get("id") or _pending_id(request_uuid)),
            url=ticket.get("url"),
            request_uuid=request_uuid,
            meta=meta,
        )

    # -- the interface -------------------------------------------------------------------------

    def create(self, request: OutgoingRequest) -> TicketRef:
        draft = dict(request.extra.get("draft") or {})
        draft.setdefault("summary", request.summary)
        resp = self.call(
            "POST",
            self._api("requests"),
            json={"uuid": request.uuid, "draft": draft},
            action="forward the request",
            ok=(200, 201),
        )
        return self._ref(request.uuid, json_body(resp, "forward the request"))

    def find(self, request_uuid: str) -> TicketRef | None:
        try:
            resp = self.call(
                "GET", self._api(f"requests/{quote(request_uuid)}"), action="find the request"
            )
        except BackendError as err:
            if err.status == 404:
                return None
            raise
        return self._ref(request_uuid, json_body(resp, "find the request"))

    def statuses(self, refs: list[TicketRef]) -> dict[str, str | TicketStatus]:
        """One call for every open request of this server."""
        by_uuid = {r.request_uuid: r for r in refs if r.request_uuid}
        if not by_uuid:
            return {}
        resp = self.call(
            "POST",
            self._api("sync"),
            json={"uuids": list(by_uuid)},
            action="read request states",
        )
        found = json_body(resp, "read request states").get("requests") or {}
        out: dict[str, str | TicketStatus] = {}
        synced: dict[str, list[Message]] = self.__dict__.setdefault("_synced_messages", {})
        for request_uuid, ref in by_uuid.items():
            view = found.get(request_uuid)
            if not isinstance(view, dict):
                continue
            synced[request_uuid] = _messages(view.get("messages"))
            state = RELAY_STATES.get(str(view.get("state")), "sent")
            out[ref.id] = TicketStatus(state=state, ticket=self._ref(request_uuid, view))
        return out

    def messages(self, ref: TicketRef, since: float | None = None) -> list[Message]:
        """IT's messages as the last sync answer carried them (the outbox reads messages
        right after ``statuses``); a request not in that answer is asked about alone."""
        request_uuid = ref.request_uuid or ref.id.removeprefix("relay:")
        synced: dict[str, list[Message]] = self.__dict__.setdefault("_synced_messages", {})
        if request_uuid not in synced:
            self.statuses([TicketRef(id=ref.id, url=ref.url, request_uuid=request_uuid)])
        found = synced.pop(request_uuid, [])
        return [m for m in found if since is None or m.created_at >= since - 1.0]

    def comment(self, ref: TicketRef, text: str) -> None:
        request_uuid = ref.request_uuid or ref.id.removeprefix("relay:")
        action = "cancel" if text == CANCEL_COMMENT else "comment"
        try:
            self.call(
                "POST",
                self._api(f"requests/{quote(request_uuid)}/{action}"),
                json={} if action == "cancel" else {"text": text},
                action=f"{action} the request",
                ok=(200, 201),
            )
        except BackendError as err:
            if action == "cancel" and err.status == 409:
                return  # already closed at the relay: nothing left to cancel
            raise

    def check(self) -> str:
        resp = self.call("GET", self._api("health"), action="reach the relay", ok=(200,))
        data = json_body(resp, "reach the relay")
        depth = data.get("outbox_depth")
        return f"hub: the IT relay at {self.url} accepts this server's token (queue {depth})."

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "relay": self.url or "(discovered from the Hub)"}

    # -- what users read -----------------------------------------------------------------------

    @staticmethod
    def row_state_detail(row: Any) -> str | None:
        """The sentence for a request filed through the relay (see ``views.state_detail``)."""
        state = row.get("state")
        meta = row.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        found = meta.get("relay")
        relay: dict[str, Any] = found if isinstance(found, dict) else {}
        if state == "queued":
            return WAITING
        if state == "failed":
            text = f"{WAITING} - retrying automatically"
            if row.get("next_attempt_at"):
                text += time.strftime(NEXT_TRY_FORMAT, time.gmtime(row["next_attempt_at"]))
            return text
        if state not in ("sent", "acknowledged"):
            return None
        ticket = relay.get("ticket") if isinstance(relay.get("ticket"), dict) else None
        ref = f"#{ticket['id']}" if ticket and ticket.get("id") else ""
        colleagues = int(relay.get("colleagues") or 0)
        people = f"{colleagues} colleague{'s' if colleagues != 1 else ''}"
        if relay.get("joined") and colleagues:
            where = f" ({ref})" if ref else ""
            return f"Already requested by {people}{where}; your note was added"
        if not ref:
            return "with the IT relay; waiting for the ticket system"
        base = "sent to IT as" if state == "sent" else "IT is working on"
        also = f"; {people} asked for the same" if colleagues else ""
        return f"{base} {ref}{also}"
