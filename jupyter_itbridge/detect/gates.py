"""Substring gates for catalog regexes: the literal words a pattern cannot match without.

Most errors contain none of a signature's words, and ``word in text`` (a C substring search) is
much cheaper than running a regex over a long message. Each signature's gates are derived from
its own regex (the leading literal of every top-level alternative), so they can never disagree
with it; a pattern whose alternatives do not all start with a literal of at least
:data:`MIN_GATE` characters gets no gate and is always run.
"""

from __future__ import annotations

import re
from typing import Any

try:  # the regex parser is private; without it every pattern simply runs ungated
    from re import _parser as _sre_parse  # type: ignore[attr-defined,unused-ignore]
    from re._constants import (  # type: ignore[import-not-found,unused-ignore]
        AT,
        BRANCH,
        IN,
        LITERAL,
        SUBPATTERN,
    )
except ImportError:  # pragma: no cover - Python 3.10
    try:
        import sre_parse as _sre_parse  # type: ignore[no-redef,unused-ignore]
        from sre_constants import (  # type: ignore[no-redef,unused-ignore]
            AT,
            BRANCH,
            IN,
            LITERAL,
            SUBPATTERN,
        )
    except ImportError:
        _sre_parse = None

MIN_GATE = 3
#: Below this length a regex costs less than checking its gates: short texts are not gated.
MIN_GATED_TEXT = 512


def _leading_literal(
    items: list[tuple[Any, Any]], ignore_case: bool
) -> list[tuple[str, bool]] | None:
    """Gates for one sequence: its leading literal, continued into a leading group or
    alternation (the parser factors common prefixes out of alternatives: ``ab|ac`` is
    ``a(?:b|c)``)."""
    text: list[str] = []
    for op, arg in items:
        if op is AT and not text:
            continue  # ^, \b before anything: no character consumed
        if op is LITERAL:
            text.append(chr(arg))
            continue
        if op is IN and len(arg) == 1 and arg[0][0] is LITERAL:
            text.append(chr(arg[0][1]))
            continue
        nested = None
        if op is SUBPATTERN:
            _group, add_flags, _del_flags, sub = arg
            nested = _gates_of(list(sub), ignore_case or bool(add_flags & re.IGNORECASE))
        elif op is BRANCH:
            nested = _gates_of([(op, arg)], ignore_case)
        if nested is not None:
            prefix = "".join(text)
            return [(prefix + word, ic or ignore_case) for word, ic in nested]
        break
    word = "".join(text)
    if len(word) < MIN_GATE:
        return None
    return [(word, ignore_case)]


def _gates_of(items: list[tuple[Any, Any]], ignore_case: bool) -> list[tuple[str, bool]] | None:
    if len(items) == 1 and items[0][0] is BRANCH:
        out: list[tuple[str, bool]] = []
        for branch in items[0][1][1]:
            gates = _leading_literal(list(branch), ignore_case)
            if gates is None:
                return None
            out.extend(gates)
        return out
    return _leading_literal(items, ignore_case)


def gates_for(pattern: str) -> tuple[tuple[str, ...], bool] | None:
    """(gates, case_insensitive) for ``pattern``, or None when it cannot be gated."""
    if not pattern or _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:
        return None
    gates = _gates_of(list(parsed), bool(parsed.state.flags & re.IGNORECASE))
    if not gates:
        return None
    # One case-insensitive part makes the whole gate compare lower-cased text: a lower-cased
    # match is still a necessary condition for the case-sensitive parts.
    fold = any(ic for _, ic in gates)
    words = [w.lower() if fold else w for w, _ in gates]
    return tuple(dict.fromkeys(words)), fold


def contains_gate(gates: tuple[tuple[str, ...], bool] | None, text: str) -> bool:
    """Does ``text`` contain one of the gates (case-folded when the pattern ignores case)?"""
    if gates is None:
        return True
    words, fold = gates
    haystack = text.lower() if fold else text
    return any(word in haystack for word in words)


def opened(gates: tuple[tuple[str, ...], bool] | None, text: str) -> bool:
    """Should the regex run on ``text``? Short texts always (cheaper than the gate)."""
    return len(text) < MIN_GATED_TEXT or contains_gate(gates, text)
