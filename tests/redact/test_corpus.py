"""The redaction corpus (tests/redact/corpus/*.yaml, built from the public secret scanners'
rule definitions and vendor documentation, synthetic secrets only): no secret survives (nor 7
characters of one of 12+), the context around it does, harmless text is unchanged, and
``redact`` is idempotent, so the preview a user sees is byte-for-byte what the server stores.
"""

from __future__ import annotations

import pytest
from redact.corpus import Case, leaks, load, lost_context  # type: ignore[import-not-found]

from jupyter_itbridge.redact import MARK, redact

FAMILIES = load()
POSITIVE = [c for f in FAMILIES for c in f.positive]
NEGATIVE = [c for f in FAMILIES for c in f.negative]


def test_corpus_size_and_sources() -> None:
    assert len(POSITIVE) >= 200 and len(NEGATIVE) >= 80, (len(POSITIVE), len(NEGATIVE))
    for fam in FAMILIES:
        assert len(fam.source) > 80, f"family {fam.name} needs a source note"
        for case in fam.positive:
            assert case.secrets, case.id
            for secret in case.secrets:
                assert secret in case.text, f"{case.id}: secret not in its own text"
            for piece in case.context:
                assert piece in case.text, f"{case.id}: context not in its own text"
                assert not any(s in piece for s in case.secrets), f"{case.id}: context has secret"
    ids = [c.id for c in POSITIVE + NEGATIVE]
    assert len(ids) == len(set(ids))
    everything = "\n".join(c.text for c in POSITIVE + NEGATIVE)
    for case in POSITIVE:
        for secret in case.secrets:
            assert everything.count(secret) == case.text.count(secret), f"{case.id}: reused"


@pytest.mark.parametrize("case", POSITIVE, ids=[c.id for c in POSITIVE])
def test_positive(case: Case) -> None:
    out = redact(case.text)
    assert not leaks(case, out), f"leak {leaks(case, out)} in {out!r}"
    assert MARK in out
    assert not lost_context(case, out), f"lost context {lost_context(case, out)} in {out!r}"
    assert redact(out) == out, f"not idempotent: {out!r} -> {redact(out)!r}"


@pytest.mark.parametrize("case", NEGATIVE, ids=[c.id for c in NEGATIVE])
def test_negative_unchanged(case: Case) -> None:
    assert redact(case.text) == case.text


@pytest.mark.parametrize("start", range(0, len(POSITIVE) + len(NEGATIVE), 20))
def test_cases_joined_in_one_text(start: int) -> None:
    """Cases joined 20 at a time, like a long traceback with several secrets: rules must not
    interfere across lines, and stay idempotent. (Whole secrets only: 7-character fragments
    of one case's secret can occur in another case's text.)"""
    cases = (POSITIVE + NEGATIVE)[start : start + 20]
    out = redact("\n".join(c.text for c in cases))
    assert redact(out) == out
    for case in cases:
        if case.negative:
            assert case.text in out, f"{case.id} damaged inside the joined text"
        else:
            assert not [s for s in case.secrets if s in out], case.id
