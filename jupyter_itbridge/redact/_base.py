"""What every redaction family shares: the marker, the rule type, anchors, value forms (the
scan loops, ``re.sub`` with a resume point, are in :mod:`._rewrite`).

Linear time is a design rule here: every quantifier in every pattern is bounded (checked by
``tests/redact/test_linear.py``), and a pattern is only tried where an attempt is cheap to
refuse (at an anchor found by ``bytes.find``, after a literal prefix, after a character that
cannot start a token, after a newline), so a failed attempt costs a bounded number of steps.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ._rewrite import Repl, finish, rewrite, rewrite_at, scan

MARK = "[REDACTED]"


@dataclass(frozen=True)
class Rule:
    """One redaction rule: ``gate`` lists substrings of which one must occur in the case-folded
    text for the rule to be able to change it (None: always run). ``apply(text, found)``.
    ``anchored``: the (folded) anchors where the rule's pattern can start; the rule finds them
    itself (they are its gate), the caller need not check the gate. ``needs_run``: the rule
    only matches inside a run of that many token characters (15 for vendor tokens and JWTs,
    40 for lone keys), so a text without one skips it. ``needs``: groups of substrings; one of
    each group must occur for the rule to match (``(`` and a quote for a call with a literal),
    checked before the gate."""

    family: str
    gate: tuple[str, ...] | None
    patterns: tuple[re.Pattern[str], ...]
    apply: Callable[[str, list[str]], str]
    anchored: tuple[bytes, ...] = ()
    needs_run: int = 0
    needs: tuple[tuple[str, ...], ...] = ()


def ascii_haystack(text: str, fold: bool) -> bytes:
    """One byte per character (non-ASCII becomes ``?``), ASCII-lowercased when ``fold``: the
    positions of ``bytes.find`` on it are positions in ``text``, found at C speed."""
    hay = text.encode("ascii", "replace")
    return hay.lower() if fold else hay


_LONG_HAY = 4096  # below this, a find loop costs less than setting up a regex iteration


@lru_cache(maxsize=256)
def _literal(anchor: bytes) -> re.Pattern[bytes] | None:
    """A pattern whose non-overlapping matches are all occurrences of ``anchor`` (None when
    two occurrences can overlap, ``sas`` in ``sasas``)."""
    if any(anchor[k:] == anchor[: len(anchor) - k] for k in range(1, len(anchor))):
        return None
    return re.compile(re.escape(anchor))


def _all_from(hay: bytes, anchor: bytes, first: int) -> list[int]:
    """Every occurrence of ``anchor`` in ``hay``, the first being at ``first``."""
    literal = _literal(anchor) if len(hay) > _LONG_HAY else None
    if literal is not None:  # the iteration in C: twice as fast as a find loop on long texts
        return [m.start() for m in literal.finditer(hay, first)]
    out = [first]
    find = hay.find
    i = find(anchor, first + 1)
    while i != -1:
        out.append(i)
        i = find(anchor, i + 1)
    return out


Entry = tuple[bytes, str, "re.Pattern[bytes] | None"]  # an anchor, its word, its finder


def occurrences_of(hay: bytes, anchor: bytes, finder: re.Pattern[bytes] | None) -> list[int]:
    """Where ``anchor`` occurs in ``hay`` (only where ``finder`` matches, when given)."""
    if finder is not None and len(hay) > _LONG_HAY:
        return [m.start() for m in finder.finditer(hay)]
    i = hay.find(anchor)
    if i == -1:
        return []
    found = _all_from(hay, anchor, i)
    if finder is None:
        return found
    test = finder.match  # a short text: the few occurrences, each tested
    return [j for j in found if test(hay, j)]


def anchor_positions(hay: bytes, entries: tuple[Entry, ...]) -> list[int]:
    """Sorted positions of every anchor occurrence."""
    return sorted(p for anchor, _, finder in entries for p in occurrences_of(hay, anchor, finder))


def plain_entries(anchors: tuple[str, ...]) -> tuple[Entry, ...]:
    """The entries of ``anchors`` (lowercase ASCII words) found wherever they occur."""
    return tuple((a.encode("ascii"), a, None) for a in anchors)


def listed_anchors(text: str, found: list[str], entries: tuple[Entry, ...]) -> list[int]:
    """Sorted positions of every anchor occurrence in ``text``, through the ``Found`` cache
    when there is one (a rule called by :func:`redact`), else computed here."""
    if isinstance(found, Found):
        return found.anchor_positions(text, entries)
    return anchor_positions(ascii_haystack(text, True), entries)


def _finder(anchor: bytes, not_after: str, follow: str = "") -> re.Pattern[bytes]:
    """``anchor`` not after a character of the class ``not_after`` (the literal first: the
    engine skips to it in C) and followed by what ``follow`` allows. Non-overlapping matches
    are all of them: an overlapping occurrence follows an anchor character, in the class."""
    cls = not_after.encode("ascii")
    ahead = b"(?=" + follow.encode("ascii") + b")" if follow else b""
    finder = re.compile(
        re.escape(anchor) + b"(?<![" + cls + b"]" + re.escape(anchor) + b")" + ahead
    )
    assert all(re.fullmatch(b"[" + cls + b"]", bytes([c])) for c in anchor), anchor
    return finder


def anchored_rule(
    family: str,
    anchors: tuple[str, ...],
    pattern: re.Pattern[str],
    repl: Repl,
    resume: str = "",
    *,
    skip: re.Pattern[str] | None = None,
    candidates: Callable[[str, Callable[[], list[int]]], list[int]] | None = None,
    not_after: str = "",
    dense_search: bool = False,
    follow: dict[str, str] | None = None,
) -> Rule:
    """A rule whose pattern can only match where one of ``anchors`` starts (compared
    case-insensitively; the pattern decides about case). "Tokenise first": the anchors are found
    in C (each once per state of the text, shared by the rules that use it) and the pattern is
    only tried there: the regex engine costs tens of nanoseconds at every position it tries,
    and keyword letters are everywhere. ``skip``: when the pattern fails at an anchor, the
    anchors inside what ``skip`` matches there are not tried (a run of name characters holding
    many keywords is scanned once, not once per keyword).
    ``candidates(text, anchors)``: the sorted anchor positions worth trying, found by a C-level
    scan that refuses most of what the pattern or the callback would (``a/b@a/b@...``: one
    Python call per anchor otherwise); ``anchors()`` lists them all. It must keep every anchor
    where the rule can match, and every anchor a ``skip`` from those depends on, so that the
    rule gives the same result as without it. ``not_after``: a character class (regex syntax,
    ASCII) that the pattern refuses before an anchor (a word boundary): such anchors are not
    even listed. ``dense_search`` (with ``not_after``): in a text dense with the anchors, one
    ``pattern.search`` replaces a match per anchor; worth it only for a pattern that starts
    with a literal (the engine skips to it in C; a leading class of common letters is slower
    to search than the anchors are to try). ``follow`` (with ``not_after``): per anchor, a
    look-ahead (bytes regex on the lowercased ASCII text, where ``?`` stands for any non-ASCII
    character) that every match at that anchor satisfies; other occurrences are not listed."""
    words = tuple(a.lower() for a in anchors)
    raw = tuple(a.encode("ascii") for a in words)
    follow = follow or {}
    finders = tuple(
        _finder(a, not_after, follow.get(a.decode(), "")) if not_after else None for a in raw
    )
    entries = tuple(zip(raw, words, finders, strict=True))

    def apply(text: str, found: list[str]) -> str:
        if candidates is not None:
            positions = candidates(text, lambda: listed_anchors(text, found, entries))
        else:
            positions = listed_anchors(text, found, entries)
        if not positions or (len(positions) == 1 and pattern.match(text, positions[0]) is None):
            return text  # the usual cases for a short message: no anchor, one that fails
        if dense_search and len(text) > _LONG_HAY and len(positions) * _DENSE > len(text):
            return rewrite(text, _searcher(text, pattern, positions), repl, found, resume)
        return rewrite_at(text, positions, pattern, skip, repl, found, resume)

    return Rule(family, words, (pattern,), apply, anchored=raw)


_DENSE = 128  # anchors per character above which one regex search beats a match per anchor


def _searcher(
    text: str, pattern: re.Pattern[str], positions: list[int]
) -> Callable[[int], re.Match[str] | None]:
    """``next_match`` for a text dense with anchors: ``pattern.search`` tries every position
    in C, and a match found where no anchor starts (``re.I`` also folds some non-ASCII letters
    onto keyword letters) is passed over, so the matches are those of a match per anchor."""
    search, count = pattern.search, len(positions)

    def next_match(pos: int) -> re.Match[str] | None:
        while (m := search(text, pos)) is not None:
            start = m.start()
            i = bisect_left(positions, start)
            if i < count and positions[i] == start:
                return m
            pos = start + 1
        return None

    return next_match


def line_rule(family: str, gate: tuple[str, ...] | None, pattern: str, repl: Repl) -> Rule:
    """A rule for whole lines (``pattern`` matches from a line start to its end), tried at the
    text start and after each ``\\n`` found by a literal-prefix search (a ``^`` with
    ``re.M`` would make the engine try every position)."""
    first = re.compile(rf"(?:{pattern})(?=\n|$)")
    after_nl = re.compile(rf"\n(?:{pattern})(?=\n|$)")

    def apply(text: str, found: list[str]) -> str:
        parts: list[str] = []
        last = 0
        m = first.match(text)
        while True:
            if m is not None:
                new = repl(m, found)
                if new is not None:
                    start = m.start()
                    if isinstance(new, tuple):
                        start, new = max(new[0], last), new[1]
                    parts.append(text[last:start])
                    parts.append(new)
                    last = m.end()
            nl = after_nl.search(text, m.end() if m is not None else 0)
            if nl is None:
                return finish(parts, text, last)
            m = first.match(text, nl.start() + 1)

    return Rule(family, gate, (first, after_nl), apply)


def regex_rule(
    family: str,
    gate: tuple[str, ...] | None,
    pattern: re.Pattern[str],
    repl: Repl,
    resume: str = "",
    *,
    needs_run: int = 0,
) -> Rule:
    """A rule made of one pattern and one callback (see :func:`scan`)."""

    def apply(text: str, found: list[str]) -> str:
        return scan(pattern, text, repl, found, resume)

    return Rule(family, gate, (pattern,), apply, needs_run=needs_run)


_ANSI = re.compile(r"\x1b\[[0-?]{0,32}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\\\)?")


def strip_ansi(text: str) -> str:
    """Colour codes (IPython colours traceback code lines) would split ``password="..."`` and
    hide it from every rule; a ticket has no use for them either."""
    return _ANSI.sub("", text) if "\x1b" in text else text


def keyword_start(keywords: tuple[str, ...], boundary: str = "", *, regex: bool = False) -> str:
    """A case-insensitive alternation of ``keywords`` that begins with one character class, so
    that the regex engine skips, in C, every position where no keyword can start (a pattern
    that begins with a look-behind, ``\\b`` or ``re.I`` literals is tried at every position).
    ``boundary``: a character class that must not precede the keyword (a 2-wide look-behind
    placed after the first character keeps the C-level skip). ``regex``: the keywords are
    patterns (each starting with a plain letter), not literals."""
    by_first: dict[str, list[str]] = {}
    for kw in keywords:
        by_first.setdefault(kw[0].lower(), []).append(kw[1:] if regex else re.escape(kw[1:]))
    first = "".join(sorted({c for k in by_first for c in (k, k.upper())}))
    guard = f"(?<![{boundary}].)" if boundary else ""
    branches = "|".join(
        f"(?<=[{c}{c.upper()}])(?i:{'|'.join(rests)})" for c, rests in sorted(by_first.items())
    )
    return f"[{first}]{guard}(?:{branches})"


class Found(list[str]):
    """The secrets found so far in one ``redact`` call, plus what is computed once per state of
    the text: its ASCII haystacks and where each anchor occurs (a rule that changes nothing
    returns the same object, so they serve every rule until one changes the text; rules share
    anchors such as ``password`` or ``secret``)."""

    __slots__ = ("_hay_text", "_hays", "_memo", "_occurrences", "present")

    def __init__(self) -> None:
        super().__init__()
        self._hay_text: str | None = None
        self._hays: dict[bool, bytes] = {}
        self._occurrences: dict[bytes | re.Pattern[bytes], list[int]] = {}
        self._memo: dict[tuple[str, ...], bool] = {}
        # the gate words that occur in the text (short texts), or None: an anchor not among
        # them needs no search. Kept across changes: a rule only ever inserts MARK.
        self.present: set[str] | None = None

    def _reset(self, text: str) -> None:
        self._hay_text, self._hays, self._occurrences, self._memo = text, {}, {}, {}

    def anchor_positions(self, text: str, entries: tuple[Entry, ...]) -> list[int]:
        if text is not self._hay_text:
            self._reset(text)
        hay = self.haystack(text, True)
        occurrences, present = self._occurrences, self.present
        positions: list[int] = []
        lists = 0
        for anchor, word, finder in entries:
            if present is not None and word not in present:
                continue
            key = finder or anchor
            found = occurrences.get(key)
            if found is None:
                i = hay.find(anchor)
                if i == -1:  # the usual case
                    found = []
                elif finder is None:
                    found = _all_from(hay, anchor, i)
                else:
                    found = occurrences_of(hay, anchor, finder)
                occurrences[key] = found
            if found:
                positions += found
                lists += 1
        if lists > 1:
            positions.sort()
        return positions

    def mentions(self, text: str, words: tuple[str, ...]) -> bool:
        """Whether ``text`` contains one of ``words`` (lowercase), computed once per text."""
        if text is not self._hay_text:
            self._reset(text)
        hit = self._memo.get(words)
        if hit is None:
            hay = self.haystack(text, True)
            hit = self._memo[words] = any(w.encode() in hay for w in words)
        return hit

    def haystack(self, text: str, fold: bool) -> bytes:
        if text is not self._hay_text:
            self._reset(text)
        hay = self._hays.get(fold)
        if hay is None:
            hay = self._hays[fold] = ascii_haystack(text, fold)
        return hay


def conceal(found: list[str], secret: str) -> str:
    """Record ``secret`` (so that its echoes elsewhere in the text go too) and return MARK."""
    found.append(secret)
    return MARK


# Value forms after a separator. Quoted strings stop at their own quote or a newline, braces
# (ODBC, where ``}}`` escapes a brace) at a newline, bare words at whitespace or punctuation:
# every form is bounded, so a missing closing quote costs a bounded scan.
QUOTED = (
    r"""[bBrRuUfFN]{0,2}(?:"(?:[^"\\\n]|\\.){0,2048}"|'(?:[^'\\\n]|\\.){0,2048}'"""
    r"""|`[^`\n]{0,2048}`|\\"[^"\\\n]{0,2048}\\"|\\'[^'\\\n]{0,2048}\\')"""
)  # the last two: quotes escaped inside another string (JSON in JSON, a repr in a repr)
BRACED = r"\{(?:[^}\n]|\}\}){0,256}\}"
BARE = r"""[^\s;,'"`<>(){}\[\]|][^\s;,'"`<>(){}\[\]|]{0,511}"""
# Shell and format placeholders, matched whole so that ``${DB_PASSWORD}`` is not read as "$".
PLACEHOLDER = r"\$\{[A-Za-z_]\w{0,60}\}|%\(\w{1,60}\)[sd]"
VALUE = rf"(?:{BRACED}|{QUOTED}|{PLACEHOLDER}|{BARE})"

