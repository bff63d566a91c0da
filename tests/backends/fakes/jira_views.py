"""Read side of the fake Jira: search (v2, Cloud's search/jql), bulkfetch, comment lists.

Shapes follow Jira's REST docs (v2 Data Center: https://docs.atlassian.com/software/jira/docs/
api/REST/latest/ ; Cloud v3: https://developer.atlassian.com/cloud/jira/platform/rest/v3/ ;
JSM: https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/).
"""

from __future__ import annotations

import time
from typing import Any

from .base import Recorded, Reply
from .jql import JQLError, compile_jql

STATUSES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done", "Declined": "done"}
PAGE_MAX = 100
GONE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A "
    "full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)  # search/jql pages with fields are at most 100 issues


def _iso(epoch: float) -> str:
    millis = int(epoch * 1000) % 1000
    return time.strftime(f"%Y-%m-%dT%H:%M:%S.{millis:03d}+0000", time.gmtime(epoch))


class JiraViews:
    issues: dict[str, dict[str, Any]]
    comment_log: dict[str, list[dict[str, Any]]]
    search_lag: float
    cloud: bool

    @staticmethod
    def plain(value: Any) -> str:
        """Text of a string or an ADF document (what Jira counts against its limit)."""
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            own = value.get("text", "") if value.get("type") == "text" else ""
            return own + "".join(JiraViews.plain(c) for c in value.get("content") or [])
        return ""

    def _view(self, issue: dict[str, Any], fields: list[str], v3: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        f = issue["fields"]
        if "status" in fields:
            out["status"] = {"name": f["status"], "statusCategory": {"key": STATUSES[f["status"]]}}
        if "resolution" in fields:
            out["resolution"] = {"name": f["resolution"]} if f["resolution"] else None
        for name in ("summary", "description", "labels"):
            if name in fields:
                value = f.get(name)
                if name == "description" and v3 and isinstance(value, str):
                    value = {
                        "type": "doc",
                        "version": 1,
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": value}]}
                        ],
                    }
                out[name] = value
        return {"id": issue["id"], "key": issue["key"], "fields": out}

    def _query(self, req: Recorded) -> tuple[Any, Reply | None]:
        try:
            return compile_jql(req.q("jql") or ""), None
        except JQLError as exc:
            return None, Reply(400, {"errorMessages": [str(exc)], "errors": {}})

    def search_v2(self, req: Recorded) -> Reply:
        if self.cloud:  # CHANGE-2046: removed on Cloud, 410 Gone
            return Reply(410, {"errorMessages": [GONE], "errors": {}})
        query, bad = self._query(req)
        if bad:
            return bad
        fields = (req.q("fields") or "").split(",")
        limit = int(req.q("maxResults") or 50)
        missing = [k for k in query.keys if k not in self.issues]
        if missing and req.q("validateQuery") != "warn":
            return Reply(
                400,
                {
                    "errorMessages": [
                        f"An issue with key '{missing[0]}' does not exist for field 'key'."
                    ],
                    "errors": {},
                },
            )
        found = query.run(list(self.issues.values()))
        start = int(req.q("startAt") or 0)
        return Reply(
            200,
            {
                "startAt": start,
                "maxResults": limit,
                "total": len(found),
                "issues": [self._view(i, fields, False) for i in found[start : start + limit]],
            },
        )

    def search_jql(self, req: Recorded) -> Reply:
        query, bad = self._query(req)
        if bad:
            return bad
        if req.q("validateQuery") or req.q("startAt"):
            return Reply(
                400,
                {
                    "errorMessages": [
                        "Unrecognized parameter: validateQuery/startAt"
                        " (search/jql pages with nextPageToken)"
                    ]
                },
            )
        missing = [k for k in query.keys if k not in self.issues]
        if missing:
            return Reply(
                400,
                {
                    "errorMessages": [
                        f"An issue with key '{missing[0]}' does not exist for field 'key'."
                    ],
                    "errors": {},
                },
            )
        now = time.time()
        visible = [i for i in self.issues.values() if now - i["created"] >= self.search_lag]
        found = query.run(visible)
        fields = (req.q("fields") or "id").split(",")
        size = min(int(req.q("maxResults") or 50), PAGE_MAX)
        start = int(req.q("nextPageToken") or "0", 16) if req.q("nextPageToken") else 0
        page = found[start : start + size]
        body: dict[str, Any] = {
            "issues": [self._view(i, fields, True) for i in page],
            "isLast": start + size >= len(found),
        }
        if not body["isLast"]:
            body["nextPageToken"] = format(start + size, "x")
        return Reply(200, body)

    def bulkfetch(self, req: Recorded) -> Reply:
        body = req.json or {}
        keys = [str(k) for k in body.get("issueIdsOrKeys") or []]
        if not keys or len(keys) > 100:
            return Reply(400, {"errorMessages": ["issueIdsOrKeys must hold 1 to 100 issues"]})
        fields = [str(f) for f in body.get("fields") or []]
        found = [self._view(self.issues[k], fields, True) for k in keys if k in self.issues]
        return Reply(200, {"issues": found, "issueErrors": []})

    # -- comments ------------------------------------------------------------------------------
    def comment_view(self, entry: dict[str, Any], v3: bool) -> dict[str, Any]:
        body = entry["body"]
        if not v3 and not isinstance(body, str):
            body = self.plain(body)
        return {
            "id": entry["id"],
            "author": entry["author"],
            "body": body,
            "created": _iso(entry["created"]),
            "jsdPublic": entry["public"],
        }

    def jsm_comment_view(self, entry: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": entry["id"],
            "body": self.plain(entry["body"]),
            "public": entry["public"],
            "author": entry["author"],
            "created": {
                "epochMillis": int(entry["created"] * 1000),
                "iso8601": _iso(entry["created"]),
            },
        }

    def list_comments(self, req: Recorded, key: str) -> Reply:
        if key not in self.issues:
            return Reply(404, {"errorMessages": ["Issue does not exist"], "errors": {}})
        start, size = int(req.q("startAt") or 0), min(int(req.q("maxResults") or 50), 100)
        log = self.comment_log[key]
        v3 = req.path.startswith("/rest/api/3/")
        return Reply(
            200,
            {
                "startAt": start,
                "maxResults": size,
                "total": len(log),
                "comments": [self.comment_view(c, v3) for c in log[start : start + size]],
            },
        )

    def jsm_comments(self, req: Recorded, key: str) -> Reply:
        if key not in self.issues:
            return Reply(404, {"errorMessage": "The request does not exist."})
        show_public = req.q("public") != "false"
        show_internal = req.q("internal") != "false"
        log = [
            c
            for c in self.comment_log[key]
            if (c["public"] and show_public) or (not c["public"] and show_internal)
        ]
        start, size = int(req.q("start") or 0), min(int(req.q("limit") or 50), 100)
        page = log[start : start + size]
        return Reply(
            200,
            {
                "start": start,
                "limit": size,
                "size": len(page),
                "isLastPage": start + size >= len(log),
                "values": [self.jsm_comment_view(c) for c in page],
            },
        )
