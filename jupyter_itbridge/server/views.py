"""The REST API's JSON view of stored rows (``Request`` and ``Incident`` in openapi.yaml).

Why apart from the service: this is the stable public shape (the sidebar, the card, the CLI's
exports and the events all read it); it is built from rows alone, and what a backend wants
users to read (``state_detail``, ``admin_hint``) is asked of the backend, never hard-coded
here. Pure: no I/O.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol

from ..contract import NEXT_TRY_FORMAT, OPEN_STATES, RequestState
from ..jsontypes import (
    CommentJSON,
    HistoryJSON,
    IncidentJSON,
    LinkedRequestJSON,
    MessageJSON,
    RequestJSON,
    ResolutionJSON,
    StoredComment,
    StoredEvent,
    StoredIncident,
    StoredMessage,
    StoredRequest,
    TicketJSON,
)
from .store_schema import DELIVERED, PENDING, UNSUPPORTED

STATE_TEXT: dict[RequestState, str] = {
    "queued": "waiting to be sent to IT",
    "sent": "sent to IT",
    "acknowledged": "IT is working on it",
    "resolved": "resolved by IT",
    "rejected": "declined by IT",
    "failed": "not delivered yet - retrying automatically",
    "cancelled": "cancelled",
}
COMMENT_STATES: dict[int, str] = {
    PENDING: "pending",
    DELIVERED: "delivered",
    UNSUPPORTED: "not supported by the ticket system",
}


class BackendWording(Protocol):
    """What a backend (class or instance) says about its requests; see ``Backend``."""

    @property
    def state_detail(self) -> str | None: ...

    @property
    def admin_hint(self) -> str | None: ...

    @property
    def messages_hint(self) -> str | None: ...


def iso(ts: float | None) -> str | None:
    """A stored UNIX time as ISO 8601 UTC, to the second."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def state_detail(row: StoredRequest, wording: BackendWording | None) -> str:
    """The state in words, with the ticket or the next try when there is one.

    A backend whose words depend on the request (``hub``: "Already requested by 3 colleagues")
    provides ``row_state_detail(row) -> str | None``; None falls back to the words below.
    """
    custom = getattr(wording, "row_state_detail", None)
    if callable(custom):
        text: str | None = custom(row)
        if text:
            return text
    state = row["state"]
    text = STATE_TEXT[state]
    if state == "sent":
        if wording is not None and wording.state_detail:
            text = wording.state_detail
        elif row.get("ticket_id"):
            text = f"sent to IT as {row['ticket_id']}"
    if state == "failed" and row.get("next_attempt_at"):
        text += time.strftime(NEXT_TRY_FORMAT, time.gmtime(row["next_attempt_at"]))
    return text


def request_json(
    row: StoredRequest,
    wording: BackendWording | None = None,
    *,
    notices: list[str] | None = None,
    comments: list[StoredComment] | None = None,
    history: list[StoredEvent] | None = None,
    messages: list[StoredMessage] | None = None,
    unread: int = 0,
) -> RequestJSON:
    """A stored request as the API shows it; with ``comments``/``history``, the detail form.

    ``wording`` is the backend the request was filed with (None: unknown, plain wording);
    ``notices`` from this call (truncations) are added to the stored ones.
    """
    state = row["state"]
    ticket: TicketJSON | None = None
    if row.get("ticket_id"):
        ticket = {"id": row["ticket_id"] or "", "url": row.get("ticket_url")}
    all_notices = list(row.get("notices") or [])
    all_notices += [n for n in notices or [] if n not in all_notices]
    record: RequestJSON = {
        "id": row["id"],
        "uuid": row["uuid"],
        "user": row["user"],
        "state": state,
        "state_detail": state_detail(row, wording),
        "admin_hint": wording.admin_hint if wording is not None else None,
        "open": state in OPEN_STATES,
        "kind": row.get("kind"),
        "subject": row.get("subject"),
        "fingerprint": row.get("fingerprint"),
        "urgency": row["urgency"],
        "summary": row["summary"],
        "body": row["body"],
        "draft": row.get("draft") or {},
        "notices": all_notices,
        "backend": row["backend"],
        "ticket": ticket,
        "ticket_id": row.get("ticket_id"),
        "ticket_url": row.get("ticket_url"),
        "attempts": row.get("attempts") or 0,
        "next_attempt_at": iso(row.get("next_attempt_at")) if state == "failed" else None,
        "last_error": row.get("last_error"),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "deduped": False,
        "replayed": False,
        "already_requested": None,
    }
    record["unread"] = unread
    record["messages_hint"] = getattr(wording, "messages_hint", None)
    if comments is not None:
        record["comments"] = [comment_json(c) for c in comments]
    if history is not None:
        record["history"] = [history_json(e) for e in history]
    if messages is not None:
        shown = [m for m in messages if m["public"] and m["role"] == "it"]
        record["messages"] = thread_json(shown, comments or [])
        record["resolution"] = resolution_json(row, history or [], shown)
    return record


