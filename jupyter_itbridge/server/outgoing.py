"""Pure helpers of the outbox: a stored row as a backend sees it, and the retry backoff."""

from __future__ import annotations

import random

from ..backends.base import OutgoingRequest
from ..jsontypes import StoredRequest


def backoff_delay(
    attempts: int, base: float, cap: float, rng: random.Random, retry_after: float | None = None
) -> float:
    """Exponential backoff with "equal jitter"; never sooner than the server's Retry-After."""
    exp = min(cap, base * (2 ** max(0, attempts - 1)))
    delay = exp / 2 + rng.uniform(0, exp / 2)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay


def outgoing(row: StoredRequest) -> OutgoingRequest:
    """The stored row as a backend sees it (already redacted when stored)."""
    draft = row.get("draft") or {}
    return OutgoingRequest(
        uuid=row["uuid"],
        summary=row["summary"],
        body=row["body"],
        user=row["user"],
        kind=row.get("kind"),
        subject=row.get("subject"),
        fingerprint=row.get("fingerprint"),
        urgency=row["urgency"],
        extra={
            "request_id": row["id"],
            "notebook_path": draft.get("notebook_path"),
            "environment": draft.get("environment") or {},
            "draft": draft,  # the whole filed draft (the hub backend forwards it as is)
        },
    )
