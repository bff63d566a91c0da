"""The outbox worker: delivers stored requests and comments, and keeps ticket states in sync.

Why an outbox: the request is committed before any delivery try, so a crash, a network error or
a ticket system that is down loses nothing; the worker simply tries again (exponential backoff
with jitter, honouring ``Retry-After``). Before creating, a backend that can search is asked
whether the ticket already exists (by our request UUID), so a crash between "created" and
"stored" never makes a second ticket. Backends are synchronous: they run in threads.

Several outboxes may share one store (two servers of one user, relay replicas): each request
and comment is leased before delivery (``store_leases.py``), the leases of deliveries in flight
are renewed, and a lease is checked again right before a create, so no two of them ever try
the same request at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from ..backends.base import (
    CANCEL_COMMENT,
    Backend,
    BackendError,
    TicketRef,
    TicketStatus,
)
from ..contract import RequestState
from ..jsontypes import DueComment, StoredRequest
from ..redact import redact
from . import indoubt
from .conversation import MessageSync, deliver_comment
from .outgoing import backoff_delay, outgoing  # noqa: F401 (re-exported: tests import them)
from .store import Store, TransitionError
from .store_leases import lease_owner_id

log = logging.getLogger("jupyter_itbridge.outbox")
T = TypeVar("T")

#: ``on_change(record_row, old_state)`` is called after every state change the worker makes.
OnChange = Callable[[StoredRequest, str], Any]

#: Seconds a delivery lease lasts without renewal. A live outbox renews its leases every
#: third of that; a crashed one's are claimed again after it (at once on the same machine).
DEFAULT_LEASE = 60.0
#: Lease columns cleared when a delivery try ends, whatever its outcome.
RELEASED = {"lease_owner": None, "lease_expires_at": None}


class Outbox:
    """Asyncio worker over a :class:`Store` and one :class:`Backend`."""

    def __init__(
        self,
        store: Store,
        backend: Backend,
        *,
        on_change: OnChange | None = None,
        sync_interval: float = 300.0,
        base_delay: float = 2.0,
        max_delay: float = 600.0,
        config_error_delay: float = 1800.0,
        concurrency: int = 4,
        batch: int = 50,
        sync_batch: int = 100,
        rng: random.Random | None = None,
        lease: float = DEFAULT_LEASE,
        lease_owner: str | None = None,
    ) -> None:
        self.store = store
        self.backend = backend
        self.on_change = on_change
        self.sync_interval = sync_interval
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.config_error_delay = config_error_delay
        self.concurrency = max(1, concurrency)
        self.batch = batch
        self.sync_batch = sync_batch
        self.rng = rng or random.Random()
        self.lease = max(0.1, float(lease))
        #: Who this outbox is in the store's leases (host, pid, random: one per outbox).
        self.lease_owner = lease_owner or lease_owner_id()
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        # Health facts (no secrets: admin messages are redacted).
        self.reachable: bool | None = None
        self.last_error: str | None = None
        self.last_success_at: float | None = None
        self.deliveries = 0
        #: IT's replies, read after each status sync (``conversation.py``).
        self.messages = MessageSync(store, backend, self._call)

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return any(not t.done() for t in self._tasks)

    async def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._wake = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._deliver_loop(), name="itbridge-outbox"),
            asyncio.create_task(self._lease_loop(), name="itbridge-leases"),
        ]
        if self.backend.can_sync and self.sync_interval > 0:
            self._tasks.append(asyncio.create_task(self._sync_loop(), name="itbridge-sync"))

    async def stop(self) -> None:
        """Stop after the current round; in-flight backend calls finish in their threads."""
        self._stopping = True
        self._wake.set()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def wake(self) -> None:
        """Something new to deliver: skip the rest of the current sleep."""
        self._wake.set()

    # -- leases -------------------------------------------------------------------------------

    async def _lease_loop(self) -> None:
        """Renew the leases of deliveries in flight; free those of dead outboxes on this
        machine (a server restarted after a crash resumes at once)."""
        while not self._stopping:
            try:
                if self.store.release_dead_leases():
                    self.wake()
                self.store.renew_leases(self.lease_owner, self.lease)
            except asyncio.CancelledError:
                raise
            except Exception:  # a store error must not kill the worker
                log.exception("jupyter-itbridge: renewing delivery leases failed")
            await asyncio.sleep(self.lease / 3)

    # -- delivery -----------------------------------------------------------------------------

    async def _deliver_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                worked = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # a store error must not kill the worker
                log.exception("jupyter-itbridge outbox round failed")
                worked = 0
            if worked:
                continue
            due = self.store.next_due_at()
            timeout = 60.0 if due is None else min(60.0, max(0.0, due - time.time()))
            if timeout <= 0:
                timeout = 0.05  # due now but not picked (e.g. backend busy): breathe
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def run_once(self) -> int:
        """Claim and deliver everything due now (requests, then comments) that no other outbox
        holds; returns how many were tried."""
        rows = self.store.claim_due_requests(self.lease_owner, self.lease, limit=self.batch)
        sem = asyncio.Semaphore(self.concurrency)

        async def guarded(coro: Awaitable[None]) -> None:
            async with sem:
                await coro

        await asyncio.gather(*(guarded(self._deliver_claimed(row)) for row in rows))
        comments = self.store.claim_due_comments(self.lease_owner, self.lease, limit=self.batch)
        await asyncio.gather(*(guarded(self.deliver_comment(c)) for c in comments))
        return len(rows) + len(comments)

    async def drain(self, timeout: float = 60.0) -> None:
        """Deliver until nothing is due or scheduled (tests, benchmarks, ``doctor``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.run_once():
                continue
            if self.store.next_due_at() is None:
                return
            await asyncio.sleep(0.01)
        raise TimeoutError("outbox did not drain in time")

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """Backend calls run in a thread (they block on the network), except for backends that
        declare ``blocking = False`` (``local``: a thread hop would cost more than the call)."""
        if self.backend.blocking:
            return await asyncio.to_thread(fn, *args)
        return fn(*args)

    async def deliver(self, row: StoredRequest) -> None:
        """One delivery try for one request now, due or not, unless another outbox holds it;
        every outcome is recorded in the store."""
        claimed = self.store.claim_request(row["uuid"], self.lease_owner, self.lease)
        if claimed is None:
            log.info("jupyter-itbridge: request #%s is not waiting or held elsewhere", row["id"])
            return
        await self._deliver_claimed(claimed)

    async def _deliver_claimed(self, row: StoredRequest) -> None:
        """One delivery try of a request this outbox holds the lease of."""
        request_uuid = row["uuid"]
        attempts = int(row.get("attempts") or 0) + 1
        try:
            ref = None
            if self.backend.can_find:
                ref = await self._call(self.backend.find, request_uuid)
                # The search took network time: create only while the lease is still ours
                # (and the request was not cancelled meanwhile).
                if ref is None and not self.store.renew_lease(
                    request_uuid, self.lease_owner, self.lease
                ):
                    log.info("jupyter-itbridge: request #%s: lease lost, not created", row["id"])
                    return
            if ref is None:
                if self._wait_in_doubt(row):
                    return
                ref = await self._create(row)
        except BackendError as err:
            self._record_failure(row, attempts, err)
            return
        except Exception as err:  # a backend bug: keep retrying, tell the admin precisely
            wrapped = BackendError(f"{type(err).__name__}: {err}", retryable=True, in_doubt=True)
            self._record_failure(row, attempts, wrapped)
            return
        self._record_success(row, attempts, ref)

    async def _create(self, row: StoredRequest) -> TicketRef:
        return await indoubt.create_marked(self.store, self.backend, row, self._call)

    def _wait_in_doubt(self, row: StoredRequest) -> bool:
        """True (next find scheduled) while an in-doubt create may still show up."""
        waited = indoubt.wait_in_doubt(self.store, self.backend, row, self.lease_owner)
        if waited is not None and waited[1] is not None:
            self.last_error = waited[1]["last_error"]
            log.warning("jupyter-itbridge: %s", self.last_error)
            self._changed(waited[1], waited[0])
        return waited is not None

    def _record_success(self, row: StoredRequest, attempts: int, ref: TicketRef) -> None:
        self.reachable, self.last_success_at = True, time.time()
        self.deliveries += 1
        meta = indoubt.without_doubt(row.get("meta")) if ref.meta is None else ref.meta
        extra: dict[str, Any] = {"meta": meta}
        try:
            old, new = self.store.transition(
                row["uuid"],
                "sent",
                note=f"delivered as {ref.id}",
                expect={"queued", "failed"},
                ticket_id=ref.id,
                ticket_url=ref.url,
                attempts=attempts,
                next_attempt_at=None,
                last_error=None,
                **RELEASED,
                **extra,
            )
        except TransitionError:
            self._delivered_meanwhile(row, ref)
            return
        self._changed(new, old)

    def _delivered_meanwhile(self, row: StoredRequest, ref: TicketRef) -> None:
        """The request left queued/failed while our call was in flight."""
        current = self.store.get_request(row["uuid"])
        if current is not None and current["state"] == "cancelled" and not current["ticket_id"]:
            # Cancelled while in flight: keep the ticket ref, tell IT it is no longer needed.
            self.store.update_fields(row["uuid"], ticket_id=ref.id, ticket_url=ref.url, **RELEASED)
            self.store.add_comment(row["uuid"], row["user"], "system", CANCEL_COMMENT)
            self.wake()
        elif current is not None and current["ticket_id"] not in (None, ref.id):
            log.warning(
                "jupyter-itbridge: request #%s was delivered as %s by another process while "
                "this one made %s",
                row["id"],
                current["ticket_id"],
                ref.id,
            )

    def _record_failure(self, row: StoredRequest, attempts: int, err: BackendError) -> None:
        message = redact(self.backend.mask(err.admin_message))[:2000]
        # An HTTP answer below 500 means the system is up (it rejected us); else unreachable.
        self.reachable = err.status is not None and err.status < 500
        self.last_error = message
        if err.retryable:
            delay = backoff_delay(
                attempts, self.base_delay, self.max_delay, self.rng, err.retry_after
            )
        else:  # configuration error (401/403, unknown queue): slow retries, never dropped
            delay = max(self.config_error_delay, err.retry_after or 0.0)
        try:
            old, new = self.store.transition(
                row["uuid"],
                "failed",
                note=message,
                expect={"queued", "failed"},
                holder=self.lease_owner,
                attempts=attempts,
                next_attempt_at=time.time() + delay,
                last_error=message,
                meta=row.get("meta"),  # keeps or clears the in-doubt mark (see _create)
                **RELEASED,
            )
        except TransitionError:
            return  # cancelled meanwhile, or the lease was lost to another outbox
        log.warning(
            "jupyter-itbridge: delivery of request #%s failed (try %d, next in %.0f s): %s",
            row["id"],
            attempts,
            delay,
            message,
        )
        # Announced even when it was already failed: attempts, next try and error changed.
        self._changed(new, old)

    async def deliver_comment(self, comment: DueComment) -> None:
        """One delivery try of a leased comment, every outcome recorded (exactly once where
        the backend can look: ``conversation.deliver_comment``)."""
        await deliver_comment(self, comment)

    # -- status sync --------------------------------------------------------------------------

    async def _sync_loop(self) -> None:
        while not self._stopping:
            try:
                await self.sync_once()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                text = self.backend.mask(f"status sync: {type(err).__name__}: {err}")
                self.last_error = redact(text)[:2000]
                log.warning("jupyter-itbridge: %s", self.last_error)
            await asyncio.sleep(self.sync_interval)

    async def sync_once(self) -> int:
        """Read states of open tickets in batches; record and announce changes. Returns changes."""
        rows = self.store.open_tickets()
        changed = 0
        for start in range(0, len(rows), self.sync_batch):
            chunk = rows[start : start + self.sync_batch]
            refs = [
                TicketRef(id=r["ticket_id"] or "", url=r.get("ticket_url"), request_uuid=r["uuid"])
                for r in chunk
            ]
            states = await self._call(self.backend.statuses, refs)
            for row in chunk:
                found = states.get(row["ticket_id"] or "")
                if found is None:
                    continue
                moved = isinstance(found, TicketStatus) and self._move_ticket(row, found)
                state = found.state if isinstance(found, TicketStatus) else found
                if not state or state == row["state"]:
                    if moved:
                        changed += 1
                        self._changed(self.store.get_request(row["uuid"]) or row, row["state"])
                    continue
                try:
                    old, new = self.store.transition(
                        row["uuid"],
                        cast(RequestState, state),  # validated by the store
                        note=f"ticket {row['ticket_id']} is now {state}",
                        expect={row["state"]},
                    )
                except TransitionError as err:
                    log.info("jupyter-itbridge: ignored status %s: %s", state, err)
                    continue
                changed += 1
                self._changed(new, old)
        await self.sync_messages(rows)
        return changed

    async def sync_messages(self, rows: list[StoredRequest]) -> int:
        """The synced tickets' new messages, stored and announced; a failure here never
        undoes the status sync (``conversation.MessageSync``)."""
        try:
            return await self.messages.sync(rows)
        except Exception as err:
            self.last_error = redact(f"message sync: {type(err).__name__}: {err}")[:2000]
            log.warning("jupyter-itbridge: %s", self.last_error)
            return 0

    def _move_ticket(self, row: StoredRequest, status: TicketStatus) -> bool:
        """Store a changed ticket ref or ``meta`` from a status read; True when one changed."""
        ref = status.ticket
        if ref is None:
            return False
        fields: dict[str, Any] = {}
        if ref.id and ref.id != row.get("ticket_id"):
            fields["ticket_id"] = ref.id
        if ref.url != row.get("ticket_url") and (ref.url or "ticket_id" in fields):
            fields["ticket_url"] = ref.url
        if ref.meta is not None and ref.meta != row.get("meta"):
            fields["meta"] = ref.meta
        if fields:
            self.store.update_fields(row["uuid"], **fields)
        return bool(fields)

    def _changed(self, row: StoredRequest, old_state: str) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change(row, old_state)
        except Exception:
            log.exception("jupyter-itbridge: on_change callback failed")
