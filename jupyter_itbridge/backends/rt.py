"""Request Tracker (RT 5 REST2): tickets in a queue, found again by a subject marker.

Live-tested against a real RT 5 from Debian packages (tests/backends/test_rt_live.py).
"""

from __future__ import annotations

from typing import Any

from traitlets import Unicode, default

from .base import (
    BackendError,
    Message,
    OutgoingRequest,
    TicketRef,
    env_default,
    short_marker,
)
from .http import HTTPBackend, json_body
from .rt_messages import comment_keys, ticket_messages

#: RT status -> our state. Unknown (custom lifecycle) statuses map to "acknowledged".
RT_STATES: dict[str, str] = {
    "new": "sent",
    "open": "acknowledged",
    "stalled": "acknowledged",
    "resolved": "resolved",
    "rejected": "rejected",
    "deleted": "rejected",
}
PAGE = 100  # RT caps per_page at 100


def _sql_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class RTBackend(HTTPBackend):
    """Files requests as tickets in a Request Tracker queue (REST2, built into RT 5)."""

    name = "rt"
    can_find = True
    can_sync = True
    can_message = True
    can_find_comment = True

    queue = Unicode("General", help="RT queue that receives the requests.").tag(config=True)

    token = Unicode(
        help="""RT auth token (``Authorization: token ...``), preferred over user/password.
        Default: the ``ITBRIDGE_RT_TOKEN`` environment variable. Never logged or shown.""",
    ).tag(config=True)

    user = Unicode(
        help="RT user for basic auth when no token is set. Default: ``ITBRIDGE_RT_USER``.",
    ).tag(config=True)

    password = Unicode(
        help="""Password of ``user`` for basic auth. Default: the ``ITBRIDGE_RT_PASSWORD``
        environment variable. Never logged or shown.""",
    ).tag(config=True)

    custom_field = Unicode(
        "",
        help="""Name of a ticket custom field that stores the request UUID (optional). When
        set, ``find`` searches it (exact); otherwise the subject marker ``[itbridge:xxxxxxxx]``
        plus the body marker line are used.""",
    ).tag(config=True)

    requestor_domain = Unicode(
        "",
        help="""Mail domain appended to the Jupyter user name to set the ticket's Requestor
        (e.g. ``corp.example`` makes ``alice`` -> ``alice@corp.example``), so RT answers the
        user directly. Empty: the API user is the requestor.""",
    ).tag(config=True)

    @default("message_reads_per_sync")
    def _message_budget(self) -> int:
        # one REST2 call per ticket (two when IT wrote): ~0.6 s each on a loopback RT 5
        return 50

    _token_env = env_default("token", "ITBRIDGE_RT_TOKEN")
    _user_env = env_default("user", "ITBRIDGE_RT_USER")
    _password_env = env_default("password", "ITBRIDGE_RT_PASSWORD")

    # -- auth --------------------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"} if self.token else {}

    def basic_auth(self) -> tuple[str, str] | None:
        if not self.token and self.user:
            return (self.user, self.password)
        return None

    def secret_trait(self) -> str:
        return "RTBackend.token" if self.token else "RTBackend.user/password"

    def _api(self, path: str) -> str:
        return f"/REST/2.0{path}"

    def _ref(self, ticket_id: Any) -> TicketRef:
        tid = str(ticket_id)
        return TicketRef(id=tid, url=f"{self.url}/Ticket/Display.html?id={tid}")

    # -- interface ---------------------------------------------------------------------------
    def create(self, request: OutgoingRequest) -> TicketRef:
        payload: dict[str, Any] = {
            "Queue": self.queue,
            "Subject": f"{request.summary.strip()[:200]} {short_marker(request.uuid)}",
            "Content": request.body_with_marker,
            "ContentType": "text/plain",
            "Priority": {"low": 20, "normal": 50, "high": 80}.get(request.urgency, 50),
        }
        if self.requestor_domain and request.user:
            payload["Requestor"] = f"{request.user}@{self.requestor_domain}"
        if self.custom_field:
            payload["CustomFields"] = {self.custom_field: request.uuid}
        try:
            resp = self.call(
                "POST",
                self._api("/ticket"),
                json=payload,
                action="create a ticket",
                target=f"queue {self.queue!r}",
                ok=(201,),
            )
        except BackendError as exc:
            if exc.status == 403:  # RT answers 403, not 404, for a queue that does not exist
                raise BackendError(
                    f"RT at {self.url} refused to create a ticket in queue {self.queue!r} "
                    f"(HTTP 403): check that RTBackend.queue names an existing queue and that "
                    f"{self.secret_trait()} has CreateTicket there.",
                    retryable=False,
                    status=403,
                ) from None
            raise
        data = json_body(resp, "create a ticket")
        if not isinstance(data, dict) or not data.get("id"):
            raise BackendError(f"RT at {self.url} created no ticket id: {str(data)[:200]}")
        return self._ref(data["id"])

    def _search(self, query: str, fields: str, action: str) -> list[dict[str, Any]]:
        """All items of a TicketSQL search (pages of 100)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            resp = self.call(
                "GET",
                self._api("/tickets"),
                action=action,
                params={
                    "query": query,
                    "fields": fields,
                    "per_page": PAGE,
                    "page": page,
                    "orderby": "id",
                    "order": "ASC",
                },
            )
            data = json_body(resp, action)
            items += data.get("items") or []
            pages = int(float(data.get("pages") or 0))
            if page >= pages:
                return items
            page += 1

    def find(self, request_uuid: str) -> TicketRef | None:
        if self.custom_field:
            query = f"CF.{{{self.custom_field}}} = {_sql_quote(request_uuid)}"
            items = self._search(query, "Subject", "search for the request")
            return self._ref(items[0]["id"]) if items else None
        query = f"Subject LIKE {_sql_quote(short_marker(request_uuid))}"
        items = self._search(query, "Subject", "search for the request")
        for item in items:
            # The subject marker holds 8 hex digits; confirm with the full UUID in the body.
            if self._body_has(item["id"], request_uuid):
                return self._ref(item["id"])
        return None

    def _body_has(self, ticket_id: str, request_uuid: str) -> bool:
        resp = self.call(
            "GET",
            self._api(f"/ticket/{ticket_id}/attachments"),
            action="read the ticket",
            params={"fields": "Content", "per_page": 5},
        )
        for att in json_body(resp, "read the ticket").get("items") or []:
            if request_uuid in str(att.get("Content") or ""):
                return True
        return False

    def status(self, ref: TicketRef) -> str | None:
        resp = self.call(
            "GET",
            self._api(f"/ticket/{ref.id}"),
            action="read the ticket",
            target=f"ticket {ref.id}",
            ok=(200,),
        )
        return RT_STATES.get(str(json_body(resp, "read the ticket").get("Status")), "acknowledged")

    def statuses(self, refs: list[TicketRef]) -> dict[str, str]:
        """One TicketSQL query per 100 tickets; deleted tickets (hidden from search) are read
        one by one."""
        out: dict[str, str] = {}
        ids = [r.id for r in refs if str(r.id).isdigit()]
        for start in range(0, len(ids), PAGE):
            chunk = ids[start : start + PAGE]
            query = " OR ".join(f"id = {i}" for i in chunk)
            for item in self._search(query, "Status", "read ticket statuses"):
                out[str(item["id"])] = RT_STATES.get(str(item.get("Status")), "acknowledged")
        for ref in refs:
            if ref.id not in out:
                try:
                    state = self.status(ref)
                except BackendError as exc:
                    if exc.status == 404:
                        continue
                    raise
                if state:
                    out[ref.id] = state
        return out

    def comment(self, ref: TicketRef, text: str) -> None:
        self.call(
            "POST",
            self._api(f"/ticket/{ref.id}/comment"),
            action="comment on the ticket",
            target=f"ticket {ref.id}",
            json={"Content": text, "ContentType": "text/plain"},
            ok=(200, 201),
        )

    def messages(self, ref: TicketRef, since: float | None = None) -> list[Message]:
        """Correspond (shown) and Comment (internal) transactions; see ``rt_messages``."""
        return ticket_messages(self.call, self._api, ref.id, since, self._display_name)

    def comment_posted(self, ref: TicketRef, key: str) -> bool:
        return key in comment_keys(self.call, self._api, ref.id)

    def _display_name(self, user_id: str) -> str:
        """An RT user's real name (asked once per user and kept), else the login."""
        names: dict[str, str] = self.__dict__.setdefault("_names", {})
        if not user_id:
            return "IT"
        if user_id not in names:
            try:
                resp = self.call(
                    "GET", self._api(f"/user/{user_id}"), action="read a user", ok=(200,)
                )
                data = json_body(resp, "read a user")
                names[user_id] = str(data.get("RealName") or data.get("Name") or user_id)
            except BackendError:  # a staff member's record we may not read: the login will do
                names[user_id] = user_id
        return names[user_id]

    def check(self) -> str:
        resp = self.call(
            "GET",
            self._api(f"/queue/{self.queue}"),
            action="read the queue",
            target=f"queue {self.queue!r}",
            ok=(200,),
        )
        data = json_body(resp, "read the queue")
        if data.get("Disabled") in (1, "1"):
            raise BackendError(
                f"RT queue {self.queue!r} on {self.url} is disabled.", retryable=False
            )
        return f"rt: {self.url} accepted {self.secret_trait()}; queue {self.queue!r} exists."

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "queue": self.queue,
            "auth": "token" if self.token else ("basic" if self.user else "none"),
            "custom_field": self.custom_field or None,
        }
