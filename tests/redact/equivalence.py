"""What the fast-path tests share: the corpus texts, texts mutated from them, and the check
that a fast rule gives what the plain rule it replaces gives (the text, and the secrets it
records for the echo step, in order)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from redact.corpus import load  # type: ignore[import-not-found]

from jupyter_itbridge.redact._base import Found, Rule

CASES = [c.text for f in load() for c in f.positive + f.negative]


def mutated(
    pieces: Sequence[str], seed: int, count: int, *, dense_repeat: int, inserts: int
) -> list[str]:
    """Corpus texts cut, joined and sprinkled with ``pieces`` (up to ``inserts`` each), every
    fourth text the pieces alone repeated ``dense_repeat`` times; short ones sometimes repeated
    past the short-text limit, so both of :func:`redact`'s paths run."""
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        if i % 4 == 0:  # dense: the pieces alone, repeated
            out.append(
                "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 30))) * dense_repeat
            )
            continue
        text = rnd.choice(("\n", " ", "")).join(rnd.sample(CASES, rnd.randint(1, 3)))
        for _ in range(rnd.randint(0, inserts)):
            at = rnd.randint(0, len(text))
            text = text[:at] + rnd.choice(pieces) + text[at:]
        out.append(text * (rnd.choice((1, 1, 1, 40)) if len(text) < 300 else 1))
    return out


def assert_same(fast: Rule, plain: Rule, text: str) -> None:
    """``fast`` and ``plain`` give the same text and record the same secrets, in order."""
    fast_found, plain_found = Found(), Found()
    assert fast.apply(text, fast_found) == plain.apply(text, plain_found), text[:300]
    assert list(fast_found) == list(plain_found), text[:300]
