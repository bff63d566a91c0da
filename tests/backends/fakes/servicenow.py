"""Fake ServiceNow instance: Table API, Attachment API, Service Catalog API and OAuth.

Follows the documented behaviour, unpleasant parts included:
- Table API (https://developer.servicenow.com/dev.do#!/reference/api/latest/rest/c_TableAPI):
  encoded queries (see :mod:`snow_query`): **a term on a field the table lacks is dropped** and
  all other rows come back; fields a table lacks are **silently ignored on insert**; strings
  longer than the dictionary's ``max_length`` (4,000 for ``description``) are truncated;
  reference fields come back as ``{"link", "value"}`` unless
  ``sysparm_exclude_reference_link=true``; journal fields (``comments``, ``work_notes``)
  become ``sys_journal_field`` rows written by the authenticated user.
- Service Catalog API ``order_now``
  (https://developer.servicenow.com/dev.do#!/reference/api/latest/rest/c_ServiceCatalogAPI):
  with **two-step checkout** the answer is only ``{"cart_id"}`` and nothing is ordered until
  ``POST cart/submit_order`` (ServiceNow Community, "Buy Item (order_now) POST API only returns
  cart_id": https://www.servicenow.com/community/itsm-forum/
  buy-item-order-now-post-api-only-returns-cart-id-instead-of/m-p/3441243); variables land in
  ``sc_item_option`` rows linked by ``sc_item_option_mtom`` to the ``sc_req_item``.
- A Table API insert the client gave up on still lands: the instance does not cancel a
  transaction when the client's connection closes (it logs HTTP 499) and finishes its business
  rules, up to the transaction quota's cancellation (ServiceNow KB3047080, "Inbound Web
  Services - Timeouts and Slow Responses", sections 5.2 and 5.5:
  https://support.servicenow.com/kb?id=kb_article_view&sysparm_article=KB3047080; a field
  report of records "correctly and completely processed" after the client timed out:
  https://www.esmalliance.com/2019/05/10/investigating-the-root-cause-of-a-scripted-rest-api-
  servicenow-integration-timeout-issue/). ``commit_delays`` reproduces it, ``reply_delays`` an
  answer lost after the commit (see :mod:`base`).
- OAuth client credentials (``POST /oauth_token.do``, form-encoded, Washington DC and later:
  https://www.servicenow.com/docs/r/yokohama/platform-security/authentication/
  r_OAuthAPIRequestParameters.html): bearer tokens that expire after ``expires_in`` seconds.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

from .base import FakeAPI, Recorded, Reply
from .snow_query import compile_query

TASK_FIELDS = {
    "sys_id",
    "number",
    "short_description",
    "description",
    "correlation_id",
    "correlation_display",
    "urgency",
    "impact",
    "assignment_group",
    "category",
    "state",
    "sys_created_on",
    "sys_created_by",
    "comments",
    "work_notes",
    "opened_by",
}
SCHEMA: dict[str, set[str]] = {
    "incident": TASK_FIELDS | {"caller_id"},
    "sc_request": TASK_FIELDS | {"request_state", "requested_for"},
    "sc_req_item": TASK_FIELDS | {"request", "cat_item", "requested_for"},
    "sc_task": TASK_FIELDS | {"request_item"},
    # A custom table that does not extend task: no correlation_id.
    "u_it_request": {
        "sys_id",
        "number",
        "short_description",
        "description",
        "state",
        "sys_created_on",
        "u_caller",
    },
    "sys_user": {"sys_id", "user_name", "email", "name"},
    "sys_user_group": {"sys_id", "name"},
    "sys_journal_field": {
        "sys_id",
        "element",
        "element_id",
        "name",
        "value",
        "sys_created_by",
        "sys_created_on",
    },
    "sc_item_option": {"sys_id", "value", "item_option_new"},
    "sc_item_option_mtom": {"sys_id", "request_item", "sc_item_option"},
}
#: field -> table it references (dot-walking and the {"link", "value"} shape).
REFERENCES = {
    "caller_id": "sys_user",
    "requested_for": "sys_user",
    "opened_by": "sys_user",
    "assignment_group": "sys_user_group",
    "request": "sc_request",
    "request_item": "sc_req_item",
    "sc_item_option": "sc_item_option",
}
TABLE_INSERT = re.compile(r"^/api/now/table/\w+$")
MAX_LENGTH = {"description": 4000, "short_description": 160}
JOURNAL = ("comments", "work_notes")
ERR_AUTH = {
    "error": {
        "message": "User Not Authenticated",
        "detail": "Required to provide Auth information",
    },
    "status": "failure",
}


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


class FakeServiceNow(FakeAPI):
    def __init__(
        self, user: str = "itbridge", password: str = "s3cret-snow", token: str = "snow-oauth-token"
    ) -> None:
        super().__init__()
        self.user, self.password, self.token = user, password, token
        self.client_id, self.client_secret = "itbridge-client", "snow-client-s3cret"
        self.token_lifetime = 1800
        self.issued: dict[str, float] = {}  # access token -> expiry
        self.tables: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in SCHEMA}
        self.records = self.tables  # the name older tests use
        self.readonly_tables: set[str] = set()
        #: Tables the integration user may not read (a read ACL): 403 on GET.
        self.unreadable_tables: set[str] = set()
        #: glide.invalid_query.returns_no_rows (default false: invalid terms are dropped).
        self.invalid_query_returns_no_rows = False
        self.two_step_checkout = False
        self.catalog_items = {"0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
        self.cart: list[dict[str, Any]] = []
        self.attachments: list[dict[str, Any]] = []
        self.counter = 10000
        #: PATCHes these tables refuse with an ACL 403 (e.g. correlation_id not writable).
        self.patch_refused_tables: set[str] = set()
        #: The next ``cart/submit_order`` fails with a 500 after nothing was ordered.
        self.refuse_submit_once = False
        self.insert(
            "sys_user",
            {"user_name": "alice", "email": "alice@corp.example", "name": "Alice Liddell"},
        )
        self.insert(
            "sys_user",
            {"user_name": "alice2", "email": "alice@other.example", "name": "Alice Other"},
        )
        self.insert("sys_user_group", {"name": "Data Platform"})
        self.route("GET", r"/api/now/table/(?P<table>\w+)", self.list_records)
        self.route("POST", r"/api/now/table/(?P<table>\w+)", self.create_record)
        self.route("PATCH", r"/api/now/table/(?P<table>\w+)/(?P<sys_id>\w+)", self.patch_record)
        self.route("POST", r"/api/now/attachment/file", self.attach)
        self.route(
            "POST", r"/api/sn_sc/servicecatalog/items/(?P<item>\w+)/order_now", self.order_now
        )
        self.route("GET", r"/api/sn_sc/servicecatalog/cart", self.get_cart)
        self.route("POST", r"/api/sn_sc/servicecatalog/cart/submit_order", self.submit_order)
        self.route("POST", r"/oauth_token\.do", self.oauth_token)

    def is_create(self, rec: Recorded) -> bool:
        return rec.method == "POST" and TABLE_INSERT.match(rec.path) is not None

    # -- auth ----------------------------------------------------------------------------------
    def authorized(self, req: Recorded) -> Reply | None:
        if req.path == "/oauth_token.do":
            return None
        auth = req.headers.get("authorization", "")
        basic = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if auth in (basic, f"Bearer {self.token}"):
            return None
        if auth.startswith("Bearer ") and self.issued.get(auth[7:], 0) > time.time():
            return None
        return Reply(401, ERR_AUTH)

    def oauth_token(self, req: Recorded) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return Reply(401, {"error": "access_denied", "error_description": "access_denied"})
        token = uuid.uuid4().hex
        self.issued[token] = time.time() + self.token_lifetime
        return Reply(
            200,
            {
                "access_token": token,
                "scope": "useraccount",
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
            },
        )

    def expire_tokens(self) -> None:
        self.issued = dict.fromkeys(self.issued, 0.0)

    # -- records -------------------------------------------------------------------------------
    def _resolve(self, row: dict[str, Any], path: str) -> Any:
        head, _, rest = path.partition(".")
        value = row.get(head)
        if not rest:
            return value
        target = self.tables.get(REFERENCES.get(head, ""), {}).get(str(value or ""))
        return self._resolve(target, rest) if target else None

    def _has_field(self, table: str, path: str) -> bool:
        head, _, rest = path.partition(".")
        if head not in SCHEMA[table]:
            return False
        return not rest or (head in REFERENCES and self._has_field(REFERENCES[head], rest))

    def _out(self, row: dict[str, Any], field: str, exclude_links: bool) -> Any:
        value = self._resolve(row, field)
        value = "" if value is None else value
        ref = REFERENCES.get(field.rpartition(".")[2])
        if ref and value and not exclude_links:
            return {"link": f"{self.url}/api/now/table/{ref}/{value}", "value": value}
        return value

    def insert(self, table: str, fields: dict[str, Any], by: str | None = None) -> dict[str, Any]:
        """A row as the platform stores it (IT's side of tests uses this too)."""
        self.counter += 1
        prefix = {"incident": "INC", "sc_request": "REQ", "sc_req_item": "RITM"}.get(table, "TSK")
        rec: dict[str, Any] = {
            "sys_id": uuid.uuid4().hex,
            "number": f"{prefix}00{self.counter}",
            "sys_created_on": _now(),
            "sys_created_by": by or self.user,
        }
        if "state" in SCHEMA[table]:
            rec["state"] = "1"
        if table == "sc_request":
            rec["request_state"] = "requested"
        journal = {k: fields.pop(k) for k in JOURNAL if k in fields}
        for key, val in fields.items():
            if key in SCHEMA[table] and not key.startswith("sys_"):  # unknown: silently ignored
                rec[key] = str(val)[: MAX_LENGTH.get(key, 10**9)]
        self.tables[table][rec["sys_id"]] = rec
        for element, text in journal.items():
            self.journal(table, rec["sys_id"], element, str(text), by or self.user)
        return rec

    def journal(self, table: str, sys_id: str, element: str, text: str, by: str) -> None:
        """A comment or work note on a record, the way an agent's form save writes it."""
        self.insert(
            "sys_journal_field",
            {"element": element, "element_id": sys_id, "name": table, "value": text},
            by=by,
        )

    def list_records(self, req: Recorded, table: str) -> Reply:
        if table not in SCHEMA:
            return Reply(400, {"error": {"message": f"Invalid table {table}", "detail": None}})
        if table in self.unreadable_tables:
            return Reply(
                403,
                {
                    "error": {
                        "message": "Operation Failed",
                        "detail": "ACL Exception Read Failed due to security constraints",
                    }
                },
            )
        query = compile_query(req.q("sysparm_query") or "", lambda f: self._has_field(table, f))
        found = query.run(
            list(self.tables[table].values()), self._resolve, self.invalid_query_returns_no_rows
        )
        offset = int(req.q("sysparm_offset") or 0)
        limit = int(req.q("sysparm_limit") or 10000)
        exclude = req.q("sysparm_exclude_reference_link") == "true"
        names = [f for f in (req.q("sysparm_fields") or "").split(",") if f]
        rows = []
        for row in found[offset : offset + limit]:
            fields = [f for f in names if self._has_field(table, f)] or sorted(row)
            rows.append({f: self._out(row, f, exclude) for f in fields})
        return Reply(200, {"result": rows}, {"X-Total-Count": str(len(found))})

    def create_record(self, req: Recorded, table: str) -> Reply:
        if table not in SCHEMA:
            return Reply(400, {"error": {"message": f"Invalid table {table}", "detail": None}})
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
        rec = self.insert(table, dict(req.json))
        self.created(rec)
        return Reply(201, {"result": {k: self._out(rec, k, False) for k in rec}})

    def patch_record(self, req: Recorded, table: str, sys_id: str) -> Reply:
        rec = self.tables.get(table, {}).get(sys_id)
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
        if table in self.patch_refused_tables:
            return Reply(
                403,
                {
                    "error": {
                        "message": "Operation Failed",
                        "detail": "ACL Exception Update Failed due to security constraints",
                    },
                    "status": "failure",
                },
            )
        for key, val in (req.json or {}).items():
            if key in JOURNAL:
                self.journal(table, sys_id, key, str(val), self.user)
            elif key in SCHEMA[table]:
                rec[key] = str(val)[: MAX_LENGTH.get(key, 10**9)]
        return Reply(200, {"result": {k: self._out(rec, k, False) for k in rec}})

    def comments_of(self, sys_id: str, element: str = "comments") -> list[str]:
        rows = self.tables["sys_journal_field"].values()
        return [r["value"] for r in rows if r["element_id"] == sys_id and r["element"] == element]

    def attach(self, req: Recorded) -> Reply:
        table, sys_id = req.q("table_name"), req.q("table_sys_id")
        if not (table and sys_id and req.q("file_name")):
            return Reply(400, {"error": {"message": "table_name, table_sys_id, file_name needed"}})
        if sys_id not in self.tables.get(table, {}):
            return Reply(400, {"error": {"message": "Invalid table_sys_id"}})
        att = {
            "sys_id": uuid.uuid4().hex,
            "file_name": req.q("file_name"),
            "table_name": table,
            "table_sys_id": sys_id,
            "content_type": req.headers.get("content-type"),
            "data": req.body,
        }
        self.attachments.append(att)
        return Reply(201, {"result": {k: v for k, v in att.items() if k != "data"}})

    # -- service catalog -----------------------------------------------------------------------
    def order_now(self, req: Recorded, item: str) -> Reply:
        if item not in self.catalog_items:
            return Reply(404, {"error": {"message": "Catalog item not found"}})
        body = req.json or {}
        if str(body.get("sysparm_quantity")) != "1" or not isinstance(body.get("variables"), dict):
            return Reply(400, {"error": {"message": "sysparm_quantity and variables required"}})
        self.cart.append({"cart_item_id": uuid.uuid4().hex, "item": item, **body})
        if self.two_step_checkout:  # order_now behaves like "add to cart"
            return Reply(200, {"result": {"cart_id": "c" * 32}})
        return Reply(200, {"result": self._checkout()})

    def get_cart(self, req: Recorded) -> Reply:
        items = [
            {"cart_item_id": c["cart_item_id"], "catalog_item_id": c["item"]} for c in self.cart
        ]
        return Reply(200, {"result": {"cart_id": "c" * 32, "items": items}})

    def submit_order(self, req: Recorded) -> Reply:
        if not self.cart:
            return Reply(400, {"error": {"message": "Cart is empty!"}})
        if self.refuse_submit_once:
            self.refuse_submit_once = False
            return Reply(
                500,
                {"error": {"message": "Transaction cancelled: maximum execution time exceeded"}},
            )
        return Reply(200, {"result": self._checkout()})

    def _checkout(self) -> dict[str, Any]:
        request = self.insert("sc_request", {})
        for line in self.cart:
            who = str(line.get("sysparm_requested_for") or "")
            request["requested_for"] = who
            ritm = self.insert(
                "sc_req_item",
                {"request": request["sys_id"], "cat_item": line["item"], "requested_for": who},
            )
            for name, value in line["variables"].items():
                opt = self.insert("sc_item_option", {"value": value, "item_option_new": name})
                self.insert(
                    "sc_item_option_mtom",
                    {"request_item": ritm["sys_id"], "sc_item_option": opt["sys_id"]},
                )
        self.cart = []
        return {
            "sys_id": request["sys_id"],
            "number": request["number"],
            "request_number": request["number"],
            "request_id": request["sys_id"],
            "table": "sc_request",
        }

    def sys_id_of(self, table: str, **match: str) -> str:
        (row,) = [
            r for r in self.tables[table].values() if all(r.get(k) == v for k, v in match.items())
        ]
        return str(row["sys_id"])
