"""``name <sep> value`` wherever it appears: connection strings (``PWD=...;``), kwargs, config
and ``.env`` lines, YAML, JSON and dict reprs, HTTP headers (``X-API-Key: ...``), code lines a
traceback shows (``os.environ["OPENAI_API_KEY"] = "..."``, ``.get("DB_PASSWORD", "...")``,
``getenv("TOKEN") or "..."``, ``.option("password", "...")``, ``password: str = "..."``).

Only the value is replaced, with its quotes, ``b`` prefix or ODBC braces kept, so the line keeps
its shape. Whether the name is secret and whether the value is one are decided by
:mod:`.names`; a dict or JSON object given as a value is never replaced whole: its own pairs are
redacted one by one.

The pattern is tried only where a keyword starts (``pass``, ``pw``, ``secret``, ``token``,
``key``, ``cred``, ``sig``, ``auth``, ``sas``, ``api``, found by ``bytes.find``); the rest of
the name before it is read back from the text (at most 64 characters), so a failed attempt
never scans more than a bounded window.
"""

from __future__ import annotations

import keyword
import re

from ._base import (
    BARE,
    BRACED,
    MARK,
    PLACEHOLDER,
    QUOTED,
    Rule,
    anchored_rule,
    conceal,
    keyword_start,
    listed_anchors,
    plain_entries,
    split_quotes,
)
from ._rewrite import finish
from .names import (
    NONE,
    PLACEHOLDER_WORDS,
    PROSE_WORDS,
    STRONG,
    VARIABLE_WORDS,
    classify,
    is_code_reference,
    is_path_or_url,
    is_placeholder,
    is_prose_word,
    name_facts,
    secret_value,
)

_KEYWORDS = ("pass", "pw", "secret", "token", "key", "cred", "sig", "auth", "sas", "api")


_PAIR = re.compile(
    rf"(?P<kw>{keyword_start(_KEYWORDS)})(?P<rest>[\w.\-]{{0,100}})(?P<close>[\\\"'`\]]{{0,4}})"
    r"(?P<sep>[ \t]{0,8}(?:=>|:=|==|!=|(?P<eq>=)|:(?!//)(?:[ \t]{1,8}[A-Za-z_][\w.]{0,30}"
    r"(?:\[[\w., |\[\]]{0,40}\])?[ \t]{1,4}=(?!=))?|\)[ \t]{0,4}or[ \t]{1,4}|,"
    r"""|(?P<ws>[ \t])(?=[ \t]{0,3}[bBrRuUfFN]{0,2}["']))[ \t]{0,8})"""
    rf"(?P<value>(?(eq){BRACED}|(?!))|{QUOTED}|{PLACEHOLDER}|{BARE})"
)
_WORD = r"\w"
_NAME_RUN = re.compile(r"[\w.\-]{1,100}")
_NAME_STR = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
_NAME_CHARS = frozenset(_NAME_STR)
_SPACES_THEN_PAREN = re.compile(r"\(\s{0,8}$")


def _pair(m: re.Match[str], found: list[str]) -> str | None:
    # Called once per candidate pair, often thousands of times per text: the common case (a
    # bare or quoted value after ``=``) takes the fewest steps.
    sep, value, ws = m.group("sep", "value", "ws")
    if value.startswith(MARK):
        return None
    text, start = m.string, m.start()
    name_end = m.end("rest")
    if start and text[start - 1] in _NAME_CHARS:  # read the name back, at most 64 characters
        limit = max(0, start - 64)
        name_start = limit + len(text[limit:start].rstrip(_NAME_STR))
    else:
        name_start = start
    name = text[name_start:name_end]
    strength = classify(name)
    if strength == NONE:
        return None
    opener = text[name_start - 1] if name_start else " "
    if opener == "\\":
        opener = text[name_start - 2] if name_start > 1 else " "
    elif opener in "\"'" and name_start > 1 and text[name_start - 2] == "\\":
        opener = "'"  # \"name\": the escaped quote counts as a quote
    if ws is not None and opener in "\"'":
        return None  # "name" "value": two strings, not a pair
    sep = sep.strip()
    split = split_quotes(value)
    opener_, inner = split[0], split[1]
    quoted = opener_ not in ("", "{")
    if sep in (",", "==", "!=") or sep[:1] == ")":
        # ``f("NAME", "value")``, ``x == "value"``, ``getenv("NAME") or "value"``: literals only
        if not quoted:
            return None
        call = _SPACES_THEN_PAREN.search(text, max(0, name_start - 10), max(0, name_start - 1))
        if sep == "," and not (opener in "\"'" and call):
            return None
    if opener_ == "{":
        # ODBC braces; ``{"a": ...}`` is an object whose own pairs are redacted one by one
        if value.startswith("{{") or inner.lstrip()[:1] in ('"', "'", "{"):
            return None
        if not inner or inner.isdigit() or is_code_reference(inner, name):
            return None  # a format placeholder: f"...PWD={password}"
    elif not quoted:
        end = m.end()
        following = text[end : end + 1]
        if following == "(" or following == "[":
            return None  # a call or a subscript: secret = client.get_secret(...)
        if sep == ":":
            if opener not in "\"'" and is_prose_word(inner):
                return None  # Invalid token: expired
            quoted = True  # YAML and headers hold values, not variable names
    if not secret_value(strength, name, inner, quoted):
        return None
    found.append(inner)  # what masked() does, inline: this line runs once per secret
    return f"{text[start : m.start('value')]}{opener_}{MARK}{split[2]}"


