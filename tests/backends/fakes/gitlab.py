"""Fake GitLab REST v4 that reproduces the documented behaviour, unpleasant parts included.

Each behaviour cites the page it follows:
- Issues: https://docs.gitlab.com/api/issues/ - create (``labels`` comma-separated), list
  with ``search``/``in``/``labels``/``iids[]``/``state``/``scope``/``per_page``; the
  URL-encoded project path as ``:id``; ``PRIVATE-TOKEN`` auth.
- Limits: https://docs.gitlab.com/development/issuable-like-models/ - a title over 255
  characters or a description over 1,000,000 (``MAX_TEXT_SIZE_LIMIT``) is refused with 400.
- Notes: https://docs.gitlab.com/api/notes/ - list (``sort``, ``order_by``, ``per_page``,
  ``page`` with ``X-Next-Page``), create; ``system`` notes for label and state changes,
  ``internal`` notes only project members see.
- Uploads: https://docs.gitlab.com/api/project_markdown_uploads/ - multipart ``file``,
  answered with ``markdown`` and ``url``.
- Pagination: https://docs.gitlab.com/api/rest/#pagination - ``page``, ``per_page`` (at most
  100), ``X-Page``/``X-Per-Page``/``X-Next-Page`` (empty on the last page) on every list.
- Rate limits (``throttle_next``): https://docs.gitlab.com/administration/settings/
  user_and_ip_rate_limits/ - a throttled request gets 429 with ``RateLimit-Limit``,
  ``-Name``, ``-Observed``, ``-Remaining``, ``-Reset`` (a Unix time, not a delay),
  ``-ResetTime`` and ``Retry-After``; https://docs.gitlab.com/administration/settings/
  rate_limit_on_issues_creation/ - the issue-creation limit answers 429 "This endpoint has
  been requested too many times" with ``RateLimit-*`` but no ``Retry-After`` (gitlab-org/gitlab
  #199738), and on GitLab.com a 429 may carry no rate-limit header at all (#365728).
- Unknown attributes are ignored without an error (Grape): what a backend misspells simply
  vanishes, so the fixture checks every request against openapi/gitlab-rest-from-docs.yaml.
- Answers carry the fields the documented example responses always have (``project_id``,
  ``author``, ``updated_at``, ``noteable_type`` ...), checked against the same description.
"""

from __future__ import annotations

import re
import time
from typing import Any

from .base import FakeAPI, Recorded, Reply

BODY_LIMIT = 1_000_000
TITLE_LIMIT = 255
PER_PAGE_MAX = 100
ME = {"id": 7, "username": "itbridge-bot", "name": "IT bridge"}
AGENT = {"id": 9, "username": "it-agent", "name": "Ivy (IT)"}
TOO_MANY = {
    "message": {"error": "This endpoint has been requested too many times. Try again later."}
}


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def user(username: str) -> dict[str, Any]:
    """A user as GitLab embeds one (``author``, ``assignees``)."""
    known = {u["username"]: u for u in (ME, AGENT)}
    fallback = {"id": 100 + len(username), "username": username, "name": username.title()}
    return dict(known.get(username) or fallback)


def paged(req: Recorded, items: list[Any]) -> Reply:
    """One documented page of ``items`` with the pagination headers."""
    per_page = min(int(req.q("per_page") or 20), PER_PAGE_MAX)
    page = int(req.q("page") or 1)
    more = page * per_page < len(items)
    headers = {"X-Page": str(page), "X-Per-Page": str(per_page)}
    headers["X-Next-Page"] = str(page + 1) if more else ""
    return Reply(200, items[(page - 1) * per_page : page * per_page], headers)


