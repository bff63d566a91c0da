"""Typed shapes of the JSON that crosses a boundary: stored rows and the REST API's records.

Why here, beside :mod:`jupyter_itbridge.contract`: the store, the service, the REST view, the
events, the CLI and the outbox all hand these dicts around; naming their keys once lets mypy
catch a misspelt or missing field. ``openapi.yaml`` (``Request``, ``Incident``) is the
public form of the ``*JSON`` shapes. Values that really are free-form (a draft, an incident's
details, a finding) stay ``dict[str, Any]``. Pure: imports nothing from Jupyter.
"""

from __future__ import annotations

from typing import Any, TypedDict

from .contract import RequestState, Urgency

# -- rows of the store (``server/store.py``), JSON columns decoded --------------------------------


class _RequestCore(TypedDict):
    """The fields a stored request and its REST record share, with the same types."""

    uuid: str
    id: int
    user: str
    state: RequestState
    kind: str | None
    subject: str | None
    fingerprint: str | None
    urgency: Urgency
    summary: str
    body: str
    draft: dict[str, Any]
    notices: list[str]
    backend: str
    ticket_id: str | None
    ticket_url: str | None
    attempts: int
    last_error: str | None


class StoredRequest(_RequestCore):
    """One row of ``requests``: the request as filed, plus its delivery state (UNIX times).

    ``meta``: free-form JSON for whoever forwards or relays the request (None if unset);
    ``lease_owner`` / ``lease_expires_at``: the outbox delivering it right now, if any.
    """

    next_attempt_at: float | None
    created_at: float
    updated_at: float
    meta: dict[str, Any] | None
    lease_owner: str | None
    lease_expires_at: float | None


class StoredComment(TypedDict):
    """One row of ``comments`` (``delivered``: 0 pending, 1 delivered, 2 unsupported)."""

    id: int
    request_uuid: str
    user: str
    kind: str
    text: str
    delivered: int
    attempts: int
    next_attempt_at: float | None
    last_error: str | None
    created_at: float


class DueComment(StoredComment):
    """A pending comment with the ticket it goes to (``Store.due_comments``)."""

    ticket_id: str
    ticket_url: str | None


class StoredEvent(TypedDict):
    """One state change of a request (``request_events``)."""

    at: float
    from_state: RequestState | None
    to_state: RequestState
    note: str | None


class StoredRequester(TypedDict):
    """One row of ``requesters``: a user who asked for this request too (the relay's dedupe)."""

    request_uuid: str
    user: str
    justification: str | None
    created_at: float


class StoredMessage(TypedDict):
    """One row of ``messages``: IT's reply (``role`` ``it``) or the user's, from the ticket."""

    id: int
    request_uuid: str
    backend_id: str
    role: str
    author: str | None
    text: str
    created_at: float
    public: bool
    seen_at: float | None


class SubjectSummary(TypedDict):
    """One line of IT's "top subjects": who is waiting for what, since when (seconds)."""

    subject: str
    kind: str | None
    users: int
    requests: int
    oldest_open_at: float
    oldest_open_age: float


class StoredIncident(TypedDict):
    """One row of ``incidents``: a kernel death or a memory-pressure crossing."""

    id: int
    user: str
    kind: str
    kernel_id: str | None
    notebook_path: str | None
    details: dict[str, Any]
    created_at: float
    request_uuid: str | None


# -- the REST API (``Request`` / ``Incident`` in openapi.yaml) -------------------------------------


class TicketJSON(TypedDict):
    id: str
    url: str | None


class AlreadyRequestedJSON(TypedDict):
    id: int
    created_at: str | None
    message: str


class CommentJSON(TypedDict):
    id: int
    kind: str
    user: str
    text: str
    delivery: str
    created_at: str | None


#: One state change as the REST API shows it ("from" is a keyword: functional syntax).
HistoryJSON = TypedDict(
    "HistoryJSON",
    {"at": str | None, "from": RequestState | None, "to": RequestState, "note": str | None},
)


class _RequestJSON(_RequestCore):
    state_detail: str
    admin_hint: str | None
    open: bool
    ticket: TicketJSON | None
    next_attempt_at: str | None  # ISO 8601, like every time below
    created_at: str | None
    updated_at: str | None
    deduped: bool
    replayed: bool
    already_requested: AlreadyRequestedJSON | None


class MessageJSON(TypedDict):
    """One entry of a request's thread: IT's public reply (``role`` ``it``, read from the
    ticket) or the user's own reply (``role`` ``user``, with its ``delivery``)."""

    id: str  # "m<n>" for a message read from the ticket, "c<n>" for the user's reply
    role: str
    author: str | None
    text: str
    created_at: str | None
    seen: bool
    delivery: str | None


class ResolutionJSON(TypedDict):
    """When IT resolved the request, and IT's last public message (the card's words)."""

    at: str | None
    message: str | None


class RequestJSON(_RequestJSON, total=False):
    """A request as the REST API, the CLI's JSON export and the events carry it.

    ``comments``, ``history`` and ``messages`` are present in the detail form only
    (``GET requests/{id}``); ``unread`` and ``messages_hint`` in both.
    """

    comments: list[CommentJSON]
    history: list[HistoryJSON]
    messages: list[MessageJSON]
    unread: int
    messages_hint: str | None
    resolution: ResolutionJSON | None


class LinkedRequestJSON(TypedDict):
    id: int
    uuid: str
    state: RequestState


class IncidentJSON(TypedDict):
    """An incident as ``GET incidents`` and the incident event carry it."""

    id: int
    kind: str
    kernel_id: str | None
    notebook_path: str | None
    details: dict[str, Any]
    created_at: str | None
    request_uuid: str | None
    request_id: int | None
    request: LinkedRequestJSON | None
