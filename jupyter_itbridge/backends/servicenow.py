"""ServiceNow (Table API; optional Service Catalog ``order_now``), found by ``correlation_id``.

A found record is adopted only after our UUID was read back from it: ServiceNow drops an
encoded-query term on a field the table lacks and returns every row, so the first row of a
search proves nothing. Contract-tested against a loopback fake of the documented endpoints
(tests/backends/fakes/servicenow.py), not against a live instance.
"""

from __future__ import annotations

from typing import Any, ClassVar

from traitlets import Dict, Enum, Integer, Unicode

from . import servicenow_catalog as catalog
from . import servicenow_journal as journal
from .base import BackendError, Message, OutgoingRequest, TicketRef, env_default
from .http import HTTPBackend, json_body
from .markup import FittedBody, fit_body
from .servicenow_support import (
    REQUEST_STATES,
    Lookups,
    OAuthClientCredentials,
    is_sys_id,
    states_for,
)

URGENCY = {"high": "1", "normal": "2", "low": "3"}
BATCH = 100
#: ``max_length`` of ``description`` in the base system dictionary (task and its children).
DESCRIPTION_LIMIT = 4000


class ServiceNowBackend(HTTPBackend):
    """Files requests as ServiceNow incidents (default), other task-table records, or Service
    Catalog orders (``sc_request``)."""

    name = "servicenow"
    can_find = True
    can_sync = True
    can_message = True
    #: The Table API reads its own writes, but an insert whose answer we gave up on still
    #: runs to its end on the instance (business rules; cancelled only by a transaction
    #: quota), so a lost answer is looked for this long before the record is created again.
    default_consistency_window: ClassVar[float] = 60.0

    table = Unicode(
        "incident",
        help="""Table the records go to: ``incident`` (default), ``sc_request``, ``sc_task`` or
        another table. States follow the table (incident, problem, change_request, task and its
        children, sc_request's ``request_state``); see ``state_map``. Ignored when
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
        help="""A static OAuth access token (``Authorization: Bearer``), used instead of
        user/password when set. Default: ``ITBRIDGE_SNOW_TOKEN``. Never logged or shown.
        Prefer ``client_id``/``client_secret``: static tokens expire.""",
    ).tag(config=True)

    client_id = Unicode(
        help="""OAuth client id (Application Registry, client credentials grant): tokens are
        fetched from ``/oauth_token.do`` and renewed before they expire. Default:
        ``ITBRIDGE_SNOW_CLIENT_ID``.""",
    ).tag(config=True)

    client_secret = Unicode(
        help="Secret of ``client_id``. Default: ``ITBRIDGE_SNOW_CLIENT_SECRET``. Never logged "
        "or shown.",
    ).tag(config=True)

    integration_user = Unicode(
        "",
        help="""User name the integration writes as (journal ``sys_created_by``), so our own
        comments come back as the requester's. Default: ``user`` (set it with OAuth: the
        OAuth application user).""",
    ).tag(config=True)

    assignment_group = Unicode(
        "",
        help="Assignment group for new records: a sys_id, or a group name looked up in "
        "``sys_user_group`` (optional).",
    ).tag(config=True)

    category = Unicode("", help="Incident ``category`` for new records (optional).").tag(
        config=True
    )

    caller_field = Unicode(
        "caller_id",
        help="""Field that receives the requester's ``sys_user`` sys_id (``caller_id`` on
        incident, ``requested_for`` on sc_request). Empty: do not set a caller.""",
    ).tag(config=True)

    user_match = Enum(
        ["user_name", "email"],
        "user_name",
        help="""How a Jupyter user is found in ``sys_user``: by ``user_name``, or by ``email``
        (``<user>@<user_domain>``, or the user name as is when it holds an @). No single
        match: the record gets no caller.""",
    ).tag(config=True)

    user_domain = Unicode("", help="Mail domain for ``user_match = 'email'``.").tag(config=True)

    state_map = Dict(
        {},
        help="""Extra ``state`` value -> our state (sent/acknowledged/resolved/rejected) for
        the configured table, over the base system's choice list, e.g. custom states.""",
    ).tag(config=True)

    description_limit = Integer(
        DESCRIPTION_LIMIT,
        help="""``max_length`` of the table's ``description`` (4,000 in the base system;
        longer values are cut by ServiceNow). A longer body is cut here with a notice, marker
        first, and the full text is attached.""",
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
        ``POST /api/sn_sc/servicecatalog/items/{sys_id}/order_now`` (two-step checkout is
        handled); the request UUID travels in the order's variables.""",
    ).tag(config=True)

    catalog_variables = Dict(
        {"summary": "short_description", "body": "description"},
        help="""Maps our fields (``summary``, ``body``, ``user``, ``uuid``, ``urgency``) to the
        catalog item's variable names. ``body`` starts with the request-id marker, which is
        how an order is found again.""",
    ).tag(config=True)

    _user_env = env_default("user", "ITBRIDGE_SNOW_USER")
    _password_env = env_default("password", "ITBRIDGE_SNOW_PASSWORD")
    _token_env = env_default("token", "ITBRIDGE_SNOW_TOKEN")
    _client_id_env = env_default("client_id", "ITBRIDGE_SNOW_CLIENT_ID")
    _client_secret_env = env_default("client_secret", "ITBRIDGE_SNOW_CLIENT_SECRET")
    _oauth: OAuthClientCredentials | None = None
    _lookups: Lookups | None = None

    @property
    def auth_mode(self) -> str:
        if self.client_id and self.client_secret:
            return "oauth-client-credentials"
        return "oauth" if self.token else "basic"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.auth_mode == "oauth" else {}

    def basic_auth(self) -> tuple[str, str] | None:
        return (self.user, self.password) if self.auth_mode == "basic" else None

    def dynamic_auth(self, refresh: bool = False) -> dict[str, str]:
        if self.auth_mode != "oauth-client-credentials":
            return {}
        if self._oauth is None:
            self._oauth = OAuthClientCredentials(
                self.url,
                self.client_id,
                self.client_secret,
                self.session,
                self._proxies_for(f"{self.url}/oauth_token.do"),
            )
        return self._oauth.header(refresh)

    def secret_trait(self) -> str:
        return {
            "oauth-client-credentials": "the OAuth token of ServiceNowBackend.client_id",
            "oauth": "ServiceNowBackend.token",
        }.get(self.auth_mode, "ServiceNowBackend.user/password")

    @property
    def record_table(self) -> str:
        return "sc_request" if self.catalog_item else self.table

    def ref_for(self, sys_id: str) -> TicketRef:
        table = self.record_table
        return TicketRef(id=sys_id, url=f"{self.url}/nav_to.do?uri={table}.do?sys_id={sys_id}")

    def rows(
        self, table: str, query: str, fields: str, limit: int = 10, action: str = "search"
    ) -> list[dict[str, Any]]:
        """One Table API read, references as plain sys_ids."""
        resp = self.call(
            "GET",
            f"/api/now/table/{table}",
            action=f"{action} in {table}",
            target=f"table {table!r}",
            ok=(200,),
            params={
                "sysparm_query": query,
                "sysparm_fields": fields,
                "sysparm_limit": str(limit),
                "sysparm_exclude_reference_link": "true",
            },
        )
        return list((json_body(resp, f"{action} in {table}") or {}).get("result") or [])

    @property
    def lookups(self) -> Lookups:
        if self._lookups is None:
            self._lookups = Lookups(self.rows)
        return self._lookups

    def fitted(self, request: OutgoingRequest) -> FittedBody:
        return fit_body(request.body, request.marker, self.description_limit, request.uuid)

    # -- attribution -------------------------------------------------------------------------
    def requester(self, user: str) -> str | None:
        """The requester's sys_user sys_id, or None (logged) when there is no single match."""
        if not user:
            return None
        if self.user_match == "email":
            value = user if "@" in user or not self.user_domain else f"{user}@{self.user_domain}"
        else:
            value = user
        try:
            sys_id = self.lookups.sys_id("sys_user", self.user_match, value)
        except BackendError as exc:
            if exc.retryable:
                raise  # an outage: the outbox retries the whole create later
            self.log.warning(  # sys_user not readable (ACL): file it without a caller
                "itbridge servicenow: cannot look up the caller (%s).", exc.admin_message
            )
            return None
        if sys_id is None:
            self.log.warning(
                "itbridge servicenow: no single sys_user with %s=%r; the record has no caller.",
                self.user_match,
                value,
            )
        return sys_id

    def _group(self) -> str | None:
        if not self.assignment_group or is_sys_id(self.assignment_group):
            return self.assignment_group or None
        sys_id = self.lookups.sys_id("sys_user_group", "name", self.assignment_group)
        if sys_id is None:
            raise BackendError(
                f"ServiceNowBackend.assignment_group {self.assignment_group!r} matches no single "
                f"sys_user_group on {self.url}; set its sys_id or the exact name.",
                retryable=False,
            )
        return sys_id

    # -- interface ---------------------------------------------------------------------------
    def create(self, request: OutgoingRequest) -> TicketRef:
        caller = self.requester(request.user) if self.caller_field or self.catalog_item else None
        if self.catalog_item:
            ref = catalog.order(self, request, caller)
            self._attach_if_cut(ref, request, "sc_request")
            return ref
        body = self.fitted(request)
        fields: dict[str, Any] = {
            "short_description": request.summary[:160],
            "description": body.text,
            "correlation_id": request.uuid,
            "correlation_display": "jupyter-itbridge",
            "urgency": URGENCY.get(request.urgency, "2"),
        }
        if self.caller_field and caller:
            fields[self.caller_field] = caller
        group = self._group()
        if group:
            fields["assignment_group"] = group
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
        result = (json_body(resp, "create a record") or {}).get("result") or {}
        if not result.get("sys_id"):
            raise BackendError(f"ServiceNow at {self.url} returned no sys_id to create a record.")
        ref = self.ref_for(str(result["sys_id"]))
        self._attach_if_cut(ref, request, self.table)
        return ref

    def _attach_if_cut(self, ref: TicketRef, request: OutgoingRequest, table: str) -> None:
        """The full body as a text attachment (Attachment API), best effort: the record exists,
        so a failure here is logged and never makes the outbox create again."""
        body = self.fitted(request)
        if not body.truncated:
            return
        try:
            self.call(
                "POST",
                "/api/now/attachment/file",
                params={
                    "table_name": table,
                    "table_sys_id": ref.id,
                    "file_name": body.attachment_name,
                },
                data=body.full.encode(),
                headers={"Content-Type": "text/plain; charset=utf-8"},
                action="attach the full request text",
                target=f"table {table!r}",
                ok=(200, 201),
            )
        except BackendError as exc:
            self.log.warning("itbridge servicenow: %s: %s", ref.id, exc.admin_message)

    def find(self, request_uuid: str) -> TicketRef | None:
        if self.catalog_item:
            return catalog.find_order(self, request_uuid)
        table = self.table
        for row in self.rows(table, f"correlation_id={request_uuid}", "sys_id,correlation_id"):
            if row.get("correlation_id") == request_uuid:  # read back: a dropped term returns all
                return self.ref_for(str(row["sys_id"]))
        # A table without correlation_id (a custom table) keeps only the body marker.
        marker = f"itbridge-request-id: {request_uuid}"
        for row in self.rows(table, f"descriptionLIKE{request_uuid}", "sys_id,description"):
            if marker in str(row.get("description") or ""):
                return self.ref_for(str(row["sys_id"]))
        return None

    def _state(self, row: dict[str, Any]) -> str | None:
        if self.record_table == "sc_request" and row.get("request_state"):
            return REQUEST_STATES.get(str(row["request_state"]), "acknowledged")
        state = row.get("state")
        if isinstance(state, dict):  # sysparm_display_value=all shape
            state = state.get("value")
        if state in (None, ""):
            return None
        return states_for(self.record_table, dict(self.state_map)).get(str(state), "acknowledged")

    def status(self, ref: TicketRef) -> str | None:
        return self.statuses([ref]).get(ref.id)

    def statuses(self, refs: list[TicketRef]) -> dict[str, str]:
        table = self.record_table
        out: dict[str, str] = {}
        ids = [r.id for r in refs]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = self.rows(
                table, "sys_idIN" + ",".join(chunk), "sys_id,state,request_state", len(chunk),
                "read record states",
            )  # fmt: skip
            for row in rows:
                state = self._state(row)
                if state and str(row.get("sys_id")) in chunk:
                    out[str(row["sys_id"])] = state
        return out

    def messages(self, ref: TicketRef, since: float | None = None) -> list[Message]:
        """Journal entries of the record: ``comments`` are shown, ``work_notes`` internal."""
        return journal.messages(self, ref, since)

    def comment(self, ref: TicketRef, text: str) -> None:
        table = self.record_table
        self.call(
            "PATCH",
            f"/api/now/table/{table}/{ref.id}",
            json={self.comment_field: journal.literal(text)},
            action="comment on the record",
            target=f"table {table!r}",
            ok=(200,),
        )

    def check(self) -> str:
        table = self.record_table
        self.rows(table, "", "sys_id", 1, "read the table")
        return f"servicenow: {self.url} accepted {self.secret_trait()}; table {table!r} readable."

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "table": self.record_table,
            "catalog_item": self.catalog_item or None,
            "auth": self.auth_mode,
            "consistency_window": self.consistency_window,
            **self.network_facts(),
        }
