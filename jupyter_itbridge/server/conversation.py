"""The conversation half of the outbox: the user's replies go out exactly once, IT's come back.

Why apart from ``outbox.py``: delivery of requests and status sync are one concern; the
thread of a request is another, with its own rules.

- **Exactly once.** A comment is posted with a marker line (``itbridge-comment-id:
  <request uuid>:<comment id>``) when the backend can read comments back. The try is
  recorded (``attempts``) *before* the post; a comment whose earlier try was cut short (the
  server was SIGKILLed after the post and before "delivered" was stored) is looked up by its
  marker first and only marked delivered when it is already on the ticket.
- **Messages with the status sync.** After each status sync, the messages of the synced
  tickets are read (``Backend.messages(ref, since)``), stored (idempotent on the ticket
  system's id) and announced. A backend may cap how many tickets one sync reads
  (``message_reads_per_sync``): the least recently read go first, so every ticket gets its
  turn; a 429 stops the round and is honoured before the next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..backends.base import Backend, BackendError, Message, TicketRef, comment_marker
from ..jsontypes import DueComment, StoredMessage, StoredRequest
from ..redact import redact
from .store import DELIVERED, UNSUPPORTED, Store

if TYPE_CHECKING:
    from .outbox import Outbox

log = logging.getLogger("jupyter_itbridge.conversation")
T = TypeVar("T")

#: ``call(fn, *args)``: run a backend call the way the outbox does (thread or not).
Caller = Callable[..., Awaitable[Any]]
#: ``on_messages(row, new_messages)`` after new messages of a request were stored.
OnMessages = Callable[[StoredRequest, list[StoredMessage]], Any]


def comment_key(comment: DueComment) -> str:
    """The comment's idempotency key: unique per store and ticket."""
    return f"{comment['request_uuid']}:{comment['id']}"


def with_marker(text: str, key: str) -> str:
    return f"{text.rstrip()}\n\n{comment_marker(key)}"


async def post_comment_once(
    store: Store, backend: Backend, call: Caller, comment: DueComment, owner: str
) -> bool:
    """Post ``comment`` unless an earlier, interrupted try already did; True when it is on
    the ticket now (the caller marks it delivered), False when the lease was lost before the
    post. Errors propagate to the caller."""
    ref = TicketRef(
        id=comment["ticket_id"], url=comment.get("ticket_url"), request_uuid=comment["request_uuid"]
    )
    text = comment["text"]
    if backend.can_find_comment:
        key = comment_key(comment)
        tried_before = int(comment.get("attempts") or 0) > 0
        if tried_before and await call(backend.comment_posted, ref, key):
            log.info("jupyter-itbridge: comment %s was already on the ticket", key)
            return True
        # Record the try before posting: after a crash the next try looks before it posts.
        tries = int(comment.get("attempts") or 0) + 1
        if not store.update_comment(comment["id"], owner, attempts=tries):
            return False  # the lease went to another outbox meanwhile: it posts, not us
        text = with_marker(text, key)
    await call(backend.comment, ref, text)
    return True


def _as_stored(msg: Message) -> dict[str, Any]:
    return {
        "backend_id": msg.id,
        "role": msg.role,
        "author": redact(msg.author or "")[:200],
        "text": redact(msg.text)[:20_000],
        "created_at": msg.created_at,
        "public": msg.public,
    }


class MessageSync:
    """Reads, stores and announces the messages of synced tickets, within a budget."""

    def __init__(self, store: Store, backend: Backend, call: Caller) -> None:
        self.store = store
        self.backend = backend
        self.call = call
        self.on_messages: OnMessages | None = None
        self._read_at: dict[str, float] = {}
        self._paused_until = 0.0
        self.reads = 0
        self.stored = 0

    def _budget(self) -> int | None:
        limit = int(getattr(self.backend, "message_reads_per_sync", 0) or 0)
        return limit if limit > 0 else None

    def _since(self, request_uuid: str) -> float | None:
        stored = self.store.messages(request_uuid)
        return max(m["created_at"] for m in stored) if stored else None

    async def sync(self, rows: list[StoredRequest]) -> int:
        """Read the messages of ``rows``' tickets (least recently read first); returns how many
        new messages were stored."""
        if not self.backend.can_message or time.time() < self._paused_until:
            return 0
        todo = [r for r in rows if r.get("ticket_id")]
        todo.sort(key=lambda r: self._read_at.get(r["uuid"], 0.0))
        budget = self._budget()
        if budget is not None:
            todo = todo[:budget]
        added = 0
        for row in todo:
            ref = TicketRef(
                id=row["ticket_id"] or "", url=row.get("ticket_url"), request_uuid=row["uuid"]
            )
            try:
                found = await self.call(self.backend.messages, ref, self._since(row["uuid"]))
            except BackendError as err:
                if err.status == 429 or err.retry_after:
                    self._paused_until = time.time() + float(err.retry_after or 60.0)
                    log.info("jupyter-itbridge: message reads paused: %s", err.admin_message)
                    break
                log.warning("jupyter-itbridge: reading messages of #%s: %s", row["id"], err)
                continue
            self.reads += 1
            self._read_at[row["uuid"]] = time.time()
            added += self._store(row, found)
        return added

    def _store(self, row: StoredRequest, found: list[Message]) -> int:
        if not found:
            return 0
        new = self.store.add_messages(row["uuid"], [_as_stored(m) for m in found])
        self.stored += len(new)
        if new and self.on_messages is not None:
            try:
                self.on_messages(row, new)
            except Exception:
                log.exception("jupyter-itbridge: on_messages callback failed")
        return len(new)


async def deliver_comment(outbox: Outbox, comment: DueComment) -> None:
    """Post one leased comment (exactly once where the backend can look: see
    ``conversation.post_comment_once``); every outcome is recorded."""
    from .outbox import RELEASED  # outbox.py imports this module
    from .outgoing import backoff_delay

    attempts = int(comment.get("attempts") or 0) + 1
    owner = outbox.lease_owner
    try:
        posted = await post_comment_once(outbox.store, outbox.backend, outbox._call, comment, owner)
    except NotImplementedError:
        outbox.store.update_comment(
            comment["id"], owner, delivered=UNSUPPORTED, attempts=attempts, **RELEASED
        )
        return
    except Exception as err:
        backend_error = err if isinstance(err, BackendError) else None
        retry_after = backend_error.retry_after if backend_error else None
        detail = backend_error.admin_message if backend_error else ""
        message = redact(outbox.backend.mask(detail or f"{type(err).__name__}: {err}"))
        delay = backoff_delay(
            attempts, outbox.base_delay, outbox.max_delay, outbox.rng, retry_after
        )
        if backend_error is not None and not backend_error.retryable:
            delay = max(delay, outbox.config_error_delay)
        outbox.last_error = message[:2000]
        outbox.store.update_comment(
            comment["id"],
            owner,
            attempts=attempts,
            next_attempt_at=time.time() + delay,
            last_error=message[:2000],
            **RELEASED,
        )
        return
    if not posted:
        return
    outbox.store.update_comment(
        comment["id"], delivered=DELIVERED, attempts=attempts, last_error=None, **RELEASED
    )