_QUOTE_OPEN = re.compile(r"""[bBrRuUfFN]{0,2}\\?["'`]""")
_OPENERS = frozenset("{bBrRuUfFN\\\"'`")  # what a quoted or braced value can start with


def split_quotes(value: str) -> tuple[str, str, str]:
    """``b"abc"`` -> (``b"``, ``abc``, ``"``); ``\\"abc\\"`` -> (``\\"``, ``abc``, ``\\"``);
    ``{x}`` -> (``{``, ``x``, ``}``); a bare value -> ("", value, "")."""
    if value[:1] not in _OPENERS:
        return "", value, ""
    if value[:1] == "{" and value[-1:] == "}" and len(value) >= 2:
        return "{", value[1:-1], "}"
    m = _QUOTE_OPEN.match(value)
    if m:
        end = m.end()
        quote = value[end - 1]
        closer = "\\" + quote if value[end - 2 : end - 1] == "\\" else quote
        if len(value) >= end + len(closer) and value.endswith(closer):
            return value[:end], value[end : len(value) - len(closer)], closer
    return "", value, ""


def masked(value: str, found: list[str], split: tuple[str, str, str] | None = None) -> str:
    """The value form with its content replaced by MARK (quotes, ``b`` prefix, braces kept)."""
    opener, inner, closer = split or split_quotes(value)
    return f"{opener}{conceal(found, inner)}{closer}"
