"""What the user sees is exactly what is sent: the card's preview (kernel) is byte-equal to
the body the server stores, over the redaction corpus and every catalog example.

Why: the server redacts again before storing. That second pass must leave an already
redacted preview unchanged; it used to turn ``signature: blocked.import_guard`` (a catalog id
shown in the preview) into ``signature: [REDACTED]`` in the stored body.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from redact.corpus import load  # type: ignore[import-not-found]

from jupyter_itbridge.detect import diagnose_output, diagnose_text
from jupyter_itbridge.detect.catalog import SIGNATURES
from jupyter_itbridge.findings import Finding, RequestDraft
from jupyter_itbridge.kernel.card_state import CardState
from jupyter_itbridge.policy import DEMO_BLOCKED, ITBridgePolicy
from jupyter_itbridge.server.service import RequestService

_EXAMPLE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit)\w*): (.*)$", re.S)
ENV = {"python": "3.11.7", "platform": "Linux-6.1-x86_64", "memory_limit": "4.0 GiB"}


def _sent_equals_seen(card: CardState) -> None:
    preview = card.preview()
    payload = card.payload()
    assert payload["preview"] == preview
    stored = RequestService.prepare(payload["draft"], card.request_uuid).body
    assert stored == preview


def _findings(sig: dict[str, Any]) -> list[Finding]:
    policy = ITBridgePolicy(blocked_packages=DEMO_BLOCKED)
    example = sig["example"]
    if sig.get("scope") == "output":
        return diagnose_output(example, policy)
    m = _EXAMPLE.match(example)
    ename, evalue = (m.group(1), m.group(2)) if m else ("Error", example)
    return diagnose_text(ename, evalue, None, policy)


@pytest.mark.parametrize("sig", SIGNATURES, ids=[s["id"] for s in SIGNATURES])
def test_catalog_example_preview_is_the_stored_body(sig: dict[str, Any]) -> None:
    findings = _findings(sig)
    assert findings, sig["id"]
    for finding in findings:
        draft = RequestDraft.from_finding(finding, ENV)
        draft.justification = "Needed for the quarterly report."
        _sent_equals_seen(CardState(finding, draft))


def test_blocked_import_signature_survives_the_second_pass() -> None:
    finding = _findings(next(s for s in SIGNATURES if s["id"] == "blocked.import_guard"))[0]
    card = CardState(finding, RequestDraft.from_finding(finding, ENV))
    assert "blocked.import_guard" in card.preview()
    stored = RequestService.prepare(card.payload()["draft"], card.request_uuid).body
    assert "blocked.import_guard" in stored and "[REDACTED]" not in stored


CASES = [case for family in load() for case in (*family.positive, *family.negative)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_text_preview_is_the_stored_body(case: Any) -> None:
    """Each corpus text as the user's own words (description, justification) and as an
    error's evidence: the preview and the stored body are the same bytes."""
    finding = Finding(
        kind="missing_package",
        subject="pyspark",
        title="The package pyspark is not installed here.",
        explanation="IT installs packages on this server.",
        evidence={"exception_type": "ModuleNotFoundError", "message": case.text},
        confidence="high",
    )
    draft = RequestDraft.from_finding(finding, ENV)
    draft.description = case.text
    draft.justification = case.text
    _sent_equals_seen(CardState(finding, draft))
