"""The parts of Jira's REST API that differ between Cloud and Data Center.

Why: Atlassian removed ``/rest/api/{2,3}/search`` from Cloud (410 Gone, CHANGE-2046); its
replacement ``/rest/api/3/search/jql`` pages with ``nextPageToken``, has no ``validateQuery``
and is eventually consistent, so statuses are read with ``POST /rest/api/3/issue/bulkfetch``
(consistent, and a deleted issue is simply left out). Data Center keeps REST v2 search. Cloud
takes descriptions and comments as ADF in v3; Data Center as wiki markup in v2.
"""

from __future__ import annotations

import calendar
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .base import BackendError, Message
from .http import json_body
from .jira_text import adf_text, wiki_text

if TYPE_CHECKING:  # pragma: no cover
    from .jira import JiraBackend

CLOUD_HOSTS = (".atlassian.net", ".jira.com", ".jira-dev.com")
PAGE = 100


def detect_cloud(be: JiraBackend) -> bool:
    """Cloud or Data Center: configured, else the host, else ``serverInfo.deploymentType``."""
    if be.deployment != "auto":
        return be.deployment == "cloud"
    if be.scoped_token:
        return True
    host = (urlsplit(be.url).hostname or "").lower()
    if host.endswith(CLOUD_HOSTS):
        return True
    resp = be.call("GET", "/rest/api/2/serverInfo", action="read the server info", ok=(200,))
    kind = str((json_body(resp, "read the server info") or {}).get("deploymentType") or "")
    return kind.lower() == "cloud"


def read_cloud_id(be: JiraBackend) -> str:
    """The site's cloudId from ``/_edge/tenant_info`` (public, no credentials needed)."""
    resp = be.call(
        "GET", f"{be.url}/_edge/tenant_info", action="read the site's cloudId", ok=(200,)
    )
    cloud_id = str((json_body(resp, "read the site's cloudId") or {}).get("cloudId") or "")
    if not cloud_id:
        raise BackendError(
            f"{be.url} returned no cloudId; set JiraBackend.cloud_id.", retryable=False
        )
    return cloud_id


def search(be: JiraBackend, jql: str, fields: str, limit: int, action: str) -> list[dict]:
    path = be.search_path.rstrip("/")
    # An older config set search_path to search/jql by hand: that endpoint pages by token.
    token_paged = path.endswith("/search/jql") or (not path and be.is_cloud)
    if not token_paged:
        # validateQuery=warn: a deleted key in "key in (...)" must not fail the whole batch.
        params = {"jql": jql, "fields": fields, "maxResults": str(limit), "validateQuery": "warn"}
        resp = be.call("GET", path or "/rest/api/2/search", action=action, ok=(200,), params=params)
        return list((json_body(resp, action) or {}).get("issues") or [])
    out: list[dict[str, Any]] = []
    token: str | None = None
    while len(out) < limit:
        params = {"jql": jql, "fields": fields, "maxResults": str(min(PAGE, limit - len(out)))}
        if token:
            params["nextPageToken"] = token
        resp = be.call(
            "GET", path or "/rest/api/3/search/jql", action=action, ok=(200,), params=params
        )
        data = json_body(resp, action) or {}
        out += list(data.get("issues") or [])
        token = data.get("nextPageToken")
        if not token or data.get("isLast"):
            break
    return out[:limit]


def bulk(be: JiraBackend, keys: list[str], fields: list[str], action: str) -> list[dict]:
    """Issues by key, at most 100 per call; missing (deleted) ones are left out."""
    if not be.is_cloud:
        jql = f"key in ({','.join(keys)})"
        return search(be, jql, ",".join(fields), len(keys), action)
    resp = be.call(
        "POST",
        "/rest/api/3/issue/bulkfetch",
        action=action,
        ok=(200,),
        json={"issueIdsOrKeys": keys, "fields": fields},
    )
    return list((json_body(resp, action) or {}).get("issues") or [])


def _epoch(value: Any) -> float:
    if isinstance(value, dict):  # JSM: {"epochMillis", "iso8601", ...}
        return float(value.get("epochMillis") or 0) / 1000.0
    text = str(value or "")  # 2026-12-01T12:00:00.000+0000
    try:
        base = time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
        offset = text[23:] if len(text) > 23 else "+0000"
        sign = -1 if offset.startswith("-") else 1
        minutes = int(offset[1:3]) * 60 + int(offset[3:5])
        millis = int(text[20:23]) if text[19:20] == "." else 0
        return float(calendar.timegm(base)) + millis / 1000.0 - sign * minutes * 60
    except (ValueError, IndexError):
        return 0.0


def _is_me(be: JiraBackend, author: dict[str, Any]) -> bool:
    me = be.myself()
    return any(author.get(k) and author.get(k) == me.get(k) for k in ("accountId", "key", "name"))


def messages(be: JiraBackend, key: str, since: float | None) -> list[Message]:
    """Comments, oldest first: JSM through servicedeskapi (``public`` per comment); plain
    issues through the platform API (every comment is public there)."""
    jsm = be.mode == "servicedesk"
    out: list[Message] = []
    start = 0
    while True:
        if jsm:
            path = f"/rest/servicedeskapi/request/{key}/comment"
            params = {"start": str(start), "limit": str(PAGE)}
        else:
            path = f"/rest/api/{3 if be.is_cloud else 2}/issue/{key}/comment"
            params = {"startAt": str(start), "maxResults": str(PAGE), "orderBy": "created"}
        resp = be.call(
            "GET", path, action="read the comments", target=f"issue {key}", ok=(200,), params=params
        )
        data = json_body(resp, "read the comments") or {}
        page = list(data.get("values" if jsm else "comments") or [])
        for c in page:
            created = _epoch(c.get("created"))
            if since is not None and created <= since:
                continue
            author = c.get("author") or {}
            body = c.get("body")
            text = wiki_text(body) if isinstance(body, str) else adf_text(body)
            out.append(
                Message(
                    id=str(c.get("id")),
                    role="user" if _is_me(be, author) else "it",
                    author=str(author.get("displayName") or author.get("name") or "IT"),
                    text=text,
                    created_at=created,
                    public=bool(c.get("public", True)) if jsm else True,
                )
            )
        start += len(page)
        last = data.get("isLastPage") if jsm else start >= int(data.get("total") or 0)
        if last or not page:
            return out