class FakeGitLab(FakeAPI):
    def __init__(self, token: str = "glpat-fake-token", project: str = "it/requests") -> None:
        super().__init__()
        self.token, self.project = token, project
        self.issues: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.uploads: dict[str, bytes] = {}
        self._seq = 0
        # The project id is URL-encoded: match it raw, as GitLab routes it.
        base = r"/api/v4/projects/(?P<pid>[^/]+)"
        self.route("GET", base, self.get_project)
        self.route("POST", base + r"/issues", self.create_issue)
        self.route("GET", base + r"/issues", self.list_issues)
        self.route("POST", base + r"/issues/(?P<iid>\d+)/notes", self.add_note)
        self.route("GET", base + r"/issues/(?P<iid>\d+)/notes", self.list_notes)
        self.route("POST", base + r"/uploads", self.upload)

    def is_create(self, rec: Recorded) -> bool:
        return rec.method == "POST" and rec.path.endswith("/issues")

    def throttle_next(self, kind: str = "user_and_ip", wait: int = 60) -> None:
        """The next call gets a documented 429: ``user_and_ip`` (every header, Retry-After),
        ``issues_creation`` (RateLimit-* but no Retry-After) or ``bare`` (no header)."""
        reset = int(time.time()) + wait
        limits = {
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": "2000",
            "RateLimit-Observed": "2001",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
            "RateLimit-ResetTime": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(reset)),
        }
        if kind == "user_and_ip":
            self.fail_next(429, "Retry later\n", limits | {"Retry-After": str(wait)})
        elif kind == "issues_creation":
            self.fail_next(429, TOO_MANY, limits)
        else:
            self.fail_next(429, TOO_MANY)

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
        title, description = body.get("title") or "", body.get("description") or ""
        if not title:
            return Reply(400, {"message": {"title": ["can't be blank"]}})
        if len(title) > TITLE_LIMIT:
            return Reply(400, {"message": {"title": ["is too long (maximum is 255 characters)"]}})
        if len(description) > BODY_LIMIT:
            return Reply(
                400, {"message": {"description": ["is too long (maximum is 1000000 characters)"]}}
            )
        self._seq += 1
        iid = len(self.issues) + 1
        now = iso(time.time())
        issue = {
            "id": 1000 + iid,
            "iid": iid,
            "project_id": 42,
            "title": title,
            "description": description,
            "state": "opened",
            "labels": [x for x in str(body.get("labels") or "").split(",") if x],
            "assignees": [],
            "author": dict(ME),
            "web_url": f"https://gitlab.example/{self.project}/-/issues/{iid}",
            "created_at": now,
            "updated_at": now,
        }
        self.issues[iid] = issue
        self.created(issue)
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
        return paged(req, found)

    def note(
        self,
        iid: int,
        body: str,
        username: str = "it-agent",
        *,
        system: bool = False,
        internal: bool = False,
    ) -> dict[str, Any]:
        """A note on issue ``iid`` (an IT agent's unless ``username`` says otherwise)."""
        self._seq += 1
        now = iso(time.time())
        item = {
            "id": 500 + self._seq,
            "body": body,
            "author": user(username),
            "created_at": now,
            "updated_at": now,
            "system": system,
            "noteable_type": "Issue",
            "noteable_iid": iid,
            "internal": internal,
            "confidential": internal,
        }
        self.notes.setdefault(iid, []).append(item)
        return item

    def add_note(self, req: Recorded, pid: str, iid: str) -> Reply:
        if denied := self._project_ok(pid):
            return denied
        if int(iid) not in self.issues:
            return Reply(404, {"message": "404 Issue Not Found"})
        if len(req.json["body"]) > BODY_LIMIT:
            return Reply(
                400, {"message": {"note": ["is too long (maximum is 1000000 characters)"]}}
            )
        return Reply(201, self.note(int(iid), req.json["body"], "itbridge-bot"))

    def list_notes(self, req: Recorded, pid: str, iid: str) -> Reply:
        if denied := self._project_ok(pid):
            return denied
        notes = sorted(self.notes.get(int(iid), []), key=lambda n: (n["created_at"], n["id"]))
        if req.q("sort") != "asc":
            notes.reverse()  # GitLab's default order is newest first
        return paged(req, notes)

    def upload(self, req: Recorded, pid: str) -> Reply:
        if denied := self._project_ok(pid):
            return denied
        ctype = req.headers.get("content-type", "")
        match = re.search(r"boundary=(\S+)", ctype)
        if not ctype.startswith("multipart/form-data") or not match:
            return Reply(400, {"error": "file is missing"})
        part = next(
            (p for p in req.body.split(b"--" + match.group(1).encode()) if b'name="file"' in p),
            None,
        )
        if part is None:
            return Reply(400, {"error": "file is missing"})
        head, _, data = part.partition(b"\r\n\r\n")
        name = re.search(rb'filename="([^"]+)"', head)
        filename = name.group(1).decode() if name else "file"
        self._seq += 1
        url = f"/uploads/{self._seq:032x}/{filename}"
        self.uploads[url] = data.removesuffix(b"\r\n")
        return Reply(
            201,
            {
                "alt": filename,
                "url": url,
                "full_path": f"/{self.project}{url}",
                "markdown": f"[{filename}]({url})",
            },
        )
