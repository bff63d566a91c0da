"""GitHub status sync and conversation reads that stay inside the rate limit.

Why: a hub of user servers, each syncing every few minutes, would exhaust a token's 5,000
calls an hour if every sync listed every issue. GitHub documents that "making a conditional
request and receiving a 304 response does not count against your primary rate limit"
(https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
So each sync asks one question, "issues updated since the last change?", with the last
answer's ``ETag`` in ``If-None-Match``: while nothing changed it costs nothing. Issues never
seen by this process are read once each (also conditionally).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .base import Message, TicketRef
from .http import json_body
from .markup import OUR_TAG, our_text

if TYPE_CHECKING:
    from .github import GitHubBackend


@dataclass
class SyncCache:
    """What this process learned from GitHub: states and ETags of issues, and the last
    "updated since" question with its ETag."""

    states: dict[str, str] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)
    since: str | None = None
    list_etag: str | None = None
    free_answers: int = 0  # 304s: answers that cost no rate limit
    #: (issue, since) -> (ETag, comments) of the last comments answer
    comment_answers: dict[tuple[str, str], tuple[str, list[dict[str, Any]]]] = field(
        default_factory=dict
    )


def iso_time(value: str | None) -> float:
    """GitHub's ``2026-12-01T12:00:00Z`` as epoch seconds (0 when absent)."""
    if not value:
        return 0.0
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read_issue(be: GitHubBackend, num: str) -> None:
    from .github import issue_state

    cache = be.sync_cache
    headers = {"If-None-Match": cache.etags[num]} if num in cache.etags else {}
    resp = be.call(
        "GET",
        f"{be._repo_path}/issues/{num}",
        action="read the issue",
        target=f"repository {be.repo}",
        ok=(200, 304),
        headers=headers,
    )
    if resp.status_code == 304:
        cache.free_answers += 1
        return
    issue = json_body(resp, "read the issue")
    cache.states[num] = issue_state(issue)
    if resp.headers.get("ETag"):
        cache.etags[num] = resp.headers["ETag"]
    newest = issue.get("updated_at")
    if newest and (cache.since is None or newest > cache.since):
        cache.since = newest


def _updated_since(be: GitHubBackend) -> None:
    """One conditional "updated since" list (more pages only when much changed)."""
    from .github import MAX_PAGES, issue_state

    cache = be.sync_cache
    query = {"state": "all", "sort": "updated", "direction": "asc", "per_page": "100"}
    query["since"] = cache.since or iso(0)
    headers = {"If-None-Match": cache.list_etag} if cache.list_etag else {}
    resp = be.call(
        "GET",
        f"{be._repo_path}/issues",
        action="read issue states",
        target=f"repository {be.repo}",
        ok=(200, 304),
        params=query,
        headers=headers,
    )
    if resp.status_code == 304:
        cache.free_answers += 1
        return
    issues = list(json_body(resp, "read issue states") or [])
    if resp.headers.get("Link"):  # more than a page changed: read the rest, then move on
        from .github import _NEXT

        match = _NEXT.search(resp.headers["Link"])
        if match:
            issues += list(be.pages(match.group(1), None, "read issue states", MAX_PAGES - 1))
    newest = max((i.get("updated_at") or "" for i in issues), default="")
    for issue in issues:
        num = str(issue.get("number"))
        if num in cache.states:
            cache.states[num] = issue_state(issue)
    if newest and newest != cache.since:
        cache.since, cache.list_etag = newest, None  # a new question: no ETag for it yet
    else:
        cache.list_etag = resp.headers.get("ETag")


def statuses(be: GitHubBackend, refs: list[TicketRef]) -> dict[str, str]:
    """States of ``refs``: unseen issues read once, then one conditional list per sync."""
    cache = be.sync_cache
    wanted = [r.id for r in refs if str(r.id).isdigit()]
    if not wanted:
        return {}
    known = [n for n in wanted if n in cache.states]
    for num in wanted:
        if num not in cache.states:
            _read_issue(be, num)
    if known:
        _updated_since(be)
    return {n: cache.states[n] for n in wanted if n in cache.states}


def _comments(be: GitHubBackend, num: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """The issue's comments for ``query``; the same question again while nothing changed is a
    free 304 (its answer is kept with its ETag)."""
    from .github import _NEXT

    cache = be.sync_cache
    key = (num, query.get("since", ""))
    known = cache.comment_answers.get(key)
    path = f"{be._repo_path}/issues/{num}/comments"
    resp = be.call(
        "GET",
        path,
        action="read the issue's comments",
        target=f"repository {be.repo}",
        ok=(200, 304),
        params=query,
        headers={"If-None-Match": known[0]} if known else {},
    )
    if resp.status_code == 304 and known:
        cache.free_answers += 1
        return known[1]
    items = list(json_body(resp, "read the issue's comments") or [])
    match = _NEXT.search(resp.headers.get("Link", ""))
    if match:  # more than a page: read the rest, keep nothing (a rare, long thread)
        items += list(be.pages(match.group(1), None, "read the issue's comments", 9))
    elif resp.headers.get("ETag"):
        cache.comment_answers[key] = (resp.headers["ETag"], items)
    return items


def messages(be: GitHubBackend, ref: TicketRef, since: float | None) -> list[Message]:
    """Issue comments created at or after ``since``, oldest first; ours come back as the
    user's. GitHub's times have whole seconds: a comment in ``since``'s own second comes back
    again rather than being lost (the store drops it by its id). Asked conditionally: an
    unchanged thread costs no rate limit."""
    query = {"per_page": "100"}
    if since is not None:
        query["since"] = iso(since)  # filters on updated_at: created_at is checked below
    out: list[Message] = []
    for item in _comments(be, str(ref.id), query):
        created = iso_time(item.get("created_at"))
        if since is not None and created < since:
            continue
        body = str(item.get("body") or "")
        ours = OUR_TAG in body
        out.append(
            Message(
                id=str(item.get("id")),
                role="user" if ours else "it",
                author=str((item.get("user") or {}).get("login") or ""),
                text=our_text(body) if ours else body,
                created_at=created,
                public=True,  # GitHub issue comments have no internal kind
            )
        )
    out.sort(key=lambda m: m.created_at)
    return out
