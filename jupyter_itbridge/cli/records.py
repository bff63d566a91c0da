"""Request records for admins: lookup by id or UUID, table/detail text, JSON and CSV export.

The records are the REST API's JSON shape (``RequestService.to_json``), so what an admin exports
is what users see in JupyterLab. Stored text is already redacted by the service.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any, cast

from ..relay import admin_records as ar

if TYPE_CHECKING:
    from ..jsontypes import RequestJSON, StoredRequest
    from ..server.store import Store

#: CSV columns, in order: IT's export columns less the relay's requesters/duplicate_of (the
#: detail-only fields history/comments stay in JSON exports).
CSV_FIELDS = tuple(f for f in ar.CSV_FIELDS if f not in ("requesters", "duplicate_of"))


class UnknownRequest(LookupError):
    """No request with that id or UUID in the store."""


def find_row(store: Store, key: str) -> StoredRequest:
    """A stored row by ``5``, ``#5`` or its UUID, whoever filed it (admins see every user).

    The same rule as the REST API (``validation.parse_request_key``): ``00000002`` is a UUID.
    """
    from ..server.validation import parse_request_key

    parsed = parse_request_key(key)
    row = None
    if isinstance(parsed, int):
        row = store.get_request_by_id(parsed)
    elif parsed is not None:
        row = store.get_request(parsed)
    if row is None:
        raise UnknownRequest(f"No request {key!s:.64} in the store {store.path}.")
    return row


def _clip(text: Any, width: int) -> str:
    value = "" if text is None else " ".join(str(text).split())
    return value if len(value) <= width else value[: width - 1] + "…"


def table(records: list[RequestJSON]) -> str:
    """A fixed-width table, one request per line, newest first."""
    headers = ("ID", "STATE", "USER", "KIND", "TICKET", "CREATED", "SUMMARY")
    rows = [
        (
            str(r["id"]),
            r["state"],
            _clip(r["user"], 16),
            _clip(r.get("kind") or "-", 16),
            _clip(r.get("ticket_id") or "-", 20),
            (r.get("created_at") or "")[:16].replace("T", " "),
            _clip(r["summary"], 60),
        )
        for r in records
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def detail(record: RequestJSON) -> str:
    """Everything about one request, readable in a terminal."""
    ticket = record["ticket"] or {"id": "", "url": None}
    lines = [
        f"Request #{record['id']}  {record['uuid']}",
        f"  state:      {record['state']} ({record['state_detail']})",
        f"  user:       {record['user']}",
        f"  summary:    {record['summary']}",
        f"  kind:       {record.get('kind') or '-'}   subject: {record.get('subject') or '-'}",
        f"  urgency:    {record['urgency']}",
        f"  backend:    {record['backend']}",
        f"  ticket:     {ticket['id'] or '-'}" + (f"  {ticket['url']}" if ticket["url"] else ""),
        f"  attempts:   {record['attempts']}",
        f"  created:    {record['created_at']}   updated: {record['updated_at']}",
    ]
    if record.get("next_attempt_at"):
        lines.append(f"  next try:   {record['next_attempt_at']}")
    if record.get("last_error"):
        lines.append(f"  last error: {record['last_error']}")
    lines.append("")
    lines.append("History:")
    for event in record.get("history", []):
        note = f"  ({event['note']})" if event.get("note") else ""
        lines.append(f"  {event['at']}  {event['from'] or '-'} -> {event['to']}{note}")
    requesters = cast("list[dict[str, Any]]", record.get("requesters") or [])
    shared = cast("dict[str, Any] | None", record.get("duplicate_of"))
    if shared:
        lines += ["", f"Joined request #{shared['id']} (same problem, its ticket was open)."]
    if requesters:  # records read from the hub relay: who asked for this ticket
        lines += ["", f"Requesters ({len(requesters)}):"]
        for who in requesters:
            note = f": {who['justification']}" if who.get("justification") else ""
            lines.append(f"  {who.get('created_at') or ''}  {who['user']}{note}")
    comments = record.get("comments", [])
    if comments:
        lines.append("")
        lines.append("Comments:")
        for c in comments:
            lines.append(f"  {c['created_at']}  {c['user']} [{c['kind']}, {c['delivery']}]")
            lines.extend(f"    {line}" for line in c["text"].splitlines())
    lines.append("")
    lines.append("Body (as sent to IT):")
    lines.extend(f"  {line}" for line in record["body"].splitlines())
    return "\n".join(lines)


def to_json_text(records: list[RequestJSON]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def to_csv_text(records: list[RequestJSON]) -> str:
    """RFC 4180 CSV (multi-line bodies quoted), one header row, formula-safe cells."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({name: ar.csv_cell(record.get(name)) for name in CSV_FIELDS})
    return out.getvalue()
