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
    Found,
    Rule,
    anchor_positions,
    anchored_rule,
    ascii_haystack,
    conceal,
    keyword_start,
    split_quotes,
)
from .names import (
    NONE,
    PLACEHOLDER_WORDS,
    PROSE_WORDS,
    STRONG,
    VARIABLE_WORDS,
    classify,
    is_code_reference,
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

# The fast path. One pattern, tried at the same anchors: after the name, a first branch matches
# only the commonest pairs (``=`` or ``:``, then a bare value or a plain quoted one) in a form
# whose match settles every value check ``_pair`` makes (placeholder, path, MARK, a call after
# it), so that the loop below only classifies the name; every other pair goes to the second
# branch, which is ``_PAIR``'s tail, and to ``_pair``. Why a first-branch match is one of
# ``_PAIR`` with the same groups: ``rest`` is read once (a lookahead and a back-reference: a
# shorter ``rest`` is followed by a name character, where no separator can start); a value
# starts with a letter, a digit or a quote (so the separator is not ``=>``, ``==``, ``:=`` or
# ``://``, which ``_PAIR`` tries first), ``:`` is not a type annotation; a bare value is ASCII,
# not ``b'``/``${``/``{``, and ends where ``BARE`` ends; a quoted one holds no backslash, so it
# ends at its first quote.
_BARE_END = r"(?![^\s;,'\"`<>(){}\[\]|])"
_ANNOTATION = r"[ \t]{1,8}[A-Za-z_][\w.]{0,30}(?:\[[\w., |\[\]]{0,40}\])?[ \t]{1,4}=(?!=)"


def _not_placeholder(end: str) -> str:
    """``is_placeholder`` is false for a value that starts with an ASCII letter or digit and
    ends at ``end``: not one of its words (``str.lower`` on such a value only maps the Kelvin
    sign to ASCII, which ``(?i:k)`` matches too), not a run of three or more ``x``. A branch
    per first letter, so that a value fails it at its first character."""
    by_first: dict[str, list[str]] = {}
    for word in sorted(PLACEHOLDER_WORDS, key=len, reverse=True):
        by_first.setdefault(word[0], []).append(word[1:])
    words = "|".join(
        f"[{c}{c.upper()}](?i:{'|'.join(rests)})" for c, rests in sorted(by_first.items())
    )
    return rf"(?!(?:{words}|[xX]{{3,64}}){end})"


# The value's first character is tested before the look-aheads: most failures cost one step.
_FAST_BARE = (
    rf"""(?=[0-9A-Za-z])(?![bBrRuUfFN]{{1,2}}["'`\\]){_not_placeholder(_BARE_END)}"""
    rf"[0-9A-Za-z][!#$%&*+\-.0-9:=?@A-Z^_a-z~]{{0,511}}{_BARE_END}(?![(\[])"
)
_FAST_QUOTED = "|".join(
    rf"{q}(?=[0-9A-Za-z]){_not_placeholder(q)}[0-9A-Za-z][^{q}\\\n/\[]{{0,2047}}{q}"
    for q in ("'", '"')
)
_FAST = re.compile(
    rf"(?P<kw>{keyword_start(_KEYWORDS)})(?=(?P<rest>[\w.\-]{{0,100}}))(?P=rest)"
    r"(?=(?P<close>[\\\"'`\]]{0,4}))(?P=close)"
    rf"(?:(?P<fsep>[ \t]{{0,8}}(?:=|(?P<fcolon>:)(?!{_ANNOTATION}))[ \t]{{0,8}}(?![ \t]))"
    rf"(?:(?P<fbare>{_FAST_BARE})|(?P<fquoted>{_FAST_QUOTED}))"
    rf"|{_PAIR.pattern[_PAIR.pattern.index('(?P<sep>') :]})"
)
_FAST_GROUPS = (_FAST.groupindex["fbare"], _FAST.groupindex["fquoted"])
_CODE_WORDS = frozenset(
    {*(k for k in keyword.kwlist if k.islower()), "self", "cls", *VARIABLE_WORDS}
)
_ENTRIES = tuple((k.encode("ascii"), k, None) for k in _KEYWORDS)  # what anchored_rule lists


def _apply(text: str, found: list[str]) -> str:
    """``PLAIN_PAIRS.apply``: the same anchors and resume points, the common pairs decided
    inline (a bare value after ``=`` is a variable when ``is_code_reference`` says so; its
    lowercase-identifier case is inlined: a keyword, ``self``, a credential word or the name)."""
    if isinstance(found, Found):
        positions = found.anchor_positions(text, _ENTRIES)
    else:
        positions = anchor_positions(ascii_haystack(text, True), _ENTRIES)
    match = _FAST.match
    if not positions or (len(positions) == 1 and match(text, positions[0]) is None):
        return text
    skip, pair_match, facts, name_chars = _NAME_RUN.match, _PAIR.match, name_facts, _NAME_CHARS
    quoted_group = _FAST_GROUPS[1]
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
        kind = m.lastindex
        if kind in _FAST_GROUPS:
            if not p or text[p - 1] not in name_chars:  # the name starts at the anchor
                name_end, value_start, end = m.end(2), m.end(4), m.end()
                strength, low = facts(text[p:name_end])
                if strength == NONE:
                    pos = value_start
                    continue
                if strength == STRONG:
                    if kind == quoted_group:
                        cut, resume = value_start + 1, end - 1
                    else:
                        cut, resume = value_start, end
                        value = text[value_start:end]
                        if m.start(5) >= 0:  # ``name: value``
                            if value.lower().rstrip(".,;:!") in PROSE_WORDS:
                                cut = -1  # "Invalid token: expired", unless quoted: _pair
                        elif not value[0].isdigit() and (
                            (value in _CODE_WORDS or value == low)
                            if value.isalnum() and value.islower() and len(value) <= 81
                            else is_code_reference(value, text[p:name_end])
                        ):
                            pos = value_start  # ``password=password``: a variable
                            continue
                    if cut >= 0:
                        found.append(text[cut:resume])
                        append(text[last:cut])
                        append(MARK)
                        last, pos = resume, end
                        continue
            m = pair_match(text, p)  # the same match, with the groups _pair reads
            assert m is not None
        new = _pair(m, found)
        if new is None:
            pos = m.end("sep")
        else:
            append(text[last:p])
            append(new)
            last = pos = m.end()
    if not parts:
        return text
    append(text[last:])
    return "".join(parts)


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
