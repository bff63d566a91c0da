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


class _StoredRequestRow(_RequestCore):
    next_attempt_at: float | None
    created_at: float
    updated_at: float


class StoredRequest(_StoredRequestRow, total=False):
    """One row of ``requests``: the request as filed, plus its delivery state (UNIX times).

    ``meta`` (nullable JSON) is what a backend keeps with the request, e.g. the hub relay's
    requester count and the real ticket behind a forwarded request.
    """

    meta: dict[str, Any] | None


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


class RequestJSON(_RequestJSON, total=False):
    """A request as the REST API, the CLI's JSON export and the events carry it.

    ``comments`` and ``history`` are present in the detail form only (``GET requests/{id}``).
    """

    comments: list[CommentJSON]
    history: list[HistoryJSON]


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
