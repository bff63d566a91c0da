"""Fake Jira: REST v2 issue create/search/comment/edit and JSM ``servicedeskapi/request``.

Basic (email + API token) or bearer PAT; validation errors in Jira's ``errors`` shape. JQL is
parsed (see :mod:`backends.fakes.jql`): ``project``/``key``/``labels`` with ``=``, ``!=``,
``in``; ``summary``/``description``/``environment``/``comment``/``text`` with ``~``/``!~``;
AND, OR, NOT, parentheses, ``ORDER BY created|key``.
"""

from __future__ import annotations

import base64
from typing import Any

from .base import FakeAPI, Recorded, Reply
from .jql import JQLError, compile_jql

STATUSES = {
    "To Do": "new",
    "In Progress": "indeterminate",
    "Done": "done",
    "Declined": "done",
}


class FakeJira(FakeAPI):
    def __init__(
        self,
        email: str = "bot@corp.example",
        api_token: str = "jira-api-token",
        pat: str = "jira-pat",
    ) -> None:
        super().__init__()
        self.email, self.api_token, self.pat = email, api_token, pat
        self.projects = {"IT": "10000"}
        self.service_desks = {"7": "IT"}
        self.request_types = {"7": {"42"}}
        self.issues: dict[str, dict[str, Any]] = {}
        self.counter = 0
        #: Refuse label edits the way Jira does when ``labels`` is not on the edit screen
        #: (common for JSM request types): tests of a request whose label never came.
        self.refuse_label_edits = False
        self.route("POST", r"/rest/api/2/issue", self.create_issue)
        self.route("PUT", r"/rest/api/2/issue/(?P<key>[A-Z]+-\d+)", self.edit_issue)
        self.route("POST", r"/rest/api/2/issue/(?P<key>[A-Z]+-\d+)/comment", self.add_comment)
        self.route("GET", r"/rest/api/2/search", self.search)
        self.route("GET", r"/rest/api/2/myself", lambda r: Reply(200, {"displayName": "IT Bot"}))
        self.route("GET", r"/rest/api/2/project/(?P<key>\w+)", self.get_project)
        self.route("POST", r"/rest/servicedeskapi/request", self.create_request)
        self.route("GET", r"/rest/servicedeskapi/servicedesk/(?P<desk>\w+)", self.get_desk)

    def authorized(self, req: Recorded) -> Reply | None:
        auth = req.headers.get("authorization", "")
        basic = "Basic " + base64.b64encode(f"{self.email}:{self.api_token}".encode()).decode()
        if auth in (basic, f"Bearer {self.pat}"):
            return None
        return Reply(
            401,
            {
                "errorMessages": [
                    "You are not authenticated. Authentication required to perform this operation."
                ],
                "errors": {},
            },
        )

    def _new(self, project: str, fields: dict[str, Any]) -> dict[str, Any]:
        self.counter += 1
        key = f"{project}-{self.counter}"
        issue = {
            "id": str(10000 + self.counter),
            "key": key,
            "fields": {
                "status": "To Do",
                "resolution": None,
                "labels": [],
                "comments": [],
                **fields,
            },
        }
        self.issues[key] = issue
        return issue

    def set_status(self, key: str, status: str, resolution: str | None = None) -> None:
        self.issues[key]["fields"]["status"] = status
        self.issues[key]["fields"]["resolution"] = resolution

    def create_issue(self, req: Recorded) -> Reply:
        fields = (req.json or {}).get("fields") or {}
        errors = {}
        project = (fields.get("project") or {}).get("key")
        if project not in self.projects:
            errors["project"] = "valid project is required"
        if not (fields.get("issuetype") or {}).get("name"):
            errors["issuetype"] = "valid issue type is required"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if any(" " in label for label in fields.get("labels") or []):
            errors["labels"] = "The label must not contain spaces."
        if errors:
            return Reply(400, {"errorMessages": [], "errors": errors})
        issue = self._new(project, fields)
        return Reply(
            201,
            {
                "id": issue["id"],
                "key": issue["key"],
                "self": f"{self.url}/rest/api/2/issue/{issue['id']}",
            },
        )

    def create_request(self, req: Recorded) -> Reply:
        body = req.json or {}
        desk = str(body.get("serviceDeskId"))
        if desk not in self.service_desks:
            return Reply(404, {"errorMessage": "The service desk does not exist."})
        if str(body.get("requestTypeId")) not in self.request_types[desk]:
            return Reply(400, {"errorMessage": "The request type does not exist."})
        values = body.get("requestFieldValues") or {}
        if "labels" in values:
            return Reply(400, {"errorMessage": "Field 'labels' is not on the request type."})
        issue = self._new(self.service_desks[desk], values)
        return Reply(
            201,
            {
                "issueId": issue["id"],
                "issueKey": issue["key"],
                "requestTypeId": body["requestTypeId"],
                "serviceDeskId": desk,
                "_links": {"web": f"{self.url}/servicedesk/customer/portal/{desk}/{issue['key']}"},
            },
        )

    def edit_issue(self, req: Recorded, key: str) -> Reply:
        issue = self.issues.get(key)
        if issue is None:
            return Reply(
                404,
                {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ],
                    "errors": {},
                },
            )
        ops = ((req.json or {}).get("update") or {}).get("labels", [])
        if ops and self.refuse_label_edits:
            return Reply(
                400,
                {
                    "errorMessages": [],
                    "errors": {
                        "labels": "Field 'labels' cannot be set. It is not on the appropriate "
                        "screen, or unknown."
                    },
                },
            )
        for op in ops:
            if "add" in op and op["add"] not in issue["fields"]["labels"]:
                issue["fields"]["labels"].append(op["add"])
        return Reply(204)

    def get_desk(self, req: Recorded, desk: str) -> Reply:
        if desk not in self.service_desks:
            return Reply(404, {"errorMessage": "The service desk does not exist."})
        project = self.service_desks[desk]
        return Reply(
            200,
            {
                "id": desk,
                "projectId": self.projects[project],
                "projectName": f"{project} Service Desk",
                "projectKey": project,
                "_links": {"self": f"{self.url}/rest/servicedeskapi/servicedesk/{desk}"},
            },
        )

    def add_comment(self, req: Recorded, key: str) -> Reply:
        issue = self.issues.get(key)
        if issue is None:
            return Reply(404, {"errorMessages": ["Issue does not exist"], "errors": {}})
        issue["fields"]["comments"].append(req.json["body"])
        return Reply(201, {"id": str(len(issue["fields"]["comments"])), "body": req.json["body"]})

    def get_project(self, req: Recorded, key: str) -> Reply:
        if key not in self.projects:
            return Reply(
                404,
                {"errorMessages": [f"No project could be found with key '{key}'."], "errors": {}},
            )
        return Reply(200, {"key": key, "id": self.projects[key]})

    def _view(self, issue: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        f = issue["fields"]
        if "status" in fields:
            out["status"] = {"name": f["status"], "statusCategory": {"key": STATUSES[f["status"]]}}
        if "resolution" in fields:
            out["resolution"] = {"name": f["resolution"]} if f["resolution"] else None
        for name in ("summary", "description", "labels"):
            if name in fields:
                out[name] = f.get(name)
        return {"id": issue["id"], "key": issue["key"], "fields": out}

    def search(self, req: Recorded) -> Reply:
        jql = req.q("jql") or ""
        fields = (req.q("fields") or "").split(",")
        limit = int(req.q("maxResults") or 50)
        try:
            query = compile_jql(jql)
        except JQLError as exc:
            return Reply(400, {"errorMessages": [str(exc)], "errors": {}})
        missing = [k for k in query.keys if k not in self.issues]
        if missing and req.q("validateQuery") != "warn":  # Jira: strict by default
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
        return Reply(
            200,
            {
                "startAt": 0,
                "maxResults": limit,
                "total": len(found),
                "issues": [self._view(i, fields) for i in found[:limit]],
            },
        )
