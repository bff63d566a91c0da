r"""Redaction time on 1 KB / 10 KB / 100 KB / 256 KB inputs of adversarial shapes (long runs
after ``@``, ``=``, ``:``, quotes, many URLs, many key names, ...) and a realistic traceback.

For each shape: the best-of-9 time per size (sizes measured round-robin), the time per 10 KB
at 256 KB (target <= 5 ms), and the growth ratio (time per KB at 256 KB / time per KB at 1 KB;
linear time gives ~1, target <= 2). A baseline measured in the same run on the same text (one
``re.findall(r"\w+")`` pass, linear by construction) shows how loaded the machine is: compare
ratios, not raw times, between runs. Under heavy load the growth ratio reads high: a 1 KB call
fits in one scheduler time slice, a 256 KB call shares the CPU with the other jobs.

Run: python bench/bench_redact.py [--quick] [--check]

``--check`` (CI: ``make bench-redact``) exits 1 when a target is missed: a growth ratio over 2
(a rule that is not linear) or more than 5 ms per 10 KB. A shape over a target is measured up to
eight more times, five seconds apart, keeping its best time per size: this 2-core machine has slow
phases (the same call reads 5.0 or 8.4 ms minutes apart, with nothing else running), and other
jobs only ever add time, so a slow moment is not read as a slow rule, while a slow rule stays
slow in every attempt. The worst shape reads about 2.5 ms per 10 KB in a fast phase and 4.0-4.5
in a slow one.
"""

from __future__ import annotations

import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))  # the shapes live with the tests that use them

from redact.shapes import SHAPES  # noqa: E402

from jupyter_itbridge.redact import redact  # noqa: E402

SIZES = (1024, 10 * 1024, 100 * 1024, 256 * 1024)
BASELINE = re.compile(r"\w+")
TARGET_PER_10KB_MS = 5.0
TARGET_GROWTH = 2.0
RETRIES = 8
RETRY_PAUSE_S = 5.0


def _best_s(func, texts: list[str], rounds: int) -> list[float]:
    """Best of ``rounds`` per text, the texts measured round-robin so that every size sees the
    same load: other jobs on a shared machine only ever add time, so the minimum is the
    figure that compares between sizes and between runs."""
    best = [float("inf")] * len(texts)
    for _ in range(rounds):
        for i, text in enumerate(texts):
            t0 = time.perf_counter()
            func(text)
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def _figures(times: list[float]) -> tuple[float, float]:
    """(ms per 10 KB at 256 KB, growth ratio of the per-KB time from 1 KB to 256 KB)."""
    per_10kb = times[-1] / (SIZES[-1] / 10240) * 1000
    growth = (times[-1] / SIZES[-1]) / (times[0] / SIZES[0])
    return per_10kb, growth


def _slow(times: list[float]) -> bool:
    per_10kb, growth = _figures(times)
    return per_10kb > TARGET_PER_10KB_MS or growth > TARGET_GROWTH


def main() -> None:
    quick = "--quick" in sys.argv
    check = "--check" in sys.argv
    rounds = 3 if quick else 9
    results: dict[str, tuple[list[float], float]] = {}
    attempts: dict[str, int] = {}
    for name, make in SHAPES.items():
        texts = [make(size) for size in SIZES]
        times = _best_s(redact, texts, rounds)
        base = _best_s(BASELINE.findall, texts[-1:], rounds)[0]
        results[name] = (times, base)
    if check:
        # Other jobs only ever add time: a shape over target is measured again and keeps its
        # best time per size, so a busy moment on a shared CI machine is not read as a slow
        # rule, while a rule that is slow stays slow in every attempt.
        for _ in range(RETRIES):
            again_names = [n for n, (times, _) in results.items() if _slow(times)]
            if not again_names:
                break
            time.sleep(RETRY_PAUSE_S)
            for name in again_names:
                attempts[name] = attempts.get(name, 1) + 1
                texts = [SHAPES[name](size) for size in SIZES]
                again = _best_s(redact, texts, rounds)
                results[name] = (
                    [min(a, b) for a, b in zip(results[name][0], again, strict=True)],
                    results[name][1],
                )
    print(
        f"{'shape':32} {'1 KB':>9} {'10 KB':>9} {'100 KB':>9} {'256 KB':>9}"
        f" {'ms/10KB':>8} {'growth':>7} {'x base':>7}"
    )
    worst_10kb = worst_growth = 0.0
    for name, (times, base) in results.items():
        per_10kb, growth = _figures(times)
        worst_10kb, worst_growth = max(worst_10kb, per_10kb), max(worst_growth, growth)
        cells = " ".join(f"{t * 1000:7.2f}ms" for t in times)
        print(f"{name:32} {cells} {per_10kb:8.2f} {growth:7.2f} {times[-1] / base:7.1f}")
    ok_time, ok_growth = worst_10kb <= TARGET_PER_10KB_MS, worst_growth <= TARGET_GROWTH
    print(
        f"worst time per 10 KB at 256 KB: {worst_10kb:.2f} ms (target <= {TARGET_PER_10KB_MS})"
        f": {'OK' if ok_time else 'SLOW'}"
    )
    print(
        f"worst growth ratio (per-KB time, 256 KB / 1 KB): {worst_growth:.2f}"
        f" (target <= {TARGET_GROWTH}): {'OK' if ok_growth else 'NOT LINEAR'}"
    )
    for name, count in attempts.items():
        print(f"measured {count} times (over a target at first): {name}")
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if check and not (ok_growth and ok_time):
        sys.exit(1)


if __name__ == "__main__":
    main()