PLAIN_PAIRS = anchored_rule("key-value", _KEYWORDS, _PAIR, _pair, resume="sep", skip=_NAME_RUN)
"""The rule as written: ``_PAIR`` tried at every anchor, ``_pair`` deciding. :data:`PAIRS` gives
the same result faster; ``tests/redact/test_pairs_fast.py`` compares the two."""

# The fast path. One pattern, tried at the same anchors: a first branch matches only the
# commonest pairs (``=`` or ``:``, then a bare value or a plain quoted one) so that the loop
# below decides them with a few ``str`` tests (the name read back as ``_pair`` reads it; the
# opener before it only matters for ``name: word``, left to ``_pair``); every other pair goes
# to the second branch, which is ``_PAIR``'s tail, and to ``_pair``.
# Why a first-branch match is a match of ``_PAIR`` with the same name, separator and value:
# - the name is the run of name characters from the anchor, read once (a look-ahead and a
#   back-reference): ``_PAIR``'s ``rest`` can only end where the run ends (a separator cannot
#   start at a name character), and ``close`` likewise; the anchor is an ASCII keyword, which
#   ``kw`` matches, so only ``rest``'s bound of 100 is left to check (in the loop);
# - the value starts with an ASCII letter, a digit or a quote, so the separator is not ``=>``,
#   ``==``, ``:=`` or ``://`` (which ``_PAIR`` tries first) and no ``{``/``${``/``%(`` value;
#   ``:`` is not a type annotation (a look-ahead);
# - a bare value is ``BARE``'s own class, so it ends where ``BARE`` ends; only a one- or
#   two-letter one before a quote can be a ``QUOTED`` prefix (``b'...'``: left to ``_pair``);
# - a quoted one holds no backslash, so it ends at its first quote, as ``QUOTED`` does.
_ANNOTATION = r"[ \t]{1,8}[A-Za-z_][\w.]{0,30}(?:\[[\w., |\[\]]{0,40}\])?[ \t]{1,4}=(?!=)"
_FAST = re.compile(
    r"(?=(?P<rest>[\w.\-]{1,106}))(?P=rest)(?=(?P<close>[\\\"'`\]]{0,4}))(?P=close)"
    rf"(?:[ \t]{{0,8}}(?:=|(?P<fcolon>:)(?!{_ANNOTATION}))[ \t]{{0,8}}"
    r"""(?:(?P<fbare>[0-9A-Za-z][^\s;,'"`<>(){}\[\]|]{0,511})"""
    r"""|(?P<fquoted>'[0-9A-Za-z][^'\\\n]{0,2047}'|"[0-9A-Za-z][^"\\\n]{0,2047}"))"""
    rf"|{_PAIR.pattern[_PAIR.pattern.index('(?P<sep>') :]})"
)
_REST, _COLON, _QUOTED, _TAIL = (
    _FAST.groupindex[g] for g in ("rest", "fcolon", "fquoted", "value")
)  # m.lastindex: fbare or fquoted for the first branch, value for the second
_KEYWORD_LENGTH = {k[:2]: len(k) for k in _KEYWORDS}  # two letters tell the keyword
_CODE_WORDS = frozenset(
    {*(k for k in keyword.kwlist if k.islower()), "self", "cls", *VARIABLE_WORDS}
)
# An alphanumeric value not among these words (lowercased) is no placeholder, no prose and no
# keyword or credential word; none is longer than _SPECIAL_MAX, and lower() never shortens.
_SPECIAL = PLACEHOLDER_WORDS | PROSE_WORDS | _CODE_WORDS
_SPECIAL_MAX = max(map(len, _SPECIAL))
_CALL = frozenset("([")
_QUOTE_NEXT = frozenset("\"'`\\")
_ENTRIES = plain_entries(_KEYWORDS)  # what anchored_rule lists


def _placeholder(value: str) -> bool:
    """``is_placeholder`` for a value that starts with an ASCII letter or digit: only its
    words, compared lowercased (none is longer than 9), and a run of 3 to 64 ``x`` can be."""
    if value[0] in "xX":
        return 3 <= len(value) <= 64 and not value.strip("xX")
    return len(value) <= 9 and value.lower() in PLACEHOLDER_WORDS


