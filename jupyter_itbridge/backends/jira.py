"""Jira Cloud and Data Center issues, and Jira Service Management requests, found by a label.

Cloud or Data Center is detected from the site (see :mod:`jira_api`): Cloud searches with
``/rest/api/3/search/jql``, reads statuses with ``issue/bulkfetch`` and writes ADF; Data Center
uses REST v2 and wiki markup. User text is always literal (no mentions, links or images).

JSM requests are labelled by a second call after creation, so they also carry the request UUID
where JSM accepts it at creation (a summary marker and the body marker line); ``find`` falls
back to a text search on those, so a lost label never leads to a second ticket.

Contract-tested against a loopback fake of the documented endpoints (tests/backends/fakes/
jira.py), not against a live Jira.
"""

from __future__ import annotations

from typing import Any, ClassVar

from traitlets import Bool, Dict, Enum, Integer, List, Unicode

from . import jira_api, jira_jsm
from .base import BackendError, Message, OutgoingRequest, TicketRef, env_default
from .http import HTTPBackend, json_body
from .jira_text import adf_body, plain_text, uuid_label, wiki_body, wiki_literal
from .markup import FittedBody, fit_body

#: ``fields.status.statusCategory.key`` -> our state ("done" may become "rejected").
CATEGORY_STATES: dict[str, str] = {
    "new": "sent",
    "indeterminate": "acknowledged",
    "done": "resolved",
}
PRIORITY = {"high": "High", "normal": "Medium", "low": "Low"}
BATCH = 100
SUMMARY_MAX = 250  # Jira's limit is 255 characters
#: Jira's text field limit (``jira.text.field.character.limit``, Cloud's fixed limit).
TEXT_LIMIT = 32767
#: Room for the markup around the literal text (``{noformat}`` lines, ADF overhead).
MARKUP_ROOM = 64
#: Tests and older callers import these from here.
_plain_text = plain_text


