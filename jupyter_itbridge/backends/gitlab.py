"""GitLab issues (gitlab.com or self-managed), found by the description marker line.

Contract-tested against a loopback fake of the documented endpoints, not against live GitLab.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from traitlets import List, Unicode, default

from .base import BackendError, OutgoingRequest, TicketRef, body_marker, env_default
from .http import HTTPBackend, json_body

BATCH = 100


class GitLabBackend(HTTPBackend):
    """Files requests as issues in one GitLab project, labelled ``label``."""

    name = "gitlab"
    can_find = True
    can_sync = True

    @default("url")
    def _default_url(self) -> str:
        return "https://gitlab.com"

    project = Unicode(
        "", help="Project id (``42``) or full path (``it/requests``) that receives the issues."
    ).tag(config=True)

    label = Unicode("itbridge", help="Label put on every issue.").tag(config=True)

    extra_labels = List(Unicode(), [], help="More labels for new issues.").tag(config=True)

    rejected_labels = List(
        Unicode(),
        ["wontfix", "won't fix", "rejected", "invalid", "duplicate"],
        help="A closed issue with one of these labels counts as 'rejected' (GitLab has no "
        "close reason).",
    ).tag(config=True)

    token = Unicode(
        help="""Project/group/personal access token with ``api`` scope, sent as
        ``PRIVATE-TOKEN``. Default: the ``ITBRIDGE_GITLAB_TOKEN`` environment variable.
        Never logged or shown.""",
    ).tag(config=True)

    _token_env = env_default("token", "ITBRIDGE_GITLAB_TOKEN")

    def auth_headers(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self.token} if self.token else {}

    def secret_trait(self) -> str:
        return "GitLabBackend.token"

    @property
    def _proj(self) -> str:
        if not self.project:
            raise BackendError("GitLabBackend.project is not set.", retryable=False)
        return f"/api/v4/projects/{quote(self.project, safe='')}"

    @property
    def _target(self) -> str:
        return f"project {self.project!r}"

    def _ref(self, issue: dict[str, Any]) -> TicketRef:
        return TicketRef(id=str(issue["iid"]), url=issue.get("web_url"))

    def _state(self, issue: dict[str, Any]) -> str:
        if issue.get("state") == "closed":
            labels = {str(x).lower() for x in issue.get("labels") or []}
            rejected = {x.lower() for x in self.rejected_labels}
            return "rejected" if labels & rejected else "resolved"
        return "acknowledged" if issue.get("assignees") or issue.get("assignee") else "sent"

    # -- interface ---------------------------------------------------------------------------
    def create(self, request: OutgoingRequest) -> TicketRef:
        resp = self.call(
            "POST",
            f"{self._proj}/issues",
            action="create an issue",
            target=self._target,
            ok=(201,),
            json={
                "title": request.summary[:250],
                "description": request.body_with_marker,
                "labels": ",".join([self.label, *self.extra_labels]),
            },
        )
        return self._ref(json_body(resp, "create an issue"))

    def find(self, request_uuid: str) -> TicketRef | None:
        marker = body_marker(request_uuid)
        resp = self.call(
            "GET",
            f"{self._proj}/issues",
            action="search for the request",
            target=self._target,
            ok=(200,),
            params={
                "search": request_uuid,
                "in": "description",
                "labels": self.label,
                "scope": "all",
                "state": "all",
                "per_page": "20",
            },
        )
        for issue in json_body(resp, "search for the request") or []:
            if marker in (issue.get("description") or ""):
                return self._ref(issue)
        return None

    def status(self, ref: TicketRef) -> str | None:
        return self.statuses([ref]).get(ref.id)

    def statuses(self, refs: list[TicketRef]) -> dict[str, str]:
        """``iids[]`` selects exactly our issues: one call per 100 tickets."""
        out: dict[str, str] = {}
        iids = [r.id for r in refs if str(r.id).isdigit()]
        for start in range(0, len(iids), BATCH):
            chunk = iids[start : start + BATCH]
            params: list[tuple[str, str]] = [("iids[]", i) for i in chunk]
            params += [("state", "all"), ("scope", "all"), ("per_page", str(BATCH))]
            resp = self.call(
                "GET",
                f"{self._proj}/issues",
                action="read issue states",
                target=self._target,
                ok=(200,),
                params=params,
            )
            for issue in json_body(resp, "read issue states") or []:
                out[str(issue["iid"])] = self._state(issue)
        return out

    def comment(self, ref: TicketRef, text: str) -> None:
        self.call(
            "POST",
            f"{self._proj}/issues/{ref.id}/notes",
            json={"body": text},
            action="comment on the issue",
            target=self._target,
            ok=(201,),
        )

    def check(self) -> str:
        resp = self.call(
            "GET", self._proj, action="read the project", target=self._target, ok=(200,)
        )
        data = json_body(resp, "read the project")
        if data.get("issues_enabled") is False:
            raise BackendError(
                f"Issues are disabled in GitLab project {self.project!r}.", retryable=False
            )
        return f"gitlab: {self.url} accepted GitLabBackend.token; {self._target} takes issues."

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "project": self.project,
            "label": self.label,
            "auth": "token" if self.token else "none",
        }
