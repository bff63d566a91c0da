"""Jira (REST v2 issues) and Jira Service Management (customer requests), found by a label.

Contract-tested against a loopback fake of the documented endpoints, not against a live Jira.
"""

from __future__ import annotations

import os
from typing import Any

from traitlets import Dict, Enum, List, Unicode, default

from .base import BackendError, OutgoingRequest, TicketRef
from .http import HTTPBackend, json_body

#: ``fields.status.statusCategory.key`` -> our state ("done" may become "rejected").
CATEGORY_STATES: dict[str, str] = {
    "new": "sent",
    "indeterminate": "acknowledged",
    "done": "resolved",
}
PRIORITY = {"high": "High", "normal": "Medium", "low": "Low"}
BATCH = 100


def uuid_label(request_uuid: str) -> str:
    """The per-request label (Jira labels cannot contain spaces; a UUID has none)."""
    return f"itbridge-{request_uuid}"


class JiraBackend(HTTPBackend):
    """Files requests as Jira issues, or as JSM customer requests (``mode = 'servicedesk'``)."""

    name = "jira"
    can_find = True
    can_sync = True

    mode = Enum(
        ["issue", "servicedesk"],
        "issue",
        help="""``issue``: ``POST /rest/api/2/issue`` in ``project``. ``servicedesk``: Jira
        Service Management ``POST /rest/servicedeskapi/request`` (``service_desk_id``,
        ``request_type_id``); JSM cannot take labels at creation, so the request label is added
        with a follow-up ``PUT /rest/api/2/issue/{key}``.""",
    ).tag(config=True)

    project = Unicode("", help="Project key for ``issue`` mode, e.g. ``IT``.").tag(config=True)

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
        "/rest/api/2/search",
        help="""JQL search endpoint. Jira Cloud has moved to ``/rest/api/3/search/jql`` (same
        ``jql``/``fields``/``maxResults`` parameters and ``issues`` answer).""",
    ).tag(config=True)

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

    @default("email")
    def _email_env(self) -> str:
        return os.environ.get("ITBRIDGE_JIRA_EMAIL", "")

    @default("api_token")
    def _api_token_env(self) -> str:
        return os.environ.get("ITBRIDGE_JIRA_API_TOKEN", "")

    @default("token")
    def _token_env(self) -> str:
        return os.environ.get("ITBRIDGE_JIRA_TOKEN", "")

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if (self.token and not self.email) else {}

    def basic_auth(self) -> tuple[str, str] | None:
        return (self.email, self.api_token) if self.email else None

    def secret_trait(self) -> str:
        return "JiraBackend.api_token" if self.email else "JiraBackend.token"

    def _ref(self, key: str) -> TicketRef:
        return TicketRef(id=key, url=f"{self.url}/browse/{key}")

    @property
    def _target(self) -> str:
        if self.mode == "servicedesk":
            return f"service desk {self.service_desk_id!r}"
        return f"project {self.project!r}"

    # -- interface ---------------------------------------------------------------------------
    def create(self, request: OutgoingRequest) -> TicketRef:
        label = uuid_label(request.uuid)
        body = (
            request.body
            if request.marker in request.body
            else (f"{request.body.rstrip()}\n\n{request.marker}")
        )
        if self.mode == "servicedesk":
            return self._create_jsm(request, body, label)
        if not self.project:
            raise BackendError("JiraBackend.project is not set.", retryable=False)
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": request.summary[:250],
            "description": body,
            "labels": [*self.labels, label],
        }
        if self.set_priority:
            fields["priority"] = {"name": PRIORITY.get(request.urgency, "Medium")}
        fields.update(self.extra_fields)
        resp = self.call(
            "POST",
            "/rest/api/2/issue",
            json={"fields": fields},
            action="create an issue",
            target=self._target,
            ok=(201,),
        )
        data = json_body(resp, "create an issue")
        if not data.get("key"):
            raise BackendError(f"Jira at {self.url} returned no issue key.")
        return self._ref(data["key"])

    def _create_jsm(self, request: OutgoingRequest, body: str, label: str) -> TicketRef:
        if not (self.service_desk_id and self.request_type_id):
            raise BackendError(
                "JiraBackend.service_desk_id and request_type_id must be set "
                "for mode 'servicedesk'.",
                retryable=False,
            )
        resp = self.call(
            "POST",
            "/rest/servicedeskapi/request",
            action="create a request",
            target=self._target,
            ok=(201,),
            json={
                "serviceDeskId": self.service_desk_id,
                "requestTypeId": self.request_type_id,
                "requestFieldValues": {"summary": request.summary[:250], "description": body},
            },
        )
        data = json_body(resp, "create a request")
        key = data.get("issueKey")
        if not key:
            raise BackendError(f"Jira at {self.url} returned no issueKey.")
        ref = TicketRef(
            id=key, url=(data.get("_links") or {}).get("web") or f"{self.url}/browse/{key}"
        )
        try:
            self.call(
                "PUT",
                f"/rest/api/2/issue/{key}",
                action="label the request",
                target=f"issue {key}",
                ok=(200, 204),
                json={"update": {"labels": [{"add": x} for x in [*self.labels, label]]}},
            )
        except BackendError as exc:
            # The request exists: report it as created (a raise would make a duplicate), and
            # tell the admin that find-before-create cannot see it.
            self.log.warning(
                "itbridge jira: %s is created but not labelled (%s); a retry "
                "of this request could not detect it.",
                key,
                exc.admin_message,
            )
        return ref

    def _search(self, jql: str, fields: str, limit: int, action: str) -> list[dict[str, Any]]:
        # validateQuery=warn: a deleted key in "key in (...)" must not fail the whole batch.
        params = {"jql": jql, "fields": fields, "maxResults": str(limit), "validateQuery": "warn"}
        resp = self.call("GET", self.search_path, action=action, ok=(200,), params=params)
        return (json_body(resp, action) or {}).get("issues") or []

    def find(self, request_uuid: str) -> TicketRef | None:
        issues = self._search(
            f'labels = "{uuid_label(request_uuid)}"', "key", 1, "search for the request"
        )
        return self._ref(issues[0]["key"]) if issues else None

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
            jql = f"key in ({','.join(chunk)})"
            for issue in self._search(jql, "status,resolution", len(chunk), "read issue statuses"):
                state = self._state(issue.get("fields") or {})
                if state:
                    out[str(issue["key"])] = state
        return out

    def comment(self, ref: TicketRef, text: str) -> None:
        self.call(
            "POST",
            f"/rest/api/2/issue/{ref.id}/comment",
            json={"body": text},
            action="comment on the issue",
            target=f"issue {ref.id}",
            ok=(201,),
        )

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
        return f"jira: {self.url} accepted {self.secret_trait()} (as {who}); {self._target} found."

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "mode": self.mode,
            "project": self.project or None,
            "service_desk_id": self.service_desk_id or None,
            "auth": "basic" if self.email else ("bearer" if self.token else "none"),
        }