def thread_json(from_it: list[StoredMessage], comments: list[StoredComment]) -> list[MessageJSON]:
    """The thread: IT's public messages and the user's own replies, oldest first.

    The user's replies come from the outbox's comments (with their delivery state), not from
    the ticket: read back from the ticket (``role="user"``) they would show twice.
    """
    entries: list[tuple[float, MessageJSON]] = []
    for msg in from_it:
        entry: MessageJSON = {
            "id": f"m{msg['id']}",
            "role": "it",
            "author": msg["author"],
            "text": msg["text"],
            "created_at": iso(msg["created_at"]),
            "seen": msg.get("seen_at") is not None,
            "delivery": None,
        }
        entries.append((msg["created_at"], entry))
    for comment in comments:
        if comment["kind"] != "comment":
            continue  # +1s and system notes are for IT, not the user's thread
        entries.append(
            (
                comment["created_at"],
                {
                    "id": f"c{comment['id']}",
                    "role": "user",
                    "author": comment["user"],
                    "text": comment["text"],
                    "created_at": iso(comment["created_at"]),
                    "seen": True,
                    "delivery": COMMENT_STATES.get(comment["delivered"], "pending"),
                },
            )
        )
    entries.sort(key=lambda pair: pair[0])
    return [entry for _, entry in entries]


def resolution_json(
    row: StoredRequest, history: list[StoredEvent], shown: list[StoredMessage]
) -> ResolutionJSON | None:
    """For a resolved request: when (the last move to resolved) and IT's last message."""
    if row["state"] != "resolved":
        return None
    moves = [e["at"] for e in history if e["to_state"] == "resolved"]
    from_it = [m for m in shown if m["role"] == "it"]
    return {
        "at": iso(moves[-1] if moves else row["updated_at"]),
        "message": from_it[-1]["text"] if from_it else None,
    }


def comment_json(comment: StoredComment) -> CommentJSON:
    return {
        "id": comment["id"],
        "kind": comment["kind"],
        "user": comment["user"],
        "text": comment["text"],
        "delivery": COMMENT_STATES.get(comment["delivered"], "pending"),
        "created_at": iso(comment["created_at"]),
    }


def history_json(event: StoredEvent) -> HistoryJSON:
    return {
        "at": iso(event["at"]),
        "from": event["from_state"],
        "to": event["to_state"],
        "note": event["note"],
    }


def incident_json(row: StoredIncident, linked: StoredRequest | None) -> IncidentJSON:
    """An incident as the API shows it; ``linked`` is the request filed for it, if any."""
    request: LinkedRequestJSON | None = None
    if linked is not None:
        request = {"id": linked["id"], "uuid": linked["uuid"], "state": linked["state"]}
    return {
        "id": row["id"],
        "kind": row["kind"],
        "kernel_id": row["kernel_id"],
        "notebook_path": row["notebook_path"],
        "details": row["details"],
        "created_at": iso(row["created_at"]),
        "request_uuid": row["request_uuid"],
        "request_id": linked["id"] if linked is not None else None,
        "request": request,
    }
