"""ServiceNow (Table API; optional Service Catalog ``order_now``), found by ``correlation_id``.

Contract-tested against a loopback fake of the documented endpoints, not against a live instance.
"""

from __future__ import annotations

from typing import Any

from traitlets import Dict, Enum, Unicode

from .base import BackendError, OutgoingRequest, TicketRef, env_default
from .http import HTTPBackend, json_body

#: incident (and task-like tables) ``state`` -> our state.
INCIDENT_STATES: dict[str, str] = {
    "1": "sent",  # New
    "2": "acknowledged",  # In Progress
    "3": "acknowledged",  # On Hold
    "6": "resolved",  # Resolved
    "7": "resolved",  # Closed
    "8": "rejected",  # Canceled
}
#: sc_request ``request_state`` -> our state.
REQUEST_STATES: dict[str, str] = {
    "requested": "sent",
    "in_process": "acknowledged",
    "closed_complete": "resolved",
    "closed_incomplete": "rejected",
    "closed_cancelled": "rejected",
    "closed_rejected": "rejected",
}
URGENCY = {"high": "1", "normal": "2", "low": "3"}
BATCH = 100


class ServiceNowBackend(HTTPBackend):
    """Files requests as ServiceNow incidents (default) or ``sc_request`` records."""

    name = "servicenow"
    can_find = True
    can_sync = True

    table = Unicode(
        "incident",
        help="""Table the records go to: ``incident`` (default), ``sc_request``, or another
        task table that has ``correlation_id``. Ignored for creation when
        ``catalog_item`` is set (orders land in ``sc_request``).""",
    ).tag(config=True)

    user = Unicode(help="Integration user for basic auth. Default: ``ITBRIDGE_SNOW_USER``.").tag(
        config=True
    )

    password = Unicode(
        help="""Password of ``user``. Default: the ``ITBRIDGE_SNOW_PASSWORD`` environment
        variable. Never logged or shown.""",
    ).tag(config=True)

    token = Unicode(
        help="""OAuth access token (``Authorization: Bearer``), used instead of user/password
        when set. Default: ``ITBRIDGE_SNOW_TOKEN``. Never logged or shown.""",
    ).tag(config=True)

    assignment_group = Unicode(
        "", help="sys_id or name of the assignment group for new records (optional)."
    ).tag(config=True)

    category = Unicode("", help="Incident ``category`` for new records (optional).").tag(
        config=True
    )

    caller_field = Unicode(
        "caller_id",
        help="""Field that receives the Jupyter user name (``caller_id`` on incident,
        ``requested_for`` on sc_request). Empty: do not set a caller.""",
    ).tag(config=True)

    extra_fields = Dict(
        {}, help="Further fixed field values for every new record, e.g. ``{'impact': '3'}``."
    ).tag(config=True)

    comment_field = Enum(
        ["comments", "work_notes"],
        "comments",
        help="Journal field for follow-ups: ``comments`` (visible to the caller) or "
        "``work_notes`` (IT only).",
    ).tag(config=True)

    catalog_item = Unicode(
        "",
        help="""sys_id of a Service Catalog item: when set, requests are ordered with
        ``POST /api/sn_sc/servicecatalog/items/{sys_id}/order_now`` and the resulting
        sc_request gets our ``correlation_id`` with a follow-up PATCH.""",
    ).tag(config=True)

    catalog_variables = Dict(
        {"summary": "short_description", "body": "description"},
        help="""Maps our fields (``summary``, ``body``, ``user``, ``uuid``, ``urgency``) to the
        catalog item's variable names.""",
    ).tag(config=True)

    _user_env = env_default("user", "ITBRIDGE_SNOW_USER")
    _password_env = env_default("password", "ITBRIDGE_SNOW_PASSWORD")
    _token_env = env_default("token", "ITBRIDGE_SNOW_TOKEN")

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def basic_auth(self) -> tuple[str, str] | None:
        return None if self.token else (self.user, self.password)

    def secret_trait(self) -> str:
        return "ServiceNowBackend.token" if self.token else "ServiceNowBackend.user/password"

    @property
    def record_table(self) -> str:
        return "sc_request" if self.catalog_item else self.table

    def _ref(self, sys_id: str) -> TicketRef:
        table = self.record_table
        return TicketRef(id=sys_id, url=f"{self.url}/nav_to.do?uri={table}.do?sys_id={sys_id}")

    # -- interface ---------------------------------------------------------------------------
    def create(self, request: OutgoingRequest) -> TicketRef:
        if self.catalog_item:
            return self._order(request)
        fields: dict[str, Any] = {
            "short_description": request.summary[:160],
            "description": request.body,
            "correlation_id": request.uuid,
            "correlation_display": "jupyter-itbridge",
            "urgency": URGENCY.get(request.urgency, "2"),
        }
        if self.caller_field and request.user:
            fields[self.caller_field] = request.user
        if self.assignment_group:
            fields["assignment_group"] = self.assignment_group
        if self.category:
            fields["category"] = self.category
        fields.update(self.extra_fields)
        resp = self.call(
            "POST",
            f"/api/now/table/{self.table}",
            json=fields,
            action="create a record",
            target=f"table {self.table!r}",
            ok=(200, 201),
        )
        return self._from_result(resp, "create a record")

    def _from_result(self, resp: Any, action: str) -> TicketRef:
        result = (json_body(resp, action) or {}).get("result") or {}
        sys_id = result.get("sys_id") or result.get("request_id")
        if not sys_id:
            raise BackendError(f"ServiceNow at {self.url} returned no sys_id to {action}.")
        return self._ref(str(sys_id))

    def _order(self, request: OutgoingRequest) -> TicketRef:
        ours = {
            "summary": request.summary,
            "body": request.body,
            "user": request.user,
            "uuid": request.uuid,
            "urgency": request.urgency,
        }
        variables = {var: ours[key] for key, var in self.catalog_variables.items() if key in ours}
        resp = self.call(
            "POST",
            f"/api/sn_sc/servicecatalog/items/{self.catalog_item}/order_now",
            json={"sysparm_quantity": "1", "variables": variables},
            action="order the catalog item",
            target=f"catalog item {self.catalog_item}",
            ok=(200, 201),
        )
        ref = self._from_result(resp, "order the catalog item")
        # order_now cannot set correlation_id; without it a retry could order twice.
        self.call(
            "PATCH",
            f"/api/now/table/sc_request/{ref.id}",
            json={"correlation_id": request.uuid, "correlation_display": "jupyter-itbridge"},
            action="tag the request",
            target="table 'sc_request'",
            ok=(200,),
        )
        return ref

    def find(self, request_uuid: str) -> TicketRef | None:
        table = self.record_table
        resp = self.call(
            "GET",
            f"/api/now/table/{table}",
            action="search for the request",
            target=f"table {table!r}",
            ok=(200,),
            params={
                "sysparm_query": f"correlation_id={request_uuid}",
                "sysparm_fields": "sys_id",
                "sysparm_limit": "1",
            },
        )
        rows = (json_body(resp, "search for the request") or {}).get("result") or []
        return self._ref(rows[0]["sys_id"]) if rows else None

    def _state(self, row: dict[str, Any]) -> str | None:
        if self.record_table == "sc_request" and row.get("request_state"):
            return REQUEST_STATES.get(str(row["request_state"]), "acknowledged")
        state = row.get("state")
        if isinstance(state, dict):  # sysparm_display_value=all shape
            state = state.get("value")
        return INCIDENT_STATES.get(str(state), "acknowledged") if state not in (None, "") else None

    def status(self, ref: TicketRef) -> str | None:
        return self.statuses([ref]).get(ref.id)

    def statuses(self, refs: list[TicketRef]) -> dict[str, str]:
        table = self.record_table
        out: dict[str, str] = {}
        ids = [r.id for r in refs]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            resp = self.call(
                "GET",
                f"/api/now/table/{table}",
                action="read record states",
                target=f"table {table!r}",
                ok=(200,),
                params={
                    "sysparm_query": "sys_idIN" + ",".join(chunk),
                    "sysparm_fields": "sys_id,state,request_state",
                    "sysparm_limit": str(len(chunk)),
                },
            )
            for row in (json_body(resp, "read record states") or {}).get("result") or []:
                state = self._state(row)
                if state:
                    out[str(row["sys_id"])] = state
        return out

    def comment(self, ref: TicketRef, text: str) -> None:
        table = self.record_table
        self.call(
            "PATCH",
            f"/api/now/table/{table}/{ref.id}",
            json={self.comment_field: text},
            action="comment on the record",
            target=f"table {table!r}",
            ok=(200,),
        )

    def check(self) -> str:
        table = self.record_table
        self.call(
            "GET",
            f"/api/now/table/{table}",
            action="read the table",
            target=f"table {table!r}",
            ok=(200,),
            params={"sysparm_limit": "1", "sysparm_fields": "sys_id"},
        )
        return f"servicenow: {self.url} accepted {self.secret_trait()}; table {table!r} readable."

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "table": self.record_table,
            "catalog_item": self.catalog_item or None,
            "auth": "oauth" if self.token else "basic",
        }
