"""Fake GitHub REST API: repo issues (create/get/list by label with Link paging), comments,
issue search, rate limits (403 + ``X-RateLimit-Remaining: 0``) and GitHub's 404 for a repo the
token cannot see."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from .base import FakeAPI, Recorded, Reply


class FakeGitHub(FakeAPI):
    def __init__(self, token: str = "ghp_fake_token", repo: str = "corp/it-requests") -> None:
        super().__init__()
        self.token, self.repo = token, repo
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[str]] = {}
        self.search_index_lag = False  # True: search does not see new issues yet (real lag)
        base = r"/repos/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)"
        self.route("GET", base, self.get_repo)
        self.route("POST", base + r"/issues", self.create_issue)
        self.route("GET", base + r"/issues", self.list_issues)
        self.route("GET", base + r"/issues/(?P<num>\d+)", self.get_issue)
        self.route("POST", base + r"/issues/(?P<num>\d+)/comments", self.add_comment)
        self.route("GET", r"/search/issues", self.search)

    def authorized(self, req: Recorded) -> Reply | None:
        if req.headers.get("authorization") != f"Bearer {self.token}":
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
            200, {"full_name": self.repo, "has_issues": True}
        )

    def create_issue(self, req: Recorded, owner: str, name: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        body = req.json or {}
        if not body.get("title"):
            return Reply(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
                },
            )
        num = len(self.issues) + 1
        issue = {
            "number": num,
            "title": body["title"],
            "body": body.get("body") or "",
            "state": "open",
            "state_reason": None,
            "assignees": [],
            "labels": [{"name": n} for n in body.get("labels") or []],
            "html_url": f"https://github.example/{self.repo}/issues/{num}",
        }
        self.issues[num] = issue
        return Reply(201, issue)

    def close(self, num: int, reason: str) -> None:
        self.issues[num].update(state="closed", state_reason=reason)

    def get_issue(self, req: Recorded, owner: str, name: str, num: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        issue = self.issues.get(int(num))
        return Reply(200, issue) if issue else Reply(404, {"message": "Not Found"})

    def list_issues(self, req: Recorded, owner: str, name: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        label = req.q("labels")
        state = req.q("state") or "open"
        found = [
            i
            for i in self.issues.values()
            if (not label or label in [x["name"] for x in i["labels"]])
            and (state == "all" or i["state"] == state)
        ]
        found.sort(key=lambda i: i["number"], reverse=(req.q("direction") or "desc") == "desc")
        per_page, page = int(req.q("per_page") or 30), int(req.q("page") or 1)
        chunk = found[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(found):
            query = {k: v[0] for k, v in req.query.items()} | {"page": str(page + 1)}
            headers["Link"] = f'<{self.url}{req.path}?{urlencode(query)}>; rel="next"'
        return Reply(200, chunk, headers)

    def add_comment(self, req: Recorded, owner: str, name: str, num: str) -> Reply:
        if denied := self._repo_ok(owner, name):
            return denied
        if int(num) not in self.issues:
            return Reply(404, {"message": "Not Found"})
        self.comments.setdefault(int(num), []).append(req.json["body"])
        return Reply(201, {"id": len(self.comments[int(num)]), "body": req.json["body"]})

    def search(self, req: Recorded) -> Reply:
        q = req.q("q") or ""
        if f"repo:{self.repo}" not in q:
            return Reply(422, {"message": "Validation Failed"})
        term = q.split('"')[1] if '"' in q else ""
        found = (
            []
            if self.search_index_lag
            else [i for i in self.issues.values() if term and term in i["body"]]
        )
        return Reply(200, {"total_count": len(found), "incomplete_results": False, "items": found})
