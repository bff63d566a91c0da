"""Hostile input cannot hold a kernel or the server: detection time does not grow with the input
(bounded input), for every pattern family and every filler that makes a backtracking pattern
explode. These tests catch the failure class (a quadratic pattern took 7 s at 16 KB before the
patterns were bounded) with margins no machine load reaches; the speed target itself, 5 ms per
10 KB, is measured by ``bench/bench_adversarial.py`` against a baseline in the same run."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from jupyter_itbridge.detect import diagnose_output, diagnose_text

_BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_adversarial.py"
_spec = importlib.util.spec_from_file_location("bench_adversarial", _BENCH)
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _best_ms(family: str, size_kb: int, filler: str, rounds: int = 3) -> float:
    """Best of a few rounds (a loaded machine only ever adds time) of the slowest shape."""
    text = bench.hostile(family, size_kb, filler)
    lines = text.splitlines() or [text]
    shapes = (
        lambda: diagnose_text("OSError", text, [text]),
        lambda: diagnose_text("Error", "x", lines),
        lambda: diagnose_output(text),
    )
    worst = 0.0
    for shape in shapes:
        best = float("inf")
        for _ in range(rounds):
            t0 = time.perf_counter()
            shape()
            best = min(best, time.perf_counter() - t0)
        worst = max(worst, best)
    return worst * 1000


#: Far above the 128 ms target for 256 KB, far below what a backtracking pattern takes (seconds).
CATASTROPHE_MS = 1000.0


@pytest.mark.parametrize("family", bench.families())
def test_time_is_flat_and_bounded(family: str) -> None:
    diagnose_text("Error", "warm up the catalog", None)
    for filler in bench.FILLERS:
        small = _best_ms(family, 8, filler)
        large = _best_ms(family, 256, filler)
        # a catastrophic pattern takes seconds here; the bench's target is 128 ms
        assert large <= CATASTROPHE_MS, (family, filler, large)
        # linear growth would be 32x, quadratic 1024x; bounded input keeps it flat
        assert large <= max(8 * small, 25.0), (family, filler, small, large)


def test_the_quarantine_words_then_letters_case() -> None:
    """The report of issue #14: pip's quarantine words and a long run of letters took 7 s at
    16 KB (quadratic) before the patterns were bounded."""
    text = "Could not install requirement " + "a" * 256 * 1024
    t0 = time.perf_counter()
    diagnose_text("Error", text, [text])
    diagnose_output(text)
    assert time.perf_counter() - t0 < CATASTROPHE_MS / 1000


def test_a_huge_live_exception_is_cheap() -> None:
    """The kernel diagnoses ``str(exc)`` of a live exception: 20,000+ characters of it."""
    from jupyter_itbridge.detect import diagnose

    exc = OSError("[Errno 13] Permission denied: '" + "a" * 200_000)
    t0 = time.perf_counter()
    diagnose(exc)
    assert time.perf_counter() - t0 < CATASTROPHE_MS / 1000