def _apply(text: str, found: list[str]) -> str:
    """``PLAIN_PAIRS.apply``: the same anchors and resume points (a refused pair resumes at its
    value, a failed anchor after its name run); first-branch pairs decided inline with
    ``secret_value``'s tests for a strong name (``is_placeholder`` and ``is_code_reference``'s
    lowercase-identifier case inlined: a keyword, ``self``, a credential word, the name)."""
    positions = listed_anchors(text, found, _ENTRIES)
    match = _FAST.match
    if not positions or (len(positions) == 1 and match(text, positions[0]) is None):
        return text
    skip, pair_match, facts, name_chars = _NAME_RUN.match, _PAIR.match, name_facts, _NAME_CHARS
    rest, colon, quoted, tail, none, strong = _REST, _COLON, _QUOTED, _TAIL, NONE, STRONG
    calls, quote_next, code_words = _CALL, _QUOTE_NEXT, _CODE_WORDS
    placeholders, prose, special, special_max = (
        PLACEHOLDER_WORDS,
        PROSE_WORDS,
        _SPECIAL,
        _SPECIAL_MAX,
    )
    parts: list[str] = []
    append = parts.append
    last = pos = 0
    for p in positions:
        if p < pos:
            continue
        m = match(text, p)
        if m is None:
            pos = skip(text, p).end()  # type: ignore[union-attr]
            continue
        name_end = m.end(rest)
        if name_end - p > 102 and name_end - p - _KEYWORD_LENGTH[text[p : p + 2].lower()] > 100:
            pos = skip(text, p).end()  # type: ignore[union-attr]  # past _PAIR's bound
            continue
        kind = m.lastindex
        if kind != tail:
            if p and text[p - 1] in name_chars:  # read the name back, as _pair does
                limit = p - 64 if p > 64 else 0
                name = text[limit + len(text[limit:p].rstrip(_NAME_STR)) : name_end]
            else:
                name = text[p:name_end]
            strength, low = facts(name)
            value_start, end = m.span(kind)  # type: ignore[arg-type]
            if strength == none:
                pos = value_start
                continue
            if strength == strong:
                if kind == quoted:
                    cut, resume = value_start + 1, end - 1
                    value = text[cut:resume]
                    if (
                        MARK in value
                        or _placeholder(value)
                        or ("/" in value and is_path_or_url(value))
                    ):
                        pos = value_start
                        continue
                else:
                    cut, resume = value_start, end
                    value = text[cut:resume]
                    following = text[end : end + 1]
                    if following in calls:
                        pos = value_start  # a call or a subscript: secret = client.get_secret(...)
                        continue
                    n = len(value)
                    if (
                        value.isalnum()
                        and not (n <= 2 and following in quote_next)
                        and not (n <= special_max and value.lower() in special)
                    ):  # the usual value: no path, no placeholder word, no prose, no keyword
                        if value[0] in "xX" and 3 <= n <= 64 and not value.strip("xX"):
                            pos = value_start  # a placeholder
                            continue
                        if (
                            m.start(colon) < 0
                            and not value[0].isdigit()
                            and (
                                value == low
                                if n <= 81 and value.islower()
                                else is_code_reference(value, name)
                            )
                        ):
                            pos = value_start  # ``password=password``: a variable
                            continue
                    elif (n <= 2 and following in quote_next) or "/" in value or "\\" in value:
                        cut = -1  # b'...' (a QUOTED prefix), a path: _pair decides
                    elif (n <= 9 and value.lower() in placeholders) or (
                        value[0] in "xX" and 3 <= n <= 64 and not value.strip("xX")
                    ):
                        pos = value_start
                        continue
                    elif m.start(colon) >= 0:
                        if value.lower().rstrip(".,;:!") in prose:
                            cut = -1  # "Invalid token: expired", unless quoted: _pair decides
                    elif not value[0].isdigit() and (
                        (value in code_words or value == low)
                        if n <= 81 and value.isalnum() and value.islower()
                        else is_code_reference(value, name)
                    ):
                        pos = value_start  # ``password=password``: a variable
                        continue
                if cut >= 0:
                    found.append(value)
                    append(text[last:cut])
                    append(MARK)
                    last, pos = resume, end
                    continue
        if kind != tail:
            m = pair_match(text, p)  # the same match, with the groups _pair reads
            assert m is not None
        new = _pair(m, found)
        if new is None:
            pos = m.end("sep")
        else:
            append(text[last:p])
            append(new)
            last = pos = m.end()
    return finish(parts, text, last)


PAIRS = Rule("key-value", PLAIN_PAIRS.gate, (_FAST, _PAIR), _apply, anchored=PLAIN_PAIRS.anchored)


# "with credentials alice:<password>", "using auth svc:<password>", "login alice:<password>".
_USER_COLON = re.compile(
    rf"(?P<head>{keyword_start(('credentials', 'credential', 'creds', 'auth', 'login'), _WORD)}"
    r"[ \t]{1,4}(?P<user>[^\s:'\"@/]{1,64}):)(?P<pw>[^\s'\"@,;)]{1,256})"
)


def _user_colon(m: re.Match[str], found: list[str]) -> str | None:
    pw = m.group("pw")
    if pw.startswith(MARK) or pw.isdigit() or pw.startswith("//") or is_placeholder(pw):
        return None  # host:8080, scheme://
    return f"{m.group('head')}{conceal(found, pw)}"


USER_COLON_PASSWORD = anchored_rule(
    "key-value",
    ("credential", "creds", "auth", "login"),
    _USER_COLON,
    _user_colon,
    not_after=_WORD,
)
