"""Request Tracker's conversation: ticket transactions as messages (REST2).

Why transactions: RT keeps every reply as a transaction of the ticket. ``Correspond`` is a
reply the requestor receives (shown to the user); ``Comment`` is internal to IT (stored with
``public=False``, never shown) - unless it carries our comment marker, in which case it is the
user's own reply that the outbox posted as a comment. ``Create`` is the request itself and is
not a message. Read with two paginated calls (RT REST2, "Transactions" and "Attachments" in
https://docs.bestpractical.com/rt/5.0.0/RT/REST2.html): ``GET /ticket/{id}/history`` with
``fields=Type,Creator,Created``, then - only when there is something new -
``GET /ticket/{id}/attachments`` with ``fields=TransactionId,Content,ContentType`` (a mail
reply may have several parts; the ``text/plain`` ones are the message).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import requests

from .base import Message, split_comment_marker
from .http import json_body

PAGE = 100  # RT caps per_page at 100
#: Transaction types that carry a message, and whether IT's ones are public.
MESSAGE_TYPES = {"Correspond": True, "Comment": False}
#: Seconds of overlap when reading "since": RT's times have one-second resolution; the store
#: dedupes on the transaction id, so reading a message twice costs nothing.
SINCE_SLACK = 1.0

Call = Callable[..., requests.Response]


def _time(value: Any) -> float | None:
    """RT's ``2026-12-01T12:31:36Z`` as UNIX seconds (None when unreadable)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _pages(call: Call, path: str, fields: str, action: str) -> list[dict[str, Any]]:
    """Every item of a paginated REST2 collection."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        resp = call(
            "GET",
            path,
            action=action,
            params={"fields": fields, "per_page": PAGE, "page": page},
            ok=(200,),
        )
        data = json_body(resp, action)
        items += [i for i in data.get("items") or [] if isinstance(i, dict)]
        pages = int(float(data.get("pages") or 0))
        if page >= pages or not data.get("items"):
            return items
        page += 1


def _creator(item: dict[str, Any]) -> str:
    creator = item.get("Creator")
    if isinstance(creator, dict):
        return str(creator.get("id") or "")
    return str(creator or "")


def ticket_messages(
    call: Call,
    api: Callable[[str], str],
    ticket_id: str,
    since: float | None,
    display_name: Callable[[str], str],
) -> list[Message]:
    """The ticket's Correspond and Comment transactions created after ``since``, oldest first."""
    history = _pages(
        call, api(f"/ticket/{ticket_id}/history"), "Type,Creator,Created", "read the ticket history"
    )
    wanted: dict[str, dict[str, Any]] = {}
    for item in history:
        kind = str(item.get("Type") or "")
        created = _time(item.get("Created"))
        if kind not in MESSAGE_TYPES or created is None:
            continue
        if since is not None and created < since - SINCE_SLACK:
            continue
        wanted[str(item.get("id"))] = {**item, "_created": created}
    if not wanted:
        return []
    texts: dict[str, list[str]] = {}
    attachments = _pages(
        call,
        api(f"/ticket/{ticket_id}/attachments"),
        "TransactionId,Content,ContentType",
        "read the ticket's messages",
    )
    for att in attachments:
        txn = str(att.get("TransactionId") or "")
        content = att.get("Content")
        plain = str(att.get("ContentType") or "").lower().startswith("text/plain")
        if txn in wanted and plain and isinstance(content, str) and content.strip():
            texts.setdefault(txn, []).append(content)
    out: list[Message] = []
    for txn, item in wanted.items():
        raw = "\n\n".join(texts.get(txn, [])).strip()
        text, ours = split_comment_marker(raw)
        if not text and ours is None:
            continue  # an empty reply (e.g. only an attachment): nothing to read
        kind = str(item["Type"])
        out.append(
            Message(
                id=txn,
                role="user" if ours is not None else "it",
                author=display_name(_creator(item)),
                text=text,
                created_at=float(item["_created"]),
                public=True if ours is not None else MESSAGE_TYPES[kind],
            )
        )
    out.sort(key=lambda m: (m.created_at, int(m.id) if m.id.isdigit() else 0))
    return out


def comment_keys(call: Call, api: Callable[[str], str], ticket_id: str) -> set[str]:
    """The comment-marker keys on the ticket (what the outbox already posted)."""
    keys: set[str] = set()
    for att in _pages(
        call,
        api(f"/ticket/{ticket_id}/attachments"),
        "TransactionId,Content,ContentType",
        "read the ticket's messages",
    ):
        content = att.get("Content")
        if isinstance(content, str):
            _text, key = split_comment_marker(content)
            if key:
                keys.add(key)
    return keys
