"""Redaction runs in time linear in its input (a request body may hold 256 KiB, and one slow
body would hold the server).

Two guards: a static one (every quantifier of every redaction pattern is bounded, and nested
bounds stay small, so no attempt at one position can take more than a bounded number of steps)
and a dynamic one (256 KiB of each adversarial shape, with a budget a quadratic rule misses by
orders of magnitude: the rule this replaced took 1.9 s at 28,000 characters here, which
extrapolates to minutes at 256 KiB; the linear rules take milliseconds). Timing ratios are left
to bench/bench_redact.py, where load on the machine is visible.
"""

from __future__ import annotations

import re
import time
from types import ModuleType

import pytest
from redact.shapes import SHAPES  # type: ignore[import-not-found]

import jupyter_itbridge.redact as redact_pkg
from jupyter_itbridge.redact import (
    RULES,
    _base,
    _rewrite,
    calls,
    cli,
    files,
    headers,
    names,
    objects,
    pairs,
    redact,
    tokens,
    urls,
)

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MODULES: tuple[ModuleType, ...] = (
    _base,
    _rewrite,
    calls,
    cli,
    files,
    headers,
    names,
    objects,
    pairs,
    tokens,
)
MODULES += (urls, redact_pkg)
MAX_NESTED = 20_000  # product of the bounds of nested repeats
SIZE = 256 * 1024
BUDGET_S = 3.0  # per 256 KiB call; the linear rules take 5-150 ms on a loaded 2-core machine
_REPEATS = {
    sre_constants.MAX_REPEAT,
    sre_constants.MIN_REPEAT,
    *([sre_constants.POSSESSIVE_REPEAT] if hasattr(sre_constants, "POSSESSIVE_REPEAT") else []),
}


def _all_patterns() -> list[re.Pattern[str]]:
    found: dict[int, re.Pattern[str]] = {}
    for rule in RULES:
        for pattern in rule.patterns:
            found[id(pattern)] = pattern
    for module in MODULES:
        for value in vars(module).values():
            if isinstance(value, re.Pattern):
                found[id(value)] = value
    return list(found.values())


def _walk(items: object, depth_product: int, problems: list[str]) -> None:
    """Visit a parsed pattern; record unbounded repeats and nested bounds that multiply past
    MAX_NESTED (``(a{0,100}){0,1000}``)."""
    for op, av in items:  # type: ignore[attr-defined]
        if op in _REPEATS:
            low, high, sub = av
            if high == sre_constants.MAXREPEAT:
                problems.append(f"unbounded repeat {{{low},}}")
                high = 1
            product = depth_product * max(high, 1) if high > 1 else depth_product
            if product > MAX_NESTED:
                problems.append(f"nested repeat bounds multiply to {product}")
            _walk(sub, product, problems)
        elif op is sre_constants.SUBPATTERN:
            _walk(av[-1], depth_product, problems)
        elif op is sre_constants.BRANCH:
            for alternative in av[1]:
                _walk(alternative, depth_product, problems)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            _walk(av[1], depth_product, problems)
        elif op is getattr(sre_constants, "ATOMIC_GROUP", None):
            _walk(av, depth_product, problems)


def test_the_static_check_catches_what_it_should() -> None:
    for bad in (r"a+", r"[\w.-]*@", r"(?:ab){2,}", r"(?:a{0,200}b){0,200}", r"(x|y)*z"):
        problems: list[str] = []
        _walk(sre_parse.parse(bad), 1, problems)
        assert problems, bad
    problems = []
    _walk(sre_parse.parse(r"(?:[^\"\\\n]|\\.){0,2048}"), 1, problems)
    assert not problems


@pytest.mark.parametrize("pattern", _all_patterns(), ids=lambda p: p.pattern[:50])
def test_every_quantifier_is_bounded(pattern: re.Pattern[str]) -> None:
    problems: list[str] = []
    _walk(sre_parse.parse(pattern.pattern, pattern.flags), 1, problems)
    assert not problems, f"{problems} in {pattern.pattern[:200]!r}"


def test_every_module_of_the_package_is_checked() -> None:
    submodules = {
        name
        for name, value in vars(redact_pkg).items()
        if isinstance(value, ModuleType) and value.__name__.startswith("jupyter_itbridge.redact.")
    }
    checked = {m.__name__.rsplit(".", 1)[-1] for m in MODULES if m is not redact_pkg}
    assert submodules <= checked, submodules - checked


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_adversarial_input_within_budget(shape: str) -> None:
    text = SHAPES[shape](SIZE)
    assert len(text) == SIZE
    start = time.perf_counter()
    out = redact(text)
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_S, f"{shape}: {elapsed:.2f} s for 256 KiB"
    assert redact(out) == out


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.family}:{r.patterns[0].pattern[:30]}")
def test_each_rule_alone_within_budget(rule: _base.Rule) -> None:
    """Every rule, gates bypassed, on every shape at 64 KiB: a rule that is only reached on
    some inputs (behind its gate) must be linear too."""
    for shape, make in SHAPES.items():
        text = make(64 * 1024)
        start = time.perf_counter()
        rule.apply(text, _base.Found())
        elapsed = time.perf_counter() - start
        assert elapsed < BUDGET_S / 2, f"{rule.family} on {shape}: {elapsed:.2f} s for 64 KiB"
