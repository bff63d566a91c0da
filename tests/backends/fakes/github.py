"""Fake GitHub REST API that reproduces the documented behaviour, unpleasant parts included.

Each behaviour cites the page it follows:
- Issues: https://docs.github.com/en/rest/issues/issues - create ("Only users with push
  access can set labels for new issues. Labels are silently dropped otherwise."), get, list
  (``state``, ``labels``, ``sort``, ``direction``, ``since`` on ``updated_at``, ``per_page``,
  ``Link: rel="next"`` paging); a body over 65,536 characters is refused with 422
  ("body is too long (maximum is 65536 characters)").
- Comments: https://docs.github.com/en/rest/issues/comments (list with ``since``, create).
- Search: https://docs.github.com/en/rest/search/search - the index lags behind writes
  (``search_lag`` seconds here).
- Rate limits: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
  - primary: 403 with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset``; secondary: 403
  with a message and possibly no ``retry-after``; concurrent writes trip the secondary limit
  (best practices: "make requests serially").
- Conditional requests: https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
  - an ``ETag`` on every GET; ``If-None-Match`` with it answers 304, which does not count
  against the primary rate limit.
- GitHub App: https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app
  - a JWT (RS256, ``iss`` the app id, at most 10 minutes) buys an installation token with
  ``expires_at`` one hour ahead.
Every request is also validated against the vendored rest-api-description subset
(``openapi/``), when one is loaded.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

from .base import FakeAPI, Recorded, Reply

BODY_LIMIT = 65536
SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
    "you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class FakeGitHub(FakeAPI):
    def __init__(self, token: str = "ghp_fake_token", repo: str = "corp/it-requests") -> None:
        super().__init__()
        self.token, self.repo = token, repo
        self.issues: dict[int, dict[str, Any]] = {}
        self.created_at: dict[int, float] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.push_access = True  # False: labels on new issues are silently dropped
        self.search_lag = 0.0  # seconds before search sees a new issue
        self.rate_remaining = 5000
        self.free_answers = 0  # 304s
        self.concurrent_writes = 0
        self.max_concurrent_writes = 0
        self.write_times: list[float] = []
        self.app: dict[str, Any] | None = None  # {"app_id", "public_key", "installation_id"}
        self.app_tokens: dict[str, float] = {}  # installation token -> expiry
        self.token_ttl = 3600.0
        self._writes = threading.Lock()
        self._seq = 0
        base = r"/repos/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)"
        self.route("GET", base, self.get_repo)
        self.route("POST", base + r"/issues", self.create_issue)
        self.route("GET", base + r"/issues", self.list_issues)
        self.route("GET", base + r"/issues/(?P<num>\d+)", self.get_issue)
        self.route("POST", base + r"/issues/(?P<num>\d+)/comments", self.add_comment)
        self.route("GET", base + r"/issues/(?P<num>\d+)/comments", self.list_comments)
        self.route("GET", r"/search/issues", self.search)
        self.route("POST", r"/app/installations/(?P<inst>\d+)/access_tokens", self.app_token)

    # -- the server loop: writes are not serialised by the fake's lock (concurrency shows) --
    def dispatch(self, rec: Recorded) -> Reply:
        if rec.method != "POST" or rec.path.endswith("/access_tokens"):
            return self._conditional(rec, super().dispatch(rec))
        with self._writes:
            self.concurrent_writes += 1
            self.max_concurrent_writes = max(self.max_concurrent_writes, self.concurrent_writes)
            self.write_times.append(time.monotonic())
            busy = self.concurrent_writes > 1
        try:
            time.sleep(0.05)  # a write takes time: overlapping writes are visible
            if busy:
                with self.lock:
                    self.requests.append(rec)
                return Reply(403, dict(SECONDARY))
            return super().dispatch(rec)
        finally:
            with self._writes:
                self.concurrent_writes -= 1

    def is_create(self, rec: Recorded) -> bool:
        return rec.method == "POST" and rec.path.endswith("/issues")

    def _conditional(self, rec: Recorded, reply: Reply) -> Reply:
        """ETag on GETs; a matching If-None-Match is a 304 that costs no rate limit."""
        if rec.method != "GET" or reply.status != 200:
            return reply
        etag = '"' + hashlib.sha1(json.dumps(reply.body, sort_keys=True).encode()).hexdigest() + '"'
        reply.headers["ETag"] = etag
        if rec.headers.get("if-none-match") == etag:
            self.free_answers += 1
            return Reply(304, None, {"ETag": etag})
        self.rate_remaining -= 1
        reply.headers["X-RateLimit-Remaining"] = str(self.rate_remaining)
        return reply

    def authorized(self, req: Recorded) -> Reply | None:
        if req.path.endswith("/access_tokens"):
            return None  # checked with the JWT in app_token
        auth = req.headers.get("authorization") or ""
        bearer = auth.removeprefix("Bearer ")
        app_ok = self.app is not None and self.app_tokens.get(bearer, 0) > time.time()
        if bearer != self.token and not app_ok:
            return Reply(
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
            )
        if req.headers.get("x-github-api-version") != "2022-11-28":
            return Reply(400, {"message": "Unsupported 'X-GitHub-Api-Version'"})
        return None

    def _repo_ok(self, owner: str, name: str) -> Reply | None:
        if f"{owner}/{name}" != self.repo:
            return Reply(
                404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
            )
        return None

    def get_repo(self, req: Recorded, owner: str, name: str) -> Reply:
        return self._repo_ok(owner, name) or Reply(
            200,
            {"full_name": self.repo, "has_issues": True, "permissions": {"push": self.push_access}},
        )

    def create_issue(self, req: Recorded, owner: str, name: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        body = req.json or {}
        problem = None
        if not body.get("title"):
            problem = {"resource": "Issue", "code": "missing_field", "field": "title"}
        elif len(body.get("body") or "") > BODY_LIMIT:
            problem = {
                "resource": "Issue",
                "code": "custom",
                "field": "body",
                "message": f"body is too long (maximum is {BODY_LIMIT} characters)",
            }
        if problem:
            return Reply(422, {"message": "Validation Failed", "errors": [problem]})
        self._seq += 1
        num, now = self._seq, time.time()
        labels = (body.get("labels") or []) if self.push_access else []
        issue = {
            "number": num,
            "title": body["title"],
            "body": body.get("body") or "",
            "state": "open",
            "state_reason": None,
            "assignees": [],
            "labels": [{"name": n} for n in labels],
            "html_url": f"https://github.example/{self.repo}/issues/{num}",
            "created_at": iso(now),
            "updated_at": iso(now),
        }
        self.issues[num] = issue
        self.created_at[num] = now
        self.created(issue)
        return Reply(201, issue)

    def seed(self, bodies: list[str], labels: tuple[str, ...] = ("itbridge",)) -> list[int]:
        """Issues filed by others (or long ago), straight into the repository."""
        nums = []
        for body in bodies:
            self._seq += 1
            now = time.time()
            self.issues[self._seq] = {
                "number": self._seq,
                "title": body[:40] or "issue",
                "body": body,
                "state": "open",
                "state_reason": None,
                "assignees": [],
                "labels": [{"name": n} for n in labels],
                "html_url": f"https://github.example/{self.repo}/issues/{self._seq}",
                "created_at": iso(now),
                "updated_at": iso(now),
            }
            self.created_at[self._seq] = now
            nums.append(self._seq)
        return nums

    def touch(self, num: int, **changes: Any) -> None:
        """An IT agent changes an issue (``updated_at`` moves)."""
        self.issues[num].update(changes, updated_at=iso(time.time()))

    def close(self, num: int, reason: str) -> None:
        self.touch(num, state="closed", state_reason=reason)

    def get_issue(self, req: Recorded, owner: str, name: str, num: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        issue = self.issues.get(int(num))
        return Reply(200, issue) if issue else Reply(404, {"message": "Not Found"})

    def _page(self, req: Recorded, found: list[dict[str, Any]]) -> Reply:
        per_page, page = int(req.q("per_page") or 30), int(req.q("page") or 1)
        chunk = found[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(found):
            query = {k: v[0] for k, v in req.query.items()} | {"page": str(page + 1)}
            headers["Link"] = f'<{self.url}{req.path}?{urlencode(query)}>; rel="next"'
        return Reply(200, chunk, headers)

    def list_issues(self, req: Recorded, owner: str, name: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        label, since = req.q("labels"), req.q("since")
        state = req.q("state") or "open"
        found = [
            i
            for i in self.issues.values()
            if (not label or label in [x["name"] for x in i["labels"]])
            and (state == "all" or i["state"] == state)
            and (not since or i["updated_at"] >= since)
        ]
        key = "updated_at" if req.q("sort") == "updated" else "number"
        found.sort(key=lambda i: (i[key], i["number"]), reverse=req.q("direction") != "asc")
        return self._page(req, found)

    def add_comment(self, req: Recorded, owner: str, name: str, num: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        if int(num) not in self.issues:
            return Reply(404, {"message": "Not Found"})
        if len(req.json["body"]) > BODY_LIMIT:
            return Reply(422, {"message": "Validation Failed"})
        return Reply(201, self.it_comment(int(num), req.json["body"], login="itbridge-bot"))

    def it_comment(self, num: int, body: str, login: str = "it-agent") -> dict[str, Any]:
        """A comment on issue ``num`` (an IT agent's, unless ``login`` says otherwise)."""
        self._seq += 1
        now = iso(time.time())
        item = {
            "id": 9000 + self._seq,
            "body": body,
            "user": {"login": login},
            "created_at": now,
            "updated_at": now,
        }
        self.comments.setdefault(num, []).append(item)
        return item

    def list_comments(self, req: Recorded, owner: str, name: str, num: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        since = req.q("since")
        found = [
            c for c in self.comments.get(int(num), []) if not since or c["updated_at"] >= since
        ]
        return self._page(req, found)

    def search(self, req: Recorded) -> Reply:
        q = req.q("q") or ""
        if f"repo:{self.repo}" not in q:
            return Reply(422, {"message": "Validation Failed"})
        term = q.split('"')[1] if '"' in q else ""
        indexed_before = time.time() - self.search_lag
        found = [
            i
            for n, i in self.issues.items()
            if term and term in i["body"] and self.created_at[n] <= indexed_before
        ]
        return Reply(200, {"total_count": len(found), "incomplete_results": False, "items": found})

    def app_token(self, req: Recorded, inst: str) -> Reply:
        from .github_jwt import verify_app_jwt

        if self.app is None or inst != str(self.app["installation_id"]):
            return Reply(404, {"message": "Not Found"})
        jwt = (req.headers.get("authorization") or "").removeprefix("Bearer ")
        problem = verify_app_jwt(jwt, self.app["public_key"], str(self.app["app_id"]))
        if problem:
            return Reply(401, {"message": problem})
        self._seq += 1
        token = f"ghs_installation{self._seq:04d}"
        self.app_tokens[token] = time.time() + self.token_ttl
        return Reply(201, {"token": token, "expires_at": iso(self.app_tokens[token])})
