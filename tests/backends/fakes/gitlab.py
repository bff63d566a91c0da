"""Fake GitLab REST v4: project issues (create, list with ``search``/``in``/``labels``/
``iids[]``/``state``), notes, ``PRIVATE-TOKEN`` auth and the URL-encoded project path."""

from __future__ import annotations

from typing import Any

from .base import FakeAPI, Recorded, Reply


class FakeGitLab(FakeAPI):
    def __init__(self, token: str = "glpat-fake-token", project: str = "it/requests") -> None:
        super().__init__()
        self.token, self.project = token, project
        self.issues: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[str]] = {}
        # The project id is URL-encoded: match it raw, as GitLab routes it.
        base = r"/api/v4/projects/(?P<pid>[^/]+)"
        self.route("GET", base, self.get_project)
        self.route("POST", base + r"/issues", self.create_issue)
        self.route("GET", base + r"/issues", self.list_issues)
        self.route("POST", base + r"/issues/(?P<iid>\d+)/notes", self.add_note)

    def authorized(self, req: Recorded) -> Reply | None:
        if req.headers.get("private-token") != self.token:
            return Reply(401, {"message": "401 Unauthorized"})
        return None

    def _project_ok(self, pid: str) -> Reply | None:
        if pid not in (self.project.replace("/", "%2F"), "42"):
            return Reply(404, {"message": "404 Project Not Found"})
        return None

    def get_project(self, req: Recorded, pid: str) -> Reply:
        return self._project_ok(pid) or Reply(
            200, {"id": 42, "issues_enabled": True, "path_with_namespace": self.project}
        )

    def create_issue(self, req: Recorded, pid: str) -> Reply:
        if denied := self._project_ok(pid):
            return denied
        body = req.json or {}
        if not body.get("title"):
            return Reply(400, {"message": {"title": ["can't be blank"]}})
        iid = len(self.issues) + 1
        issue = {
            "id": 1000 + iid,
            "iid": iid,
            "title": body["title"],
            "description": body.get("description") or "",
            "state": "opened",
            "labels": [x for x in str(body.get("labels") or "").split(",") if x],
            "assignees": [],
            "web_url": f"https://gitlab.example/{self.project}/-/issues/{iid}",
        }
        self.issues[iid] = issue
        return Reply(201, issue)

    def list_issues(self, req: Recorded, pid: str) -> Reply:
        if denied := self._project_ok(pid):
            return denied
        found = list(self.issues.values())
        if iids := req.query.get("iids[]"):
            found = [i for i in found if str(i["iid"]) in iids]
        if label := req.q("labels"):
            found = [i for i in found if label in i["labels"]]
        if search := req.q("search"):
            where = req.q("in") or "title,description"
            found = [i for i in found if any(search in i[f] for f in where.split(","))]
        state = req.q("state") or "all"
        if state != "all":
            found = [i for i in found if i["state"] == state]
        return Reply(200, found[: int(req.q("per_page") or 20)])

    def add_note(self, req: Recorded, pid: str, iid: str) -> Reply:
        if denied := self._project_ok(pid):
            return denied
        if int(iid) not in self.issues:
            return Reply(404, {"message": "404 Issue Not Found"})
        self.notes.setdefault(int(iid), []).append(req.json["body"])
        return Reply(201, {"id": len(self.notes[int(iid)]), "body": req.json["body"]})
