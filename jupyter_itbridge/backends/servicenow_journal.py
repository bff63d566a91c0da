"""ServiceNow journal fields (``comments``, ``work_notes``) in and out.

Why apart: the journal is its own table (``sys_journal_field``) with its own rules: entries are
read back by ``element_id`` before use (a dropped query term must not show another record's
notes), and ``[code]...[/code]`` in a journal entry renders as HTML for agents, so user text
has that tag broken.
"""

from __future__ import annotations

import calendar
import re
import time
from typing import TYPE_CHECKING

from .base import Message, TicketRef
from .http import json_body

if TYPE_CHECKING:  # pragma: no cover
    from .servicenow import ServiceNowBackend

BATCH = 100
JOURNAL_FIELDS = "sys_id,element,element_id,value,sys_created_by,sys_created_on"

_CODE_TAG = re.compile(r"\[(/?)code\]", re.IGNORECASE)


def literal(text: str) -> str:
    """Journal fields render ``[code]...[/code]`` as HTML: break the tag in user text."""
    return _CODE_TAG.sub(lambda m: f"[{m.group(1)}\u200bcode]", text)


def _gmt(epoch: float) -> str:
    """An encoded-query date: the Table API compares in GMT, ``YYYY-MM-DD HH:MM:SS``."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def _epoch(value: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y-%m-%d %H:%M:%S")))
    except (TypeError, ValueError):
        return 0.0


def messages(be: ServiceNowBackend, ref: TicketRef, since: float | None) -> list[Message]:
    """Journal entries of the record: ``comments`` are shown, ``work_notes`` internal."""
    query = f"element_id={ref.id}^elementINcomments,work_notes"
    if since is not None:
        query += f"^sys_created_on>{_gmt(since)}"
    query += "^ORDERBYsys_created_on"
    me = (be.integration_user or be.user).lower()
    out: list[Message] = []
    offset = 0
    while True:
        resp = be.call(
            "GET",
            "/api/now/table/sys_journal_field",
            action="read the record's comments",
            target="table 'sys_journal_field'",
            ok=(200,),
            params={
                "sysparm_query": query,
                "sysparm_fields": JOURNAL_FIELDS,
                "sysparm_limit": str(BATCH),
                "sysparm_offset": str(offset),
            },
        )
        rows = list((json_body(resp, "read comments") or {}).get("result") or [])
        for row in rows:
            created = _epoch(str(row.get("sys_created_on") or ""))
            if row.get("element_id") != ref.id or (since is not None and created <= since):
                continue  # read back: a dropped term must not leak another record's notes
            author = str(row.get("sys_created_by") or "")
            out.append(
                Message(
                    id=str(row["sys_id"]),
                    role="user" if me and author.lower() == me else "it",
                    author=be.lookups.display_name(author),
                    text=str(row.get("value") or ""),
                    created_at=created,
                    public=row.get("element") == "comments",
                )
            )
        if len(rows) < BATCH:
            return out
        offset += BATCH
