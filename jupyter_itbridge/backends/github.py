"""GitHub issues (github.com or GitHub Enterprise), found by the body marker line.

Contract-tested against a loopback fake of the documented endpoints, not against live GitHub.
"""

from __future__ import annotations

import re
import time
from typing import Any

from traitlets import List, Unicode, default

from .base import BackendError, OutgoingRequest, TicketRef, body_marker, env_default
from .http import HTTPBackend, json_body, origin, parse_retry_after

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 10
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def issue_state(issue: dict[str, Any]) -> str:
    """open (assigned: acknowledged) / closed with ``state_reason``."""
    if issue.get("state") == "closed":
        reason = issue.get("state_reason")
        return "rejected" if reason in ("not_planned", "duplicate") else "resolved"
    return "acknowledged" if issue.get("assignees") or issue.get("assignee") else "sent"


class GitHubBackend(HTTPBackend):
    """Files requests as issues in one repository, labelled ``label``."""

    name = "github"
    can_find = True
    can_sync = True

    @default("url")
    def _default_url(self) -> str:
        return "https://api.github.com"

    repo = Unicode("", help="Repository as ``owner/name`` that receives the issues.").tag(
        config=True
    )

    label = Unicode(
        "itbridge", help="Label put on every issue (status sync lists issues by it)."
    ).tag(config=True)

    extra_labels = List(Unicode(), [], help="More labels for new issues.").tag(config=True)

    token = Unicode(
        help="""Token (fine-grained PAT or GitHub App installation token with Issues:
        read/write) sent as ``Authorization: Bearer``. Default: the ``ITBRIDGE_GITHUB_TOKEN``
        environment variable. Never logged or shown. ``url`` is the API base URL: set
        ``https://ghe.example/api/v3`` for GitHub Enterprise Server.""",
    ).tag(config=True)

    _token_env = env_default("token", "ITBRIDGE_GITHUB_TOKEN")

    def auth_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def secret_trait(self) -> str:
        return "GitHubBackend.token"

    @property
    def _repo_path(self) -> str:
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", self.repo or ""):
            raise BackendError(
                f"GitHubBackend.repo must be 'owner/name', not {self.repo!r}.", retryable=False
            )
        return f"/repos/{self.repo}"

    def response_error(self, resp: Any, *, action: str, target: str) -> BackendError:
        """GitHub signals rate limits with 403 (or 429) plus ``X-RateLimit-Remaining: 0`` or
        ``Retry-After``: that is "retry later", not "bad token"."""
        limited = resp.headers.get("X-RateLimit-Remaining") == "0" or resp.headers.get(
            "Retry-After"
        )
        if resp.status_code in (403, 429) and limited:
            wait = parse_retry_after(resp.headers.get("Retry-After"))
            reset = resp.headers.get("X-RateLimit-Reset", "")
            if wait is None and reset.isdigit():
                wait = max(0.0, int(reset) - time.time())
            return BackendError(
                f"GitHub API rate limit reached at {origin(self.url)} while "
                f"trying to {action}; will retry",
                retryable=True,
                retry_after=wait,
                status=resp.status_code,
            )
        return super().response_error(resp, action=action, target=target)

    def _ref(self, issue: dict[str, Any]) -> TicketRef:
        return TicketRef(id=str(issue["number"]), url=issue.get("html_url"))

    # -- interface ---------------------------------------------------------------------------
    def create(self, request: OutgoingRequest) -> TicketRef:
        resp = self.call(
            "POST",
            f"{self._repo_path}/issues",
            action="create an issue",
            target=f"repository {self.repo}",
            ok=(201,),
            json={
                "title": request.summary[:250],
                "body": request.body_with_marker,
                "labels": [self.label, *self.extra_labels],
            },
        )
        return self._ref(json_body(resp, "create an issue"))

    def _list(self, params: dict[str, str], action: str, max_pages: int = MAX_PAGES):
        """Issues of the repo by label (newest first), following ``Link: rel=next``."""
        url: str | None = f"{self._repo_path}/issues"
        query: dict[str, str] | None = {
            "labels": self.label,
            "state": "all",
            "sort": "created",
            "direction": "desc",
            "per_page": str(PER_PAGE),
            **params,
        }
        for _ in range(max_pages):
            if not url:
                return
            resp = self.call(
                "GET", url, params=query, action=action, target=f"repository {self.repo}", ok=(200,)
            )
            yield from json_body(resp, action) or []
            match = _NEXT.search(resp.headers.get("Link", ""))
            url, query = (match.group(1), None) if match else (None, None)

    def find(self, request_uuid: str) -> TicketRef | None:
        marker = body_marker(request_uuid)
        # Newest labelled issues first: consistent at once (search has indexing lag).
        for issue in self._list({}, "search for the request", max_pages=1):
            if marker in (issue.get("body") or ""):
                return self._ref(issue)
        resp = self.call(
            "GET",
            "/search/issues",
            action="search for the request",
            ok=(200,),
            params={"q": f'"{request_uuid}" repo:{self.repo} in:body type:issue'},
        )
        for issue in (json_body(resp, "search for the request") or {}).get("items") or []:
            if marker in (issue.get("body") or ""):
                return self._ref(issue)
        return None

    def status(self, ref: TicketRef) -> str | None:
        resp = self.call(
            "GET",
            f"{self._repo_path}/issues/{ref.id}",
            action="read the issue",
            target=f"repository {self.repo}",
            ok=(200,),
        )
        return issue_state(json_body(resp, "read the issue"))

    def statuses(self, refs: list[TicketRef]) -> dict[str, str]:
        """Pages of the labelled-issue list (100 per call) until every ref is seen."""
        wanted = {r.id for r in refs}
        out: dict[str, str] = {}
        if not wanted:
            return out
        for issue in self._list({}, "read issue states"):
            num = str(issue.get("number"))
            if num in wanted:
                out[num] = issue_state(issue)
                if len(out) == len(wanted):
                    break
        return out

    def comment(self, ref: TicketRef, text: str) -> None:
        self.call(
            "POST",
            f"{self._repo_path}/issues/{ref.id}/comments",
            json={"body": text},
            action="comment on the issue",
            target=f"repository {self.repo}",
            ok=(201,),
        )

    def check(self) -> str:
        resp = self.call(
            "GET",
            self._repo_path,
            action="read the repository",
            target=f"repository {self.repo}",
            ok=(200,),
        )
        data = json_body(resp, "read the repository")
        if data.get("has_issues") is False:
            raise BackendError(
                f"Issues are disabled in {self.repo} on {self.url}.", retryable=False
            )
        return f"github: {self.url} accepted GitHubBackend.token; {self.repo} takes issues."

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "repo": self.repo,
            "label": self.label,
            "auth": "bearer" if self.token else "none",
        }
