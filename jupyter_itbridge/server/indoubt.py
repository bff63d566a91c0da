"""In-doubt creates: a create whose answer was lost is not simply sent again.

Why: a create that timed out (or whose server crashed between the ticket system's answer and
our store write) may have landed. Creating again at once makes a duplicate whenever the ticket
system's search is eventually consistent (GitHub's issue search lags, Jira's too). So the
outbox writes "create in doubt since T" into the request's ``meta`` *before* every create of a
backend that can ``find``, keeps it when the create fails without a clear refusal, and while
it is there creates again only after ``find`` came back empty at a time past T plus the
backend's ``consistency_window`` (and its call timeout). Backends that cannot ``find`` (email,
webhook) are at-least-once by nature and send a stable id so receivers can drop duplicates.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..backends.base import Backend, BackendError, TicketRef
from ..jsontypes import StoredRequest
from .outgoing import outgoing
from .store import Store, TransitionError

#: The ``meta`` key holding the time a create was last sent without an answer we trust.
DOUBT_KEY = "create_in_doubt_since"
#: Seconds between finds while a create is in doubt (a quarter of the window, within these).
MIN_RECHECK, MAX_RECHECK = 1.0, 30.0


def doubt_since(row: StoredRequest) -> float | None:
    """When this request's create went out without a trusted answer (None: not in doubt)."""
    meta = row.get("meta") or {}
    value = meta.get(DOUBT_KEY) if isinstance(meta, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def with_doubt(meta: Any, since: float) -> dict[str, Any]:
    """``meta`` marked "create in doubt since ``since``"."""
    return {**(meta if isinstance(meta, dict) else {}), DOUBT_KEY: since}


def without_doubt(meta: Any) -> dict[str, Any] | None:
    """``meta`` without the in-doubt mark (None when nothing else is left)."""
    if not isinstance(meta, dict):
        return None
    rest = {k: v for k, v in meta.items() if k != DOUBT_KEY}
    return rest or None


def settled_at(row: StoredRequest, backend: Backend) -> float | None:
    """The time after which an empty ``find`` proves the in-doubt create did not land (None:
    not in doubt, or the backend cannot find, so there is nothing to wait for)."""
    since = doubt_since(row)
    if since is None or not backend.can_find:
        return None
    call_timeout = float(getattr(backend, "timeout", 0.0) or 0.0)
    return since + call_timeout + max(0.0, float(backend.consistency_window))


def next_find_at(settled: float, now: float | None = None) -> float:
    """When to look again: soon enough to adopt the ticket once it shows, never after the
    window ends."""
    now = time.time() if now is None else now
    step = min(MAX_RECHECK, max(MIN_RECHECK, (settled - now) / 4))
    return min(settled, now + step)


def waiting_note(request_id: int, settled: float, backend: Backend, now: float) -> str:
    """The admin's sentence while a create is in doubt."""
    return (
        f"The create of request #{request_id} got no answer and may have landed in "
        f"{backend.name}; looking for it with find for {max(0.0, settled - now):.0f} s more "
        f"(consistency_window {backend.consistency_window:g} s) before creating it again."
    )


async def create_marked(
    store: Store,
    backend: Backend,
    row: StoredRequest,
    call: Callable[..., Awaitable[TicketRef]],
) -> TicketRef:
    """Create, marking the request "in doubt" in the store first (so a crash keeps the
    mark); a clear refusal clears it in ``row`` (the failure record stores ``row["meta"]``),
    a lost answer keeps it."""
    if backend.can_find:
        row["meta"] = with_doubt(row.get("meta"), time.time())
        store.update_fields(row["uuid"], meta=row["meta"])
    try:
        return await call(backend.create, outgoing(row))
    except BackendError as err:
        if backend.can_find and not err.in_doubt:
            row["meta"] = without_doubt(row.get("meta"))
        raise


def wait_in_doubt(
    store: Store, backend: Backend, row: StoredRequest, owner: str
) -> tuple[str, StoredRequest | None] | None:
    """While an in-doubt create may still show up in ``find``: schedule the next find, say
    so in ``last_error``, release the lease; returns ``(old_state, row)``, with no row when
    the request was cancelled or its lease lost meanwhile. None: go create."""
    now = time.time()
    settled = settled_at(row, backend)
    if settled is None or now >= settled:
        return None
    note = backend.mask(waiting_note(row["id"], settled, backend, now))
    try:
        return store.transition(
            row["uuid"],
            row["state"],
            expect={"queued", "failed"},
            holder=owner,
            next_attempt_at=next_find_at(settled, now),
            last_error=note,
            lease_owner=None,
            lease_expires_at=None,
        )
    except TransitionError:  # cancelled meanwhile, or the lease was lost: do not create
        return (row["state"], None)
