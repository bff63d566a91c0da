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
- Rate limits: https://docs.gitlab.com/administration/settings/rate_limit_on_issues_creation/
  - over the limit a 429, which on GitLab.com may carry no rate-limit header at all.
"""

from __future__ import annotations

import re
import time
from typing import Any

from .base import FakeAPI, Recorded, Reply

BODY_LIMIT = 1_000_000
TITLE_LIMIT = 255


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


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
        issue = {
            "id": 1000 + iid,
            "iid": iid,
            "title": title,
            "description": description,
            "state": "opened",
            "labels": [x for x in str(body.get("labels") or "").split(",") if x],
            "assignees": [],
            "web_url": f"https://gitlab.example/{self.project}/-/issues/{iid}",
            "created_at": iso(time.time()),
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
        item = {
            "id": 500 + self._seq,
            "body": body,
            "author": {"username": username},
            "created_at": iso(time.time()),
            "system": system,
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
        per_page, page = int(req.q("per_page") or 20), int(req.q("page") or 1)
        chunk = notes[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(notes)
        return Reply(200, chunk, {"X-Next-Page": str(page + 1) if more else ""})

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
