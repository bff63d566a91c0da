"""Secret redaction for everything a request carries (preview in the kernel, storage on the server).

Why here and pure: the kernel redacts before the user sees the preview, and the server redacts
again before anything is stored or sent, with the very same rules; ``redact(redact(x)) ==
redact(x)``, so the preview is byte-for-byte what is stored. Stdlib only; the patterns are
compiled once at import, and each rule runs only when a cheap substring gate says it could
match, so redaction stays cheap on every traceback.

The rules keep enough context for IT to understand the problem (``postgresql://u:[REDACTED]@h``,
``PWD=[REDACTED]``, ``Authorization: Bearer [REDACTED]``) and drop only the secret itself. One
module per family; ``docs/hub.md`` lists every family, its rule and its known limits. Every rule
runs in time linear in the input (bounded quantifiers only; ``tests/redact/test_linear.py``).

The rules read the text without ANSI colour codes (they would split a ``password="..."`` in
a coloured traceback line); text in which nothing was found comes back byte-for-byte. After
the rules, every secret they found is also removed wherever else it appears in the text (a
password a traceback shows in a code line and again in the error message).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from . import calls, cli, files, headers, pairs, tokens, urls
from ._base import MARK, Found, Rule, strip_ansi
from .objects import is_secret_name
from .objects import redact_obj as _redact_obj

__all__ = ["MARK", "RULES", "is_secret_name", "redact", "redact_obj"]

_QUOTES = ("'", '"', "`")


def _needing(rule: Rule, *groups: tuple[str, ...]) -> Rule:
    return dataclasses.replace(rule, needs=groups)


# Order matters: whole-token shapes first (a token inside a URL or a pair goes whole), then
# URLs, headers and command lines, then the generic key/value family, then file formats.
RULES: tuple[Rule, ...] = (
    tokens.PEM,
    tokens.PUTTY,
    tokens.JWT,
    tokens.PREFIXED,
    tokens.SHAPED,
    tokens.BOT_TOKENS,
    tokens.TELEGRAM,
    tokens.AWS_KEY_ID,
    tokens.AZURE_CLIENT_SECRET,
    urls.WEBHOOK,
    _needing(urls.USERINFO, ("@",)),
    urls.HOST_ECHO,
    urls.QUERY,
    headers.AUTHORIZATION,
    headers.BEARER,
    headers.COOKIE,
    *(_needing(rule, ("-p", "-a")) for rule in cli.SHORT_FLAGS),
    cli.USER_PASS,
    cli.OPENSSL_PASS,
    cli.PIPED,
    cli.HERE_STRING,
    _needing(cli.FLAG, ("-",)),
    cli.CONFIG_SET,
    _needing(files.SQL, (*_QUOTES, "identified")),
    _needing(calls.CALLS, ("(",), _QUOTES),
    _needing(calls.TUPLES, ("(", "["), _QUOTES),
    _needing(calls.DEFAULTS, ("(",), _QUOTES),
    pairs.PAIRS,
    pairs.USER_COLON_PASSWORD,
    files.NETRC,
    files.PGPASS,
    _needing(files.PROPERTIES, (".",)),
    files.XML,
    urls.ORACLE,
    tokens.LONE_BASE64,
)

# Vendor tokens and JWTs are runs of 15+ of these characters (the shortest, xoxb-..., has 15),
# lone keys of 40+; tried after each other character, so each word is scanned once.
_RUN = "A-Za-z0-9_\\-+/=.~:"
_RUNS = tuple(
    (n, re.compile(f"[{_RUN}]{{{n}}}"), re.compile(f"[^{_RUN}][{_RUN}]{{{n}}}")) for n in (15, 40)
)


def _token_run(text: str) -> int:
    """The longest of the run lengths 15 and 40 that the text has (0: neither)."""
    best = 0
    for n, first, after in _RUNS:
        if first.match(text) is None and after.search(text) is None:
            break
        best = n
    return best


_SHORT = 4096
_PLAN = tuple((rule.apply, rule.needs_run, rule.needs) for rule in RULES)
_ALWAYS = tuple(i for i, rule in enumerate(RULES) if rule.gate is None)
_GATE_WORDS = sorted({w for rule in RULES if rule.gate for w in rule.gate}, key=lambda w: -len(w))
_RULES_BY_WORD = {
    word: tuple(i for i, rule in enumerate(RULES) if rule.gate and word in rule.gate)
    for word in _GATE_WORDS
}
# Every gate word that starts where a longer one does is a prefix of it.
_PREFIXES = {word: tuple(w for w in _GATE_WORDS if word.startswith(w)) for word in _GATE_WORDS}


def _scan_pattern(words: list[str]) -> re.Pattern[str]:
    """One scan for all gate words of a short text: at each position, the longest word that
    starts there (one branch per first character, so a position costs a few comparisons)."""
    by_first: dict[str, list[str]] = {}
    for word in words:  # longest first
        by_first.setdefault(word[0], []).append(re.escape(word[1:]))
    branches = "|".join(
        f"{re.escape(c)}(?:{'|'.join(rests)})" for c, rests in sorted(by_first.items())
    )
    return re.compile(f"(?=({branches}))")


_GATE_SCAN = _scan_pattern(_GATE_WORDS)
_ECHO_MIN = 8  # shorter secrets are not searched elsewhere: "admin" would hit "administrator"
_ECHO_MAX = 64  # distinct secrets searched for per call (bounds the work on hostile input)


def _echo_worthy(secret: str) -> bool:
    """Long enough, and not a plain word that also names things (``postgres``)."""
    if len(secret) < _ECHO_MIN or MARK in secret or "\n" in secret:
        return False
    return any(not c.isalpha() for c in secret) or (len(secret) >= 12 and not secret.islower())


def _echo_length(secret: str) -> int:
    """The length of what is searched for: a ``\0@`` tail entry counts without its prefix."""
    return len(secret) - 2 if secret.startswith("\0@") else len(secret)


def _remove_echoes(text: str, found: list[str]) -> str:
    """Replace every other occurrence of the secrets the rules found (and, for a URL password
    with an ``@``, the tail a driver echoes as ``<tail>@host``). Longest first (a password
    before its own tail), equal lengths in the order found, so the kernel's preview and the
    server agree whatever the hash seed; secrets too short to be searched are dropped first (a
    dense text finds thousands)."""
    seen: set[str] = set()
    unique = [s for s in dict.fromkeys(found) if len(s) >= _ECHO_MIN or s.startswith("\0@")]
    unique.sort(key=_echo_length, reverse=True)
    for secret in unique[: _ECHO_MAX * 2]:
        if len(seen) >= _ECHO_MAX:
            break
        if secret.startswith("\0@"):
            tail = secret[2:]
            if len(tail) >= 4 and MARK not in tail and f"{tail}@" in text:
                text = text.replace(f"{tail}@", f"{MARK}@")
            continue
        if _echo_worthy(secret) and secret not in seen:
            seen.add(secret)
            if secret in text:
                text = text.replace(secret, MARK)
    return text


def _has(folded: str, group: tuple[str, ...], memo: dict[tuple[str, ...], bool]) -> bool:
    hit = memo.get(group)
    if hit is None:
        hit = memo[group] = any(w in folded for w in group)
    return hit


def redact(text: str) -> str:
    """Return ``text`` with every recognised secret replaced by ``[REDACTED]``."""
    if not text:
        return text
    original = text
    plain = text = strip_ansi(text)
    folded = text.casefold()  # what re.IGNORECASE matches, for the gates' substring search
    found = Found()
    run = _token_run(text)
    if len(folded) <= _SHORT:
        # Short texts (messages, fields): one scan finds every gate word present, and only the
        # rules they open are called (a Python-level check per rule and word would cost more
        # than the rules themselves on a 40-character message).
        present: set[str] = set()
        for word in _GATE_SCAN.findall(folded):
            present.update(_PREFIXES[word])
        found.present = present
        candidates = set(_ALWAYS)
        for word in present:
            candidates.update(_RULES_BY_WORD[word])
        for index in sorted(candidates):
            apply, needs_run, needs = _PLAN[index]
            if needs_run > run:
                continue
            if needs and not all(any(w in folded for w in group) for group in needs):
                continue
            text = apply(text, found)
    else:
        # Long texts: an anchored rule finds its anchors itself (checking them first would
        # scan the text twice); the others check their gate. Needs are checked once per group
        # (rules share them, and a search for an absent "-p" reads the whole text).
        needed: dict[tuple[str, ...], bool] = {}
        for rule in RULES:
            gate = rule.gate
            if rule.needs_run <= run and (
                rule.anchored or gate is None or any(word in folded for word in gate)
            ):
                if rule.needs and not all(_has(folded, g, needed) for g in rule.needs):
                    continue
                text = rule.apply(text, found)
    if text is plain or text == plain:
        return original  # nothing secret: byte-for-byte the input, colour codes included
    return _remove_echoes(text, found)


def redact_obj(obj: Any) -> Any:
    """Redact a JSON-like value recursively: values under secret keys become MARK, nested
    objects are walked (never replaced whole), every other string goes through :func:`redact`."""
    return _redact_obj(obj, redact)
