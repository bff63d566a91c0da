"""Fake ServiceNow instance: Table API and Service Catalog ``order_now`` (documented shapes).

Basic auth or OAuth bearer; records keyed by 32-hex ``sys_id``; encoded queries limited to what
the backend sends (``correlation_id=<v>``, ``sys_idIN<a,b>``); ACL-style 403 for tables the
integration user cannot write.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from .base import FakeAPI, Recorded, Reply

TABLES = {"incident", "sc_request"}


class FakeServiceNow(FakeAPI):
    def __init__(
        self, user: str = "itbridge", password: str = "s3cret-snow", token: str = "snow-oauth-token"
    ) -> None:
        super().__init__()
        self.user, self.password, self.token = user, password, token
        self.records: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
        self.readonly_tables: set[str] = set()
        self.catalog_items = {"0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
        self.counter = 10000
        self.route("GET", r"/api/now/table/(?P<table>\w+)", self.list_records)
        self.route("POST", r"/api/now/table/(?P<table>\w+)", self.create_record)
        self.route("PATCH", r"/api/now/table/(?P<table>\w+)/(?P<sys_id>\w+)", self.patch_record)
        self.route(
            "POST", r"/api/sn_sc/servicecatalog/items/(?P<item>\w+)/order_now", self.order_now
        )

    def authorized(self, req: Recorded) -> Reply | None:
        auth = req.headers.get("authorization", "")
        basic = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if auth in (basic, f"Bearer {self.token}"):
            return None
        return Reply(
            401,
            {
                "error": {
                    "message": "User Not Authenticated",
                    "detail": "Required to provide Auth information",
                },
                "status": "failure",
            },
        )

    def _table(self, table: str) -> dict[str, dict[str, Any]] | Reply:
        if table not in self.records:
            return Reply(
                400,
                {
                    "error": {"message": f"Invalid table {table}", "detail": None},
                    "status": "failure",
                },
            )
        return self.records[table]

    def _new(self, table: str, fields: dict[str, Any]) -> dict[str, Any]:
        self.counter += 1
        prefix = "INC" if table == "incident" else "REQ"
        rec = {
            "sys_id": uuid.uuid4().hex,
            "number": f"{prefix}00{self.counter}",
            "state": "1",
            "correlation_id": "",
            **fields,
        }
        if table == "sc_request":
            rec.setdefault("request_state", "requested")
        self.records[table][rec["sys_id"]] = rec
        return rec

    def list_records(self, req: Recorded, table: str) -> Reply:
        rows = self._table(table)
        if isinstance(rows, Reply):
            return rows
        query = req.q("sysparm_query") or ""
        found = list(rows.values())
        if query.startswith("correlation_id="):
            found = [r for r in found if r.get("correlation_id") == query.split("=", 1)[1]]
        elif query.startswith("sys_idIN"):
            ids = set(query[len("sys_idIN") :].split(","))
            found = [r for r in found if r["sys_id"] in ids]
        elif query:
            return Reply(400, {"error": {"message": f"fake cannot evaluate {query!r}"}})
        fields = (req.q("sysparm_fields") or "").split(",")
        limit = int(req.q("sysparm_limit") or 10000)
        if fields != [""]:
            found = [{k: r.get(k, "") for k in fields} for r in found]
        return Reply(200, {"result": found[:limit]})

    def create_record(self, req: Recorded, table: str) -> Reply:
        rows = self._table(table)
        if isinstance(rows, Reply):
            return rows
        if table in self.readonly_tables:
            return Reply(
                403,
                {
                    "error": {
                        "message": "Operation Failed",
                        "detail": "ACL Exception Insert Failed due to security constraints",
                    },
                    "status": "failure",
                },
            )
        if not req.headers.get("content-type", "").startswith("application/json"):
            return Reply(415, {"error": {"message": "Unsupported media type"}})
        return Reply(201, {"result": self._new(table, req.json)})

    def patch_record(self, req: Recorded, table: str, sys_id: str) -> Reply:
        rows = self._table(table)
        if isinstance(rows, Reply):
            return rows
        rec = rows.get(sys_id)
        if rec is None:
            return Reply(
                404,
                {
                    "error": {
                        "message": "No Record found",
                        "detail": "Record doesn't exist or ACL restricts the record retrieval",
                    },
                    "status": "failure",
                },
            )
        for key, val in req.json.items():
            if key in ("comments", "work_notes"):
                rec.setdefault(f"_{key}", []).append(val)
            else:
                rec[key] = val
        return Reply(200, {"result": rec})

    def order_now(self, req: Recorded, item: str) -> Reply:
        if item not in self.catalog_items:
            return Reply(404, {"error": {"message": "Catalog item not found"}})
        body = req.json or {}
        if str(body.get("sysparm_quantity")) != "1" or not isinstance(body.get("variables"), dict):
            return Reply(400, {"error": {"message": "sysparm_quantity and variables required"}})
        rec = self._new("sc_request", {"_variables": body["variables"]})
        return Reply(
            200,
            {
                "result": {
                    "sys_id": rec["sys_id"],
                    "number": rec["number"],
                    "request_number": rec["number"],
                    "request_id": rec["sys_id"],
                    "table": "sc_request",
                }
            },
        )
