"""The scan loops every rule shares: ``re.sub`` with a resume point.

Why a hand-written loop instead of ``re.sub``: a rule's pattern often has to read past a name to
see whether it names a secret (``KeyError: password=...``). When the callback says "not a
secret", ``re.sub`` would resume *after* the value and skip a real secret inside it; the loop
resumes where the rule says (usually at the value), so nothing is skipped and no character is
scanned more than a bounded number of times.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

# A callback gets the match and the list of secrets found so far (to append to); it returns the
# replacement for the whole match, ``(start, replacement)`` to also replace text just before the
# match (a pattern that starts at a literal and reads its head back), or None to leave it alone.
Repl = Callable[["re.Match[str]", list[str]], "str | tuple[int, str] | None"]


def rewrite(
    text: str,
    next_match: Callable[[int], re.Match[str] | None],
    repl: Repl,
    found: list[str],
    resume: str,
) -> str:
    """``re.sub`` with a resume point: ``next_match(pos)`` gives the next candidate at or after
    ``pos``; when ``repl`` declines one, the search continues at the end of group ``resume``
    (or just after the match start) instead of after the match."""
    parts: list[str] = []
    last = pos = 0
    while (m := next_match(pos)) is not None:
        new = repl(m, found)
        start, end = m.span()
        if new is None:
            pos = m.end(resume) if resume and m.start(resume) >= 0 else start + 1
            pos = max(pos, start + 1)
            continue
        if isinstance(new, tuple):
            start, new = max(new[0], last), new[1]
        parts.append(text[last:start])
        parts.append(new)
        last = end
        pos = max(end, start + 1)
    return finish(parts, text, last)


def scan(pattern: re.Pattern[str], text: str, repl: Repl, found: list[str], resume: str) -> str:
    """:func:`rewrite` over the matches of ``pattern.search``."""
    return rewrite_at(text, None, pattern, None, repl, found, resume)


def rewrite_at(
    text: str,
    positions: list[int] | None,
    pattern: re.Pattern[str],
    skip: re.Pattern[str] | None,
    repl: Repl,
    found: list[str],
    resume: str,
) -> str:
    """:func:`rewrite` over ``pattern.match`` at each of the sorted ``positions`` (None: over
    ``pattern.search``), in one loop: the same matches and resume points as :func:`rewrite`
    without a Python call per candidate (a dense text has one every few characters). A ``skip``
    run only moves the search point up to the next match's start, which the resume point after
    that match passes anyway."""
    parts: list[str] = []
    append = parts.append
    match, search = pattern.match, pattern.search
    count = len(positions) if positions is not None else 0
    last = pos = index = 0
    while True:
        if positions is None:
            m = search(text, pos)
            if m is None:
                break
        elif index < count:
            p = positions[index]
            if p < pos:  # jump over the anchors inside a match or a skipped run at once
                index = bisect_left(positions, pos, index + 1)
                continue
            index += 1
            m = match(text, p)
            if m is None:
                if skip is not None:
                    pos = skip.match(text, p).end()  # type: ignore[union-attr]
                continue
        else:
            break
        new = repl(m, found)
        start, end = m.span()
        if new is None:
            pos = m.end(resume) if resume and m.start(resume) >= 0 else start + 1
            if pos <= start:
                pos = start + 1
            continue
        if isinstance(new, tuple):
            start, new = max(new[0], last), new[1]
        append(text[last:start])
        append(new)
        last = end
        pos = end if end > start else start + 1
    return finish(parts, text, last)


def finish(parts: list[str], text: str, last: int) -> str:
    """The rewritten text: ``parts`` (kept text and replacements up to ``last``) and the rest;
    ``text`` itself when nothing was replaced."""
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)
