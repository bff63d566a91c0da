"""GitLab issues (gitlab.com or self-managed), found by the description marker line.

Follows https://docs.gitlab.com/api/issues/ (create, list with ``search``/``in``/``iids[]``),
https://docs.gitlab.com/api/notes/ (issue notes, ``system`` and ``internal`` ones),
https://docs.gitlab.com/api/project_markdown_uploads/ (the full text of a cut description),
https://docs.gitlab.com/development/issuable-like-models/ (title 255 characters, description
1 MB) and https://docs.gitlab.com/administration/settings/rate_limit_on_issues_creation/
(a 429 may carry neither ``Retry-After`` nor ``RateLimit-Reset``: "available after one
minute"). Contract-tested against a loopback fake, not against live GitLab.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from traitlets import List, Unicode, default

from . import markup
from .base import BackendError, Message, OutgoingRequest, TicketRef, body_marker, env_default
from .http import HTTPBackend, json_body
from .http_errors import origin, parse_retry_after

BATCH = 100
#: GitLab's description and note limit (``MAX_TEXT_SIZE_LIMIT``, 1,000,000 characters).
BODY_LIMIT = 1_000_000
TITLE_LIMIT = 255
#: A 429 without any header: the endpoint is "available after one minute".
RATE_LIMIT_WAIT = 60.0


class GitLabBackend(HTTPBackend):
    """Files requests as issues in one GitLab project, labelled ``label``."""

    name = "gitlab"
    can_find = True
    can_sync = True
    can_message = True
    #: Issue list search reads the database: a new issue is found at once.
    default_consistency_window = 0.0

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

    def response_error(self, resp: Any, *, action: str, target: str) -> BackendError:
        """A 429 waits for ``Retry-After``, else ``RateLimit-Reset``, else a minute."""
        if resp.status_code != 429:
            return super().response_error(resp, action=action, target=target)
        wait = parse_retry_after(resp.headers.get("Retry-After"))
        reset = resp.headers.get("RateLimit-Reset", "")
        if wait is None:
            wait = max(0.0, int(reset) - time.time()) if reset.isdigit() else RATE_LIMIT_WAIT
        return BackendError(
            f"{origin(self.url)} is rate limiting jupyter-itbridge (HTTP 429) while trying to "
            f"{action}; retrying in {wait:.0f}s",
            retryable=True,
            retry_after=wait,
            status=429,
        )

    def _ref(self, issue: dict[str, Any]) -> TicketRef:
        return TicketRef(id=str(issue["iid"]), url=issue.get("web_url"))

    def _state(self, issue: dict[str, Any]) -> str:
        if issue.get("state") == "closed":
            labels = {str(x).lower() for x in issue.get("labels") or []}
            rejected = {x.lower() for x in self.rejected_labels}
            return "rejected" if labels & rejected else "resolved"
        return "acknowledged" if issue.get("assignees") or issue.get("assignee") else "sent"

    # -- interface ---------------------------------------------------------------------------
    def description(self, request: OutgoingRequest) -> str:
        """Marker first, then the text as a literal code block; a text over the limit is cut
        with a visible notice linking to the whole text, uploaded to the project."""
        text = markup.strip_marker(request.body, request.marker)
        body, cut = markup.fit(request.marker, text, BODY_LIMIT)
        if cut:
            link = self.upload(f"itbridge-{request.uuid}.txt", text)
            body = markup.fit(request.marker, text, BODY_LIMIT, where=f"the full text: {link}")[0]
        return body

    def upload(self, filename: str, text: str) -> str:
        """Upload ``text`` to the project; returns GitLab's Markdown link to it."""
        resp = self.call(
            "POST",
            f"{self._proj}/uploads",
            action="upload the full request text",
            target=self._target,
            ok=(201,),
            files={"file": (filename, text.encode(), "text/plain")},
        )
        return str((json_body(resp, "upload the full request text") or {}).get("markdown") or "")

    def create(self, request: OutgoingRequest) -> TicketRef:
        resp = self.call(
            "POST",
            f"{self._proj}/issues",
            action="create an issue",
            target=self._target,
            ok=(201,),
            json={
                "title": request.summary[:TITLE_LIMIT],
                "description": self.description(request),
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
            json={"body": markup.comment_body(text, BODY_LIMIT)},
            action="comment on the issue",
            target=self._target,
            ok=(201,),
        )

    def messages(self, ref: TicketRef, since: float | None = None) -> list[Message]:
        """Notes at or after ``since``, oldest first, without system notes ("changed the
        label"); internal notes come back non-public, ours as the user's. Same-second notes
        come back again rather than being lost (the store drops them by id)."""
        from .github_sync import iso_time

        out: list[Message] = []
        path: str | None = f"{self._proj}/issues/{ref.id}/notes"
        query: dict[str, str] | None = {"sort": "asc", "order_by": "created_at", "per_page": "100"}
        for _ in range(20):
            if not path:
                break
            resp = self.call(
                "GET", path, params=query, action="read the issue's notes", target=self._target
            )
            for note in json_body(resp, "read the issue's notes") or []:
                created = iso_time(note.get("created_at"))
                if note.get("system") or (since is not None and created < since):
                    continue
                body = str(note.get("body") or "")
                ours = markup.OUR_TAG in body
                out.append(
                    Message(
                        id=str(note.get("id")),
                        role="user" if ours else "it",
                        author=str((note.get("author") or {}).get("username") or ""),
                        text=markup.our_text(body) if ours else body,
                        created_at=created,
                        public=not (note.get("internal") or note.get("confidential")),
                    )
                )
            page = resp.headers.get("X-Next-Page", "")
            path = path if page.isdigit() else None
            query = {**(query or {}), "page": page}
        return out

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
            "consistency_window": self.consistency_window,
        }
