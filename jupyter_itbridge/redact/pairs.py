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

import re

from ._base import (
    BARE,
    BRACED,
    MARK,
    PLACEHOLDER,
    QUOTED,
    anchored_rule,
    conceal,
    keyword_start,
    split_quotes,
)
from .names import (
    NONE,
    classify,
    is_code_reference,
    is_placeholder,
    is_prose_word,
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


PAIRS = anchored_rule("key-value", _KEYWORDS, _PAIR, _pair, resume="sep", skip=_NAME_RUN)


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
