"""Jira Service Management requests: created without labels, labelled afterwards, found by
their markers when the label never came, raised on behalf of the user.

Why apart: JSM's ``servicedeskapi`` differs from the platform API at every step (no labels at
creation, its own comments with ``public``), and ``jira.py`` stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import BackendError, OutgoingRequest, TicketRef, short_marker
from .http import json_body
from .jira_text import plain_text, uuid_label, wiki_body

if TYPE_CHECKING:  # pragma: no cover
    from .jira import JiraBackend

SUMMARY_MAX = 250
#: Candidates read by the marker search (more than one only if the UUID was pasted elsewhere).
MARKER_CANDIDATES = 20


def _jql_phrase(text: str) -> str:
    """A JQL string holding an exact-phrase text query: ``"\\"words\\""``.

    Only for our own markers (hex digits, letters, hyphens, spaces): nothing to escape.
    """
    return '"\\"' + text + '\\""'


def create_request(be: JiraBackend, request: OutgoingRequest) -> TicketRef:
    if not (be.service_desk_id and be.request_type_id):
        raise BackendError(
            "JiraBackend.service_desk_id and request_type_id must be set for mode 'servicedesk'.",
            retryable=False,
        )
    # The label can only come after creation: write the UUID where JSM takes it now (summary
    # marker + body marker line), so ``find`` still sees a request whose label never came.
    marker = short_marker(request.uuid)  # JSM takes no label at creation
    summary = f"{request.summary.strip()[: SUMMARY_MAX - len(marker) - 1]} {marker}"
    body = be.fitted(request)
    payload: dict[str, Any] = {
        "serviceDeskId": be.service_desk_id,
        "requestTypeId": be.request_type_id,
        "requestFieldValues": {
            "summary": summary,
            "description": wiki_body(*be._split(body)),
        },
    }
    on_behalf = customer(be, request.user) if be.raise_on_behalf_of else None
    if on_behalf:
        payload["raiseOnBehalfOf"] = on_behalf
    resp = be.call(
        "POST",
        "/rest/servicedeskapi/request",
        action="create a request",
        target=be._target,
        ok=(201,),
        json=payload,
    )
    data = json_body(resp, "create a request")
    key = data.get("issueKey")
    if not key:
        raise BackendError(f"Jira at {be.url} returned no issueKey.")
    ref = TicketRef(id=key, url=(data.get("_links") or {}).get("web") or f"{be.url}/browse/{key}")
    # The request exists: report it as created whatever the label edit does (a raise would
    # make the outbox retry, and the retry finds it by its marker).
    add_labels(be, key, request.uuid)
    be._attach_if_cut(key, body)
    return ref


def customer(be: JiraBackend, user: str) -> str | None:
    """``raiseOnBehalfOf``: the Data Center user name, or the Cloud accountId whose email
    reads back as the user's (no single match: the request is ours, logged)."""
    if not user:
        return None
    if not be.is_cloud:
        return user
    email = user if "@" in user or not be.user_domain else f"{user}@{be.user_domain}"
    resp = be.call(
        "GET", "/rest/api/3/user/search", action="look up the customer", ok=(200,),
        params={"query": email},
    )  # fmt: skip
    found = [
        u
        for u in json_body(resp, "look up the customer") or []
        if str(u.get("emailAddress") or "").lower() == email.lower()
    ]
    if len(found) != 1:
        be.log.warning("itbridge jira: no single Jira user with email %r.", email)
        return None
    return str(found[0]["accountId"])


def add_labels(be: JiraBackend, key: str, request_uuid: str) -> bool:
    """Best effort: a refused edit (label field not on the edit screen, no Edit Issues
    permission, outage) is logged, never raised; ``find`` does not depend on it."""
    try:
        be.call(
            "PUT",
            f"/rest/api/2/issue/{key}",
            action="label the request",
            target=f"issue {key}",
            ok=(200, 204),
            json={"update": {"labels": [{"add": x} for x in be._labels_for(request_uuid)]}},
        )
    except BackendError as exc:
        be.log.warning(
            "itbridge jira: %s is not labelled (%s); it is still found by its "
            "[itbridge:...] summary marker and request-id line.",
            key,
            exc.admin_message,
        )
        return False
    return True


def project_key(be: JiraBackend) -> str:
    """Project to search in servicedesk mode: ``project``, else the service desk's own."""
    if be.project:
        return be.project
    if be._desk_project:
        return be._desk_project
    resp = be.call(
        "GET",
        f"/rest/servicedeskapi/servicedesk/{be.service_desk_id}",
        action="read the service desk",
        target=be._target,
        ok=(200,),
    )
    key = (json_body(resp, "read the service desk") or {}).get("projectKey")
    if not key:
        raise BackendError(
            f"Jira at {be.url} returned no projectKey for {be._target}; set JiraBackend.project."
        )
    be._desk_project = str(key)
    return be._desk_project


def find_by_marker(be: JiraBackend, request_uuid: str) -> TicketRef | None:
    """A JSM request whose label edit failed (or never ran): text-search the summary marker
    and the body's UUID, then accept only an issue whose description holds the full UUID
    (the summary marker has 8 hex digits; a comment may quote a UUID)."""
    marker_words = f"itbridge {request_uuid[:8]}"  # the marker's words: ':[]' are not indexed
    jql = (
        f'project = "{project_key(be)}" AND (summary ~ {_jql_phrase(marker_words)} '
        f"OR text ~ {_jql_phrase(request_uuid)}) ORDER BY created ASC"
    )
    issues = be._search(
        jql, "summary,description,labels", MARKER_CANDIDATES, "search for the request marker"
    )
    for issue in issues:
        fields = issue.get("fields") or {}
        if request_uuid not in plain_text(fields.get("description")):
            continue
        key = str(issue["key"])
        if uuid_label(request_uuid) not in (fields.get("labels") or []):
            add_labels(be, key, request_uuid)  # so the next find is one label search
        return be._ref(key)
    return None
