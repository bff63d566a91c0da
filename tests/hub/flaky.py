"""An in-process ticket system that fails on purpose (shared by tests and the benchmark)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import ClassVar

from jupyter_itbridge.backends.base import Backend, BackendError, OutgoingRequest, TicketRef


class FlakyBackend(Backend):
    """Fails ``failure_rate`` of calls: half before creating (5xx / 429 with Retry-After), half
    AFTER creating (the response is lost), which only ``find`` can save from a duplicate."""

    name: ClassVar[str] = "flaky"
    can_find: ClassVar[bool] = True
    can_sync: ClassVar[bool] = True

    def __init__(self, failure_rate: float = 0.3, seed: int = 7, retry_after: float | None = None):
        super().__init__()
        self.failure_rate = failure_rate
        self.retry_after = retry_after
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.tickets: dict[str, TicketRef] = {}
        self.creates: Counter[str] = Counter()
        self.calls = 0
        self.failures = 0
        self.states: dict[str, str] = {}
        self.comments: list[tuple[str, str]] = []

    def _maybe_fail(self) -> bool:
        with self.lock:
            self.calls += 1
            if self.rng.random() < self.failure_rate:
                self.failures += 1
                return True
            return False

    def find(self, request_uuid: str) -> TicketRef | None:
        if self._maybe_fail():
            raise BackendError("search failed: HTTP 503", status=503)
        with self.lock:
            return self.tickets.get(request_uuid)

    def create(self, request: OutgoingRequest) -> TicketRef:
        if self._maybe_fail():
            if self.rng.random() < 0.5:
                raise BackendError(
                    "rate limited: HTTP 429", status=429, retry_after=self.retry_after
                )
            with self.lock:  # created, but the answer never arrives
                self._store(request)
            raise BackendError("connection reset after POST", status=None)
        with self.lock:
            return self._store(request)

    def _store(self, request: OutgoingRequest) -> TicketRef:
        self.creates[request.uuid] += 1
        ref = TicketRef(
            id=f"T-{len(self.tickets) + 1}", url=f"https://it.example/T-{len(self.tickets) + 1}"
        )
        self.tickets[request.uuid] = ref
        self.states[ref.id] = "sent"
        return ref

    def statuses(self, refs: list[TicketRef]) -> dict[str, str]:
        with self.lock:
            return {r.id: self.states[r.id] for r in refs if r.id in self.states}

    def comment(self, ref: TicketRef, text: str) -> None:
        if self._maybe_fail():
            raise BackendError("comment failed: HTTP 502", status=502)
        with self.lock:
            self.comments.append((ref.id, text))
