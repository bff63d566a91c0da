"""Jira (REST v2 issues) and Jira Service Management (customer requests), found by a label.

JSM requests are labelled by a second call after creation, so they also carry the request UUID
where JSM accepts it at creation (a summary marker and the body marker line); ``find`` falls
back to a text search on those, so a lost label never leads to a second ticket.

Contract-tested against a loopback fake of the documented endpoints, not against a live Jira.
"""

from __future__ import annotations

import json
from typing import Any

from traitlets import Dict, Enum, List, Unicode

from .base import BackendError, OutgoingRequest, TicketRef, env_default, short_marker
from .http import HTTPBackend, json_body

#: ``fields.status.statusCategory.key`` -> our state ("done" may become "rejected").
CATEGORY_STATES: dict[str, str] = {
    "new": "sent",
    "indeterminate": "acknowledged",
    "done": "resolved",
}
PRIORITY = {"high": "High", "normal": "Medium", "low": "Low"}
BATCH = 100
SUMMARY_MAX = 250  # Jira's limit is 255 characters
#: Candidates read by the marker search (more than one only if the UUID was pasted elsewhere).
MARKER_CANDIDATES = 20


def uuid_label(request_uuid: str) -> str:
    """The per-request label (Jira labels cannot contain spaces; a UUID has none)."""
    return f"itbridge-{request_uuid}"


def _jql_phrase(text: str) -> str:
    """A JQL string holding an exact-phrase text query: ``"\\"words\\""``.

    Only for our own markers (hex digits, letters, hyphens, spaces): nothing to escape.
    """
    return '"\\"' + text + '\\""'


def _plain_text(value: Any) -> str:
    """A description as searchable text: API v2 gives a string, API v3 an ADF document (our
    UUID is hex and hyphens, so it survives JSON encoding unchanged)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


class JiraBackend(HTTPBackend):
    """Files requests as Jira issues, or as JSM customer requests (``mode = 'servicedesk'``)."""

    name = "jira"
    can_find = True
    can_sync = True
    #: The service desk's project key, read once from JSM when ``project`` is empty.
    _desk_project: str | None = None

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
        return TicketRef(id=key, url=f"{self.url}/browse/{key}")

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
            return self._create_jsm(request)
        if not self.project:
            raise BackendError("JiraBackend.project is not set.", retryable=False)
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": request.summary[:SUMMARY_MAX],
            "description": request.body_with_marker,
            "labels": self._labels_for(request.uuid),
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

    def _create_jsm(self, request: OutgoingRequest) -> TicketRef:
        if not (self.service_desk_id and self.request_type_id):
            raise BackendError(
                "JiraBackend.service_desk_id and request_type_id must be set "
                "for mode 'servicedesk'.",
                retryable=False,
            )
        # The label can only come after creation: write the UUID where JSM takes it now (summary
        # marker + body marker line), so ``find`` still sees a request whose label never came.
        marker = short_marker(request.uuid)  # JSM takes no label at creation
        summary = f"{request.summary.strip()[: SUMMARY_MAX - len(marker) - 1]} {marker}"
        resp = self.call(
            "POST",
            "/rest/servicedeskapi/request",
            action="create a request",
            target=self._target,
            ok=(201,),
            json={
                "serviceDeskId": self.service_desk_id,
                "requestTypeId": self.request_type_id,
                "requestFieldValues": {
                    "summary": summary,
                    "description": request.body_with_marker,
                },
            },
        )
        data = json_body(resp, "create a request")
        key = data.get("issueKey")
        if not key:
            raise BackendError(f"Jira at {self.url} returned no issueKey.")
        ref = TicketRef(
            id=key, url=(data.get("_links") or {}).get("web") or f"{self.url}/browse/{key}"
        )
        # The request exists: report it as created whatever the label edit does (a raise would
        # make the outbox retry, and the retry finds it by its marker).
        self._add_labels(key, request.uuid)
        return ref

    def _add_labels(self, key: str, request_uuid: str) -> bool:
        """Best effort: a refused edit (label field not on the edit screen, no Edit Issues
        permission, outage) is logged, never raised; ``find`` does not depend on it."""
        try:
            self.call(
                "PUT",
                f"/rest/api/2/issue/{key}",
                action="label the request",
                target=f"issue {key}",
                ok=(200, 204),
                json={"update": {"labels": [{"add": x} for x in self._labels_for(request_uuid)]}},
            )
        except BackendError as exc:
            self.log.warning(
                "itbridge jira: %s is not labelled (%s); it is still found by its "
                "[itbridge:...] summary marker and request-id line.",
                key,
                exc.admin_message,
            )
            return False
        return True

    def _project_key(self) -> str:
        """Project to search in servicedesk mode: ``project``, else the service desk's own."""
        if self.project:
            return self.project
        if self._desk_project:
            return self._desk_project
        resp = self.call(
            "GET",
            f"/rest/servicedeskapi/servicedesk/{self.service_desk_id}",
            action="read the service desk",
            target=self._target,
            ok=(200,),
        )
        key = (json_body(resp, "read the service desk") or {}).get("projectKey")
        if not key:
            raise BackendError(
                f"Jira at {self.url} returned no projectKey for {self._target}; "
                "set JiraBackend.project."
            )
        self._desk_project = str(key)
        return self._desk_project

    def _search(self, jql: str, fields: str, limit: int, action: str) -> list[dict[str, Any]]:
        # validateQuery=warn: a deleted key in "key in (...)" must not fail the whole batch.
        params = {"jql": jql, "fields": fields, "maxResults": str(limit), "validateQuery": "warn"}
        resp = self.call("GET", self.search_path, action=action, ok=(200,), params=params)
        return (json_body(resp, action) or {}).get("issues") or []

    def find(self, request_uuid: str) -> TicketRef | None:
        issues = self._search(
            f'labels = "{uuid_label(request_uuid)}"', "key", 1, "search for the request"
        )
        if issues:
            return self._ref(issues[0]["key"])
        if self.mode != "servicedesk":  # issue mode sets the label in the creating call
            return None
        return self._find_by_marker(request_uuid)

    def _find_by_marker(self, request_uuid: str) -> TicketRef | None:
        """A JSM request whose label edit failed (or never ran): text-search the summary marker
        and the body's UUID, then accept only an issue whose description holds the full UUID
        (the summary marker has 8 hex digits; a comment may quote a UUID)."""
        marker_words = f"itbridge {request_uuid[:8]}"  # the marker's words: ':[]' are not indexed
        jql = (
            f'project = "{self._project_key()}" AND (summary ~ {_jql_phrase(marker_words)} '
            f"OR text ~ {_jql_phrase(request_uuid)}) ORDER BY created ASC"
        )
        issues = self._search(
            jql, "summary,description,labels", MARKER_CANDIDATES, "search for the request marker"
        )
        for issue in issues:
            fields = issue.get("fields") or {}
            if request_uuid not in _plain_text(fields.get("description")):
                continue
            key = str(issue["key"])
            if uuid_label(request_uuid) not in (fields.get("labels") or []):
                self._add_labels(key, request_uuid)  # so the next find is one label search
            return self._ref(key)
        return None

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
