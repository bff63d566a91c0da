"""Fake Jira (Cloud or Data Center) with Jira Service Management, as documented.

- ``deployment="Cloud"`` answers ``GET /rest/api/{2,3}/search`` with **410 Gone** and the
  migration notice (Atlassian changelog CHANGE-2046:
  https://developer.atlassian.com/changelog/#CHANGE-2046); the replacement
  ``GET /rest/api/3/search/jql`` pages with ``nextPageToken`` (no ``startAt``, no ``total``, no
  ``validateQuery``) and is **eventually consistent**: an issue is invisible to it for
  ``search_lag`` seconds after creation (https://developer.atlassian.com/cloud/jira/platform/
  rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get). ``POST
  /rest/api/3/issue/bulkfetch`` reads up to 100 issues by key, consistently, and leaves out
  the ones that do not exist. API v3 takes and returns descriptions and comments as Atlassian
  Document Format (a plain string is refused with 400).
- Scoped API tokens work only through the gateway ``https://api.atlassian.com/ex/jira/
  {cloudId}`` (https://support.atlassian.com/atlassian-account/docs/
  manage-api-tokens-for-your-atlassian-account); the site's ``/_edge/tenant_info`` gives the
  cloudId. Here the gateway is the same server under ``/ex/jira/<cloud_id>``.
- ``deployment="Server"`` (Data Center): REST v2 only, ``GET /rest/api/2/search`` strict about
  unknown keys unless ``validateQuery=warn``; no v3, no search/jql.
- Text fields are limited to 32,767 characters (``jira.text.field.character.limit``).
- JSM: ``POST /rest/servicedeskapi/request`` (no labels), ``GET/POST
  /rest/servicedeskapi/request/{key}/comment`` with ``public`` true/false
  (https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/).
- Attachments need ``X-Atlassian-Token: no-check`` (else 403 XSRF check failed).
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any

from .base import FakeAPI, Recorded, Reply
from .jira_views import JiraViews

TEXT_LIMIT = 32767
ISSUE = r"(?P<key>[A-Z]+-\d+)"
CREATE = re.compile(r"^(/ex/jira/[\w-]+)?/rest/(api/[23]/issue|servicedeskapi/request)$")


class FakeJira(JiraViews, FakeAPI):
    def __init__(
        self,
        email: str = "bot@corp.example",
        api_token: str = "jira-api-token",
        pat: str = "jira-pat",
        deployment: str = "Server",
    ) -> None:
        super().__init__()
        self.email, self.api_token, self.pat = email, api_token, pat
        self.deployment = deployment
        self.cloud_id = "3f2a1b4c-0000-4000-8000-00000000c10d"
        self.scoped_token = "jira-scoped-token"
        self.search_lag = 0.0  # seconds an issue stays invisible to search/jql (Cloud)
        self.me = {
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
            "name": "itbridge-bot",
            "key": "JIRAUSER10100",
            "displayName": "IT Bot",
        }
        self.projects = {"IT": "10000"}
        self.service_desks = {"7": "IT"}
        self.request_types = {"7": {"42"}}
        self.issues: dict[str, dict[str, Any]] = {}
        self.comment_log: dict[str, list[dict[str, Any]]] = {}
        self.attachments: list[dict[str, Any]] = []
        self.counter = 0
        #: Refuse label edits the way Jira does when ``labels`` is not on the edit screen.
        self.refuse_label_edits = False
        self._via_gateway = False
        for v in ("2", "3"):
            self.route("POST", rf"/rest/api/{v}/issue", self.create_issue)
            self.route("PUT", rf"/rest/api/{v}/issue/{ISSUE}", self.edit_issue)
            self.route("POST", rf"/rest/api/{v}/issue/{ISSUE}/comment", self.add_comment)
            self.route("GET", rf"/rest/api/{v}/issue/{ISSUE}/comment", self.list_comments)
            self.route("POST", rf"/rest/api/{v}/issue/{ISSUE}/attachments", self.attach)
            self.route("GET", rf"/rest/api/{v}/search", self.search_v2)
            self.route("GET", rf"/rest/api/{v}/myself", lambda r: Reply(200, dict(self.me)))
            self.route("GET", rf"/rest/api/{v}/project/(?P<key>\w+)", self.get_project)
            self.route("GET", rf"/rest/api/{v}/serverInfo", self.server_info)
        self.users = [
            {
                "accountId": "712020:alice",
                "emailAddress": "alice@corp.example",
                "displayName": "Alice Liddell",
            }
        ]
        self.route("GET", r"/rest/api/3/user/search", self.user_search)
        self.route("GET", r"/rest/api/3/search/jql", self.search_jql)
        self.route("POST", r"/rest/api/3/issue/bulkfetch", self.bulkfetch)
        self.route("GET", r"/_edge/tenant_info", lambda r: Reply(200, {"cloudId": self.cloud_id}))
        self.route("POST", r"/rest/servicedeskapi/request", self.create_request)
        self.route("GET", r"/rest/servicedeskapi/servicedesk/(?P<desk>\w+)", self.get_desk)
        self.route("GET", rf"/rest/servicedeskapi/request/{ISSUE}/comment", self.jsm_comments)
        self.route("POST", rf"/rest/servicedeskapi/request/{ISSUE}/comment", self.jsm_comment)

    def is_create(self, rec: Recorded) -> bool:
        return rec.method == "POST" and CREATE.match(rec.path) is not None

    @property
    def cloud(self) -> bool:
        return self.deployment == "Cloud"

    # -- transport: the scoped-token gateway and the v3-on-Data-Center 404 -----------------
    def dispatch(self, rec: Recorded) -> Reply:
        prefix = f"/ex/jira/{self.cloud_id}"
        self._via_gateway = rec.path.startswith(prefix + "/")
        if self._via_gateway:
            rec.path = rec.path[len(prefix) :]
        if not self.cloud and (rec.path.startswith("/rest/api/3/") or self._via_gateway):
            with self.lock:
                self.requests.append(rec)
            return Reply(404, {"errorMessages": ["null for uri: " + rec.path]})
        return super().dispatch(rec)

    def authorized(self, req: Recorded) -> Reply | None:
        if req.path == "/_edge/tenant_info":
            return None
        auth = req.headers.get("authorization", "")

        def basic(secret: str) -> str:
            return "Basic " + base64.b64encode(f"{self.email}:{secret}".encode()).decode()

        if self._via_gateway and auth == basic(self.scoped_token):
            return None
        if not self._via_gateway and auth in (basic(self.api_token), f"Bearer {self.pat}"):
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

    def user_search(self, req: Recorded) -> Reply:
        q = (req.q("query") or "").lower()
        return Reply(200, [u for u in self.users if q and q in u["emailAddress"].lower()])

    def server_info(self, req: Recorded) -> Reply:
        return Reply(
            200,
            {
                "baseUrl": self.url,
                "version": "10.3.0" if not self.cloud else "1001.0.0-SNAPSHOT",
                "deploymentType": self.deployment,
            },
        )

    # -- issues --------------------------------------------------------------------------------
    def _new(self, project: str, fields: dict[str, Any]) -> dict[str, Any]:
        self.counter += 1
        key = f"{project}-{self.counter}"
        issue = {
            "id": str(10000 + self.counter),
            "key": key,
            "created": time.time(),
            "fields": {
                "status": "To Do",
                "resolution": None,
                "labels": [],
                "comments": [],
                **fields,
            },
        }
        self.issues[key] = issue
        self.comment_log[key] = []
        return issue

    def set_status(self, key: str, status: str, resolution: str | None = None) -> None:
        self.issues[key]["fields"]["status"] = status
        self.issues[key]["fields"]["resolution"] = resolution

    def _text_errors(self, req: Recorded, values: dict[str, Any], names: tuple[str, ...]) -> dict:
        errors: dict[str, str] = {}
        v3 = req.path.startswith("/rest/api/3/")
        for name in names:
            value = values.get(name)
            if value is None:
                continue
            if v3 and not (isinstance(value, dict) and value.get("type") == "doc"):
                errors[name] = "Operation value must be an Atlassian Document (see the Atlassian "
                errors[name] += "Document Format)"
            elif not v3 and not isinstance(value, str):
                errors[name] = "Operation value must be a string"
            elif len(self.plain(value)) > TEXT_LIMIT:
                errors[name] = (
                    "The entered text is too long. It exceeds the allowed limit of "
                    "32,767 characters."
                )
        return errors

    def create_issue(self, req: Recorded) -> Reply:
        fields = (req.json or {}).get("fields") or {}
        errors = self._text_errors(req, fields, ("description",))
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
        self.created(issue)
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
        if len(str(values.get("description") or "")) > TEXT_LIMIT:
            return Reply(
                400,
                {
                    "errorMessage": "The entered text is too long. It exceeds the "
                    "allowed limit of 32,767 characters."
                },
            )
        issue = self._new(self.service_desks[desk], values)
        issue["fields"]["reporter"] = body.get("raiseOnBehalfOf") or self.me["name"]
        self.created(issue)
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

    def _missing(self, key: str) -> Reply | None:
        if key in self.issues:
            return None
        return Reply(
            404,
            {
                "errorMessages": ["Issue does not exist or you do not have permission to see it."],
                "errors": {},
            },
        )

    def edit_issue(self, req: Recorded, key: str) -> Reply:
        missing = self._missing(key)
        if missing:
            return missing
        ops = ((req.json or {}).get("update") or {}).get("labels", [])
        if ops and self.refuse_label_edits:
            return Reply(
                400,
                {
                    "errorMessages": [],
                    "errors": {
                        "labels": "Field 'labels' cannot "
                        "be set. It is not on the appropriate screen, or unknown."
                    },
                },
            )
        for op in ops:
            if "add" in op and op["add"] not in self.issues[key]["fields"]["labels"]:
                self.issues[key]["fields"]["labels"].append(op["add"])
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
            },
        )

    def get_project(self, req: Recorded, key: str) -> Reply:
        if key not in self.projects:
            return Reply(
                404,
                {"errorMessages": [f"No project could be found with key '{key}'."], "errors": {}},
            )
        return Reply(200, {"key": key, "id": self.projects[key]})

    def attach(self, req: Recorded, key: str) -> Reply:
        missing = self._missing(key)
        if missing:
            return missing
        if req.headers.get("x-atlassian-token") != "no-check":
            return Reply(403, "XSRF check failed")
        if not req.headers.get("content-type", "").startswith("multipart/form-data"):
            return Reply(415, {"errorMessages": ["Unsupported Media Type"]})
        self.attachments.append({"key": key, "body": req.body})
        return Reply(200, [{"id": str(len(self.attachments)), "filename": "attachment"}])

    # -- comments ------------------------------------------------------------------------------
    def comment_as(
        self, key: str, body: Any, *, public: bool = True, author: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A comment as an agent (or we) wrote it; ``public=False`` is a JSM internal note."""
        log = self.comment_log[key]
        entry = {
            "id": str(20000 + sum(len(c) for c in self.comment_log.values())),
            "body": body,
            "public": public,
            "author": author or dict(self.me),
            "created": time.time(),
        }
        log.append(entry)
        self.issues[key]["fields"]["comments"].append(body)
        return entry

    def add_comment(self, req: Recorded, key: str) -> Reply:
        missing = self._missing(key)
        if missing:
            return missing
        errors = self._text_errors(req, req.json or {}, ("body",))
        if errors:
            return Reply(400, {"errorMessages": [], "errors": errors})
        entry = self.comment_as(key, req.json["body"])
        return Reply(201, self.comment_view(entry, req.path.startswith("/rest/api/3/")))

    def jsm_comment(self, req: Recorded, key: str) -> Reply:
        missing = self._missing(key)
        if missing:
            return missing
        body = req.json or {}
        entry = self.comment_as(key, str(body.get("body")), public=bool(body.get("public", True)))
        return Reply(201, self.jsm_comment_view(entry))
