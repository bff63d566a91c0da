"""GitHub issues (github.com or GitHub Enterprise), found by the body marker line.

Follows https://docs.github.com/en/rest/issues/issues (create, list, get),
https://docs.github.com/en/rest/issues/comments, https://docs.github.com/en/rest/search and
https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
(serial writes at least one second apart, conditional requests) and
https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api (primary and
secondary limits). Contract-tested against a loopback fake, not against live GitHub.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

from traitlets import List, Unicode, default

from . import github_sync, markup
from .base import BackendError, Message, OutgoingRequest, TicketRef, body_marker, env_default
from .github_app import InstallationTokens
from .http import HTTPBackend, json_body
from .http_errors import origin, parse_retry_after

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 10
#: GitHub refuses an issue body or comment over 65,536 characters (422).
BODY_LIMIT = 65536
#: Titles longer than this are cut (GitHub's limit is 256).
TITLE_LIMIT = 250
#: "Wait at least one second between each" write (best practices for the REST API).
WRITE_SPACING = 1.0
#: A secondary rate limit without ``Retry-After``: "wait for at least one minute".
SECONDARY_WAIT = 60.0
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def issue_state(issue: dict[str, Any]) -> str:
    """open (assigned: acknowledged) / closed with ``state_reason``."""
    if issue.get("state") == "closed":
        reason = issue.get("state_reason")
        return "rejected" if reason in ("not_planned", "duplicate") else "resolved"
    return "acknowledged" if issue.get("assignees") or issue.get("assignee") else "sent"


def rate_limit_wait(status: int, headers: Any, message: str, now: float) -> float | None:
    """Seconds to wait when a 403/429 is a rate limit (None: it is not one), as documented:
    ``retry-after`` first; ``x-ratelimit-remaining: 0`` waits until ``x-ratelimit-reset``;
    a secondary limit with neither waits at least a minute."""
    if status not in (403, 429):
        return None
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if retry_after is not None:
        return retry_after
    reset = headers.get("X-RateLimit-Reset", "")
    if headers.get("X-RateLimit-Remaining") == "0":
        return max(0.0, int(reset) - now) if reset.isdigit() else SECONDARY_WAIT
    if "rate limit" in message.lower():
        return SECONDARY_WAIT
    return None


class GitHubBackend(HTTPBackend):
    """Files requests as issues in one repository, labelled ``label``."""

    name = "github"
    can_find = True
    can_sync = True
    can_message = True
    #: Issue search lags behind writes ("minutes" at busy times); the newest-issue list
    #: ``find`` reads first is consistent, so this only matters for older issues.
    default_consistency_window = 120.0

    @default("url")
    def _default_url(self) -> str:
        return "https://api.github.com"

    repo = Unicode("", help="Repository as ``owner/name`` that receives the issues.").tag(
        config=True
    )

    label = Unicode(
        "itbridge",
        help="Label put on every issue (GitHub drops it silently when the token cannot push; "
        "find and sync do not depend on it).",
    ).tag(config=True)

    extra_labels = List(Unicode(), [], help="More labels for new issues.").tag(config=True)

    token = Unicode(
        help="""Token (fine-grained PAT with Issues: read/write) sent as ``Authorization:
        Bearer``. Default: the ``ITBRIDGE_GITHUB_TOKEN`` environment variable. Never logged or
        shown. ``url`` is the API base URL: set ``https://ghe.example/api/v3`` for GitHub
        Enterprise Server. Ignored when ``app_id`` is set.""",
    ).tag(config=True)

    app_id = Unicode(
        "",
        help="GitHub App client id (or app id): authenticate as the App's installation "
        "instead of with ``token``. Needs ``installation_id`` and ``app_private_key``.",
    ).tag(config=True)

    installation_id = Unicode("", help="The App's installation id on ``repo``'s owner.").tag(
        config=True
    )

    app_private_key = Unicode(
        help="""The App's private key (PEM). Default: the ``ITBRIDGE_GITHUB_APP_PRIVATE_KEY``
        environment variable. Never logged or shown; only installation tokens (valid one hour,
        renewed five minutes before expiry) are sent to the API.""",
    ).tag(config=True)

    _token_env = env_default("token", "ITBRIDGE_GITHUB_TOKEN")
    _key_env = env_default("app_private_key", "ITBRIDGE_GITHUB_APP_PRIVATE_KEY")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._write_lock = threading.Lock()
        self._last_write = 0.0
        self._app: InstallationTokens | None = None
        self.sync_cache = github_sync.SyncCache()

    def auth_headers(self) -> dict[str, str]:
        return {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}

    def secret_trait(self) -> str:
        return "GitHubBackend.app_private_key" if self.app_id else "GitHubBackend.token"

    def secret_values(self) -> list[str]:
        current = [self._app.token] if self._app and self._app.token else []
        return [*super().secret_values(), *current]

    @property
    def app_tokens(self) -> InstallationTokens:
        if self._app is None:
            if not (self.installation_id.isdigit() and self.app_private_key):
                raise BackendError(
                    "GitHubBackend.app_id needs GitHubBackend.installation_id and "
                    "GitHubBackend.app_private_key.",
                    retryable=False,
                )
            self._app = InstallationTokens(self.app_id, self.app_private_key, self._exchange)
        return self._app

    def _exchange(self, jwt: str) -> dict[str, Any]:
        resp = super().call(
            "POST",
            f"/app/installations/{self.installation_id}/access_tokens",
            action="get a GitHub App installation token",
            ok=(201,),
            headers={"Authorization": f"Bearer {jwt}"},
        )
        return json_body(resp, "get a GitHub App installation token") or {}

    def bearer(self) -> str:
        """The token for this call: the App's installation token, or ``token``."""
        return self.app_tokens.current() if self.app_id else self.token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Every call with the current bearer; writes one at a time, a second apart."""
        token = self.bearer()
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method == "GET":
            return super().call(method, path, headers=headers, **kwargs)
        with self._write_lock:
            wait = self._last_write + WRITE_SPACING - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                return super().call(method, path, headers=headers, **kwargs)
            finally:
                self._last_write = time.monotonic()

    @property
    def _repo_path(self) -> str:
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", self.repo or ""):
            raise BackendError(
                f"GitHubBackend.repo must be 'owner/name', not {self.repo!r}.", retryable=False
            )
        return f"/repos/{self.repo}"

    def response_error(self, resp: Any, *, action: str, target: str) -> BackendError:
        """GitHub signals rate limits with 403 or 429: that is "retry later", not "bad
        token" (a secondary limit may come with no header at all)."""
        from .http_errors import server_message

        wait = rate_limit_wait(resp.status_code, resp.headers, server_message(resp), time.time())
        if wait is not None:
            return BackendError(
                f"GitHub API rate limit reached at {origin(self.url)} while trying to "
                f"{action}; will retry in {wait:.0f} s",
                retryable=True,
                retry_after=wait,
                status=resp.status_code,
            )
        if resp.status_code == 401 and self._app is not None:
            self._app.forget()  # expired or revoked early: buy a new one next time
        return super().response_error(resp, action=action, target=target)

    def _ref(self, issue: dict[str, Any]) -> TicketRef:
        return TicketRef(id=str(issue["number"]), url=issue.get("html_url"))

    # -- interface ---------------------------------------------------------------------------
    def issue_body(self, request: OutgoingRequest) -> str:
        """Marker first (it survives any cut), then the text as a literal code block."""
        text = markup.strip_marker(request.body, request.marker)
        return markup.fit(request.marker, text, BODY_LIMIT)[0]

    def create(self, request: OutgoingRequest) -> TicketRef:
        resp = self.call(
            "POST",
            f"{self._repo_path}/issues",
            action="create an issue",
            target=f"repository {self.repo}",
            ok=(201,),
            json={
                "title": request.summary[:TITLE_LIMIT],
                "body": self.issue_body(request),
                "labels": [self.label, *self.extra_labels],
            },
        )
        return self._ref(json_body(resp, "create an issue"))

    def pages(self, path: str, query: dict[str, str] | None, action: str, max_pages: int):
        """GET ``path`` and its ``Link: rel=next`` pages, yielding each JSON list item."""
        url: str | None = path
        for _ in range(max_pages):
            if not url:
                return
            resp = self.call(
                "GET", url, params=query, action=action, target=f"repository {self.repo}", ok=(200,)
            )
            yield from json_body(resp, action) or []
            match = _NEXT.search(resp.headers.get("Link", ""))
            url, query = (match.group(1), None) if match else (None, None)

    def newest_issues(self, action: str, max_pages: int = 1) -> Iterator[dict[str, Any]]:
        """The repository's newest issues, any label (a token without push access cannot set
        labels, and GitHub then drops them without an error)."""
        query = {"state": "all", "sort": "created", "direction": "desc", "per_page": "100"}
        return self.pages(f"{self._repo_path}/issues", query, action, max_pages)

    def find(self, request_uuid: str) -> TicketRef | None:
        marker = body_marker(request_uuid)
        # The newest issues first: consistent at once (the search index lags).
        for issue in self.newest_issues("search for the request"):
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
        return self.statuses([ref]).get(ref.id)

    def statuses(self, refs: list[TicketRef]) -> dict[str, str]:
        """Conditional requests (ETag): unchanged issues cost no rate limit (see github_sync)."""
        return github_sync.statuses(self, refs)

    def comment(self, ref: TicketRef, text: str) -> None:
        self.call(
            "POST",
            f"{self._repo_path}/issues/{ref.id}/comments",
            json={"body": markup.comment_body(text, BODY_LIMIT)},
            action="comment on the issue",
            target=f"repository {self.repo}",
            ok=(201,),
        )

    def messages(self, ref: TicketRef, since: float | None = None) -> list[Message]:
        return github_sync.messages(self, ref, since)

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
        if not (data.get("permissions") or {}).get("push", True):
            return (
                f"github: {self.url} accepted {self.secret_trait()}; {self.repo} takes issues "
                f"(without push access GitHub drops the label {self.label!r}; find and sync "
                "do not need it)."
            )
        return f"github: {self.url} accepted {self.secret_trait()}; {self.repo} takes issues."

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "repo": self.repo,
            "label": self.label,
            "auth": "app" if self.app_id else ("bearer" if self.token else "none"),
            "consistency_window": self.consistency_window,
        }