class JiraBackend(HTTPBackend):
    """Files requests as Jira issues, or as JSM customer requests (``mode = 'servicedesk'``)."""

    name = "jira"
    can_find = True
    can_sync = True
    can_message = True
    #: Cloud's search/jql is eventually consistent: an in-doubt create waits this long for
    #: ``find`` (used by the outbox's in-doubt logic where present).
    default_consistency_window: ClassVar[float] = 60.0
    #: The service desk's project key, read once from JSM when ``project`` is empty.
    _desk_project: str | None = None
    _cloud: bool | None = None
    _cloud_id: str | None = None
    _myself: dict[str, str] | None = None

    mode = Enum(
        ["issue", "servicedesk"],
        "issue",
        help="""``issue``: ``POST /rest/api/2/issue`` in ``project``. ``servicedesk``: Jira
        Service Management ``POST /rest/servicedeskapi/request`` (``service_desk_id``,
        ``request_type_id``); JSM cannot take labels at creation, so the request label is added
        with a follow-up ``PUT /rest/api/2/issue/{key}``, and the summary carries a marker
        ``[itbridge:xxxxxxxx]`` that ``find`` falls back to when the label is missing.""",
    ).tag(config=True)

    project = Unicode(
        "",
        help="""Project key for ``issue`` mode, e.g. ``IT``. In ``servicedesk`` mode it is
        optional: ``find`` restricts its marker search to it, and reads the service desk's
        project key from JSM when it is empty.""",
    ).tag(config=True)

    issue_type = Unicode("Task", help="Issue type name for ``issue`` mode.").tag(config=True)

    service_desk_id = Unicode("", help="JSM service desk id for ``servicedesk`` mode.").tag(
        config=True
    )

    request_type_id = Unicode("", help="JSM request type id for ``servicedesk`` mode.").tag(
        config=True
    )

    labels = List(
        Unicode(), ["itbridge"], help="Labels on every issue (the per-request label is added)."
    ).tag(config=True)

    extra_fields = Dict(
        {}, help="Further fixed fields for new issues, e.g. ``{'components': [{'name': 'DS'}]}``."
    ).tag(config=True)

    set_priority = Unicode(
        "",
        help="""Set to ``yes`` to send ``priority`` from the request's urgency (High/Medium/Low);
        off by default because many screens do not allow it.""",
    ).tag(config=True)

    rejected_resolutions = List(
        Unicode(),
        ["Won't Do", "Won't Fix", "Declined", "Duplicate", "Cannot Reproduce", "Rejected"],
        help="Resolutions of a done issue that mean 'rejected' rather than 'resolved'.",
    ).tag(config=True)

    search_path = Unicode(
        "",
        help="""A v2-style JQL search endpoint (``startAt`` paging, ``validateQuery``) to use
        instead of the detected one. Empty (default): ``/rest/api/2/search`` on Data Center,
        ``/rest/api/3/search/jql`` on Cloud (the old Cloud search answers 410 Gone).""",
    ).tag(config=True)

    deployment = Enum(
        ["auto", "cloud", "datacenter"],
        "auto",
        help="""``auto``: Cloud for ``*.atlassian.net`` hosts and scoped tokens, else what
        ``GET /rest/api/2/serverInfo`` says (``deploymentType``).""",
    ).tag(config=True)

    scoped_token = Bool(
        False,
        help="""``api_token`` is a Jira Cloud API token *with scopes*: calls go through
        ``https://api.atlassian.com/ex/jira/{cloud_id}`` (Atlassian's gateway), browse links
        stay on ``url``.""",
    ).tag(config=True)

    cloud_id = Unicode(
        "",
        help="Cloud id of the site for scoped tokens. Empty: read from the site's "
        "``/_edge/tenant_info``.",
    ).tag(config=True)

    api_gateway = Unicode(
        "https://api.atlassian.com", help="Atlassian's API gateway for scoped tokens."
    ).tag(config=True)

    description_limit = Integer(
        TEXT_LIMIT,
        help="""Characters Jira accepts in a text field (32,767 unless your admin changed
        ``jira.text.field.character.limit``). A longer body is cut with a notice, marker first,
        and the full text is attached to the issue.""",
    ).tag(config=True)

    raise_on_behalf_of = Bool(
        False,
        help="""JSM: raise the request on behalf of the Jupyter user (``raiseOnBehalfOf``): the
        customer's Data Center user name, or on Cloud their accountId found by email
        (``<user>@<user_domain>``). The integration user needs the "Service Desk Team" role.""",
    ).tag(config=True)

    user_domain = Unicode("", help="Mail domain of Jupyter users, for ``raise_on_behalf_of``.").tag(
        config=True
    )

    email = Unicode(
        help="Account email for basic auth with ``api_token`` (Jira Cloud). Default: "
        "``ITBRIDGE_JIRA_EMAIL``.",
    ).tag(config=True)

    api_token = Unicode(
        help="""Atlassian API token used with ``email`` (basic auth). Default: the
        ``ITBRIDGE_JIRA_API_TOKEN`` environment variable. Never logged or shown.""",
    ).tag(config=True)

    token = Unicode(
        help="""Personal access token (Data Center/Server) sent as ``Authorization: Bearer``;
        used when ``email`` is empty. Default: ``ITBRIDGE_JIRA_TOKEN``. Never logged or shown.""",
    ).tag(config=True)

    _email_env = env_default("email", "ITBRIDGE_JIRA_EMAIL")
    _api_token_env = env_default("api_token", "ITBRIDGE_JIRA_API_TOKEN")
    _token_env = env_default("token", "ITBRIDGE_JIRA_TOKEN")

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if (self.token and not self.email) else {}

    def basic_auth(self) -> tuple[str, str] | None:
        return (self.email, self.api_token) if self.email else None

    def secret_trait(self) -> str:
        return "JiraBackend.api_token" if self.email else "JiraBackend.token"

    def _ref(self, key: str) -> TicketRef:
        return TicketRef(id=key, url=f"{self.url}/browse/{key}")  # the site, even via gateway

    @property
    def is_cloud(self) -> bool:
        if self._cloud is None:
            self._cloud = jira_api.detect_cloud(self)
        return self._cloud

    def api_base(self) -> str:
        if not self.scoped_token:
            return self.url
        if not self._cloud_id:
            self._cloud_id = self.cloud_id or jira_api.read_cloud_id(self)
        return f"{self.api_gateway.rstrip('/')}/ex/jira/{self._cloud_id}"

    def myself(self) -> dict[str, str]:
        """Who we are (accountId on Cloud, key/name on Data Center), read once."""
        if self._myself is None:
            resp = self.call("GET", "/rest/api/2/myself", action="read our own user", ok=(200,))
            data = json_body(resp, "read our own user") or {}
            self._myself = {k: str(data[k]) for k in ("accountId", "key", "name") if data.get(k)}
        return self._myself

    def fitted(self, request: OutgoingRequest) -> FittedBody:
        limit = self.description_limit - MARKUP_ROOM
        return fit_body(request.body, request.marker, limit, request.uuid)

    def _split(self, body: FittedBody) -> tuple[str, str]:
        head, _, rest = body.text.partition("\n\n")
        return head, rest

    def _labels_for(self, request_uuid: str) -> list[str]:
        return [*self.labels, uuid_label(request_uuid)]

    @property
    def _target(self) -> str:
        if self.mode == "servicedesk":
            return f"service desk {self.service_desk_id!r}"
        return f"project {self.project!r}"

    # -- interface ---------------------------------------------------------------------------
    def create(self, request: OutgoingRequest) -> TicketRef:
        if self.mode == "servicedesk":
            return jira_jsm.create_request(self, request)
        if not self.project:
            raise BackendError("JiraBackend.project is not set.", retryable=False)
        body = self.fitted(request)
        head, text = self._split(body)
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": request.summary[:SUMMARY_MAX],
            "description": adf_body(head, text) if self.is_cloud else wiki_body(head, text),
            "labels": self._labels_for(request.uuid),
        }
        if self.set_priority:
            fields["priority"] = {"name": PRIORITY.get(request.urgency, "Medium")}
        fields.update(self.extra_fields)
        resp = self.call(
            "POST",
            f"/rest/api/{3 if self.is_cloud else 2}/issue",
            json={"fields": fields},
            action="create an issue",
            target=self._target,
            ok=(201,),
        )
        data = json_body(resp, "create an issue")
        if not data.get("key"):
            raise BackendError(f"Jira at {self.url} returned no issue key.")
        self._attach_if_cut(str(data["key"]), body)
        return self._ref(data["key"])

    def _attach_if_cut(self, key: str, body: FittedBody) -> None:
        """The full body as an attachment, best effort (the issue exists: never raise)."""
        if not body.truncated:
            return
        try:
            self.call(
                "POST",
                f"/rest/api/2/issue/{key}/attachments",
                action="attach the full request text",
                target=f"issue {key}",
                ok=(200,),
                headers={"X-Atlassian-Token": "no-check"},
                files={"file": (body.attachment_name, body.full.encode(), "text/plain")},
            )
        except BackendError as exc:
            self.log.warning("itbridge jira: %s: %s", key, exc.admin_message)

    def _search(self, jql: str, fields: str, limit: int, action: str) -> list[dict[str, Any]]:
        return jira_api.search(self, jql, fields, limit, action)

    def find(self, request_uuid: str) -> TicketRef | None:
        issues = self._search(
            f'labels = "{uuid_label(request_uuid)}"', "key", 1, "search for the request"
        )
        if issues:
            return self._ref(issues[0]["key"])
        if self.mode != "servicedesk":  # issue mode sets the label in the creating call
            return None
        return jira_jsm.find_by_marker(self, request_uuid)

    def _state(self, fields: dict[str, Any]) -> str | None:
        cat = (((fields.get("status") or {}).get("statusCategory")) or {}).get("key")
        state = CATEGORY_STATES.get(str(cat))
        resolution = (fields.get("resolution") or {}).get("name")
        if state == "resolved" and resolution in self.rejected_resolutions:
            return "rejected"
        return state

    def status(self, ref: TicketRef) -> str | None:
        return self.statuses([ref]).get(ref.id)

    def statuses(self, refs: list[TicketRef]) -> dict[str, str]:
        out: dict[str, str] = {}
        keys = [r.id for r in refs]
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            for issue in jira_api.bulk(self, chunk, ["status", "resolution"], "read statuses"):
                state = self._state(issue.get("fields") or {})
                if state:
                    out[str(issue["key"])] = state
        return out

    def comment(self, ref: TicketRef, text: str) -> None:
        """A literal comment: public on JSM (servicedeskapi), ADF on Cloud, wiki on DC."""
        if self.mode == "servicedesk":
            path = f"/rest/servicedeskapi/request/{ref.id}/comment"
            payload: dict[str, Any] = {"body": wiki_literal(text), "public": True}
        elif self.is_cloud:
            path, payload = f"/rest/api/3/issue/{ref.id}/comment", {"body": adf_body("", text)}
        else:
            path, payload = f"/rest/api/2/issue/{ref.id}/comment", {"body": wiki_literal(text)}
        self.call(
            "POST",
            path,
            json=payload,
            action="comment on the issue",
            target=f"issue {ref.id}",
            ok=(201,),
        )

    def messages(self, ref: TicketRef, since: float | None = None) -> list[Message]:
        return jira_api.messages(self, ref.id, since)

    def check(self) -> str:
        resp = self.call("GET", "/rest/api/2/myself", action="check the credentials", ok=(200,))
        who = (json_body(resp, "check the credentials") or {}).get("displayName") or "?"
        if self.mode == "servicedesk":
            self.call(
                "GET",
                f"/rest/servicedeskapi/servicedesk/{self.service_desk_id}",
                action="read the service desk",
                target=self._target,
                ok=(200,),
            )
        else:
            self.call(
                "GET",
                f"/rest/api/2/project/{self.project}",
                action="read the project",
                target=self._target,
                ok=(200,),
            )
        kind = "Jira Cloud" if self.is_cloud else "Jira Data Center"
        return (
            f"jira: {self.url} ({kind}) accepted {self.secret_trait()} (as {who}); "
            f"{self._target} found."
        )

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "mode": self.mode,
            "project": self.project or None,
            "service_desk_id": self.service_desk_id or None,
            "auth": ("scoped-token" if self.scoped_token else "basic")
            if self.email
            else ("bearer" if self.token else "none"),
            "deployment": self.deployment,
            "consistency_window": self.consistency_window,
            **self.network_facts(),
        }
