"""Secrets inside URLs: ``scheme://user:password@host``, query parameters, webhook paths.

The userinfo parser accepts every scheme a driver uses (``mysql+pymysql``, ``snowflake``,
``redshift+redshift_connector``, ``jdbc:sqlserver``), passwords with ``#``, ``?``, up to three
``/`` and up to three unescaped ``@`` (the host is the first ``@``-part that a host name can
end), and keeps user, host, port and path as context. A driver that split such a password at
its first ``@`` echoes the tail as a host name (``could not translate host name
"ssw0rd@db.corp"``): that tail is redacted too.
"""

from __future__ import annotations

import re
from itertools import compress

from ._base import MARK, Found, Rule, anchored_rule, conceal, keyword_start, regex_rule
from ._rewrite import finish
from .names import STRONG, WEAK, classify, is_placeholder, looks_random

_PW_PART = r"""[^\s"'<>@/`]{0,256}"""
_USERINFO = re.compile(
    r"(?P<pre>://(?P<user>[^\s/?#@:\"'<>`]{0,256}):)"
    rf"(?P<pw>{_PW_PART}(?:/{_PW_PART}){{0,3}}(?:@{_PW_PART}){{0,3}}?)"
    r"@(?P<host>\[[0-9A-Fa-f:.]{2,64}\]|[A-Za-z0-9._\-%]{1,253})"
    r"(?=[:/?#,;)\]}\s\"'<>`|]|$)"
)
_PORT_PATH = re.compile(r"\d{1,5}(?:/.{0,2048})?", re.S)
_SCHEME = re.compile(r"(?<![A-Za-z0-9+._\-])[A-Za-z][A-Za-z0-9+._\-]{0,40}$")
_SCHEME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+._-"
_LETTERS = frozenset(_SCHEME_CHARS[:52])
_SCHEME_SET = frozenset(_SCHEME_CHARS)


def _has_scheme(text: str, start: int) -> bool:
    """Whether ``_SCHEME`` finds a scheme in the 42 characters before ``start``, read back with
    ``str.rstrip`` instead (a whole run of scheme characters, at most 41, from a letter); like
    ``$``, the run may also end before a newline that ends the window."""
    lo = max(0, start - 42)
    if _scheme_ends(text, lo, start):
        return True
    return start > lo and text[start - 1] == "\n" and _scheme_ends(text, lo, start - 1)


def _scheme_ends(text: str, lo: int, end: int) -> bool:
    window = text[lo:end]
    begin = lo + len(window.rstrip(_SCHEME_CHARS))
    return (
        1 <= end - begin <= 41
        and text[begin] in _LETTERS
        and (begin == 0 or text[begin - 1] not in _SCHEME_SET)
    )


# ``_has_scheme`` for every ``://`` at once: in the reversed text the scheme follows ``//:``
# (optionally after the newline the read-back allows), a run of scheme characters that ends
# with a letter and is not followed by another (the run's start).
_SCHEME_REVERSED = re.compile(r"//:\n?[A-Za-z0-9+._\-]{0,40}[A-Za-z](?![A-Za-z0-9+._\-])")
_MANY_URLS = 16  # after this many read-backs, one pass over the reversed text costs less


def _scheme_positions(text: str) -> set[int]:
    """The positions ``p`` of ``://`` where ``_has_scheme(text, p)`` holds. Occurrences of
    ``//:`` never overlap, and a match consumes only scheme characters after one, so
    ``finditer`` sees every occurrence."""
    last = len(text) - 3
    return {last - m.start() for m in _SCHEME_REVERSED.finditer(text[::-1])}


def _userinfo_apply(text: str, found: list[str]) -> str:
    """:func:`rewrite` over ``_USERINFO``: a refused match resumes at the end of its user, an
    accepted one at its end (as ``finditer`` does, so one ``finditer`` serves every match up to
    a refusal). An accepted match keeps everything but the password, so the output is the text
    with each password span replaced."""
    parts: list[str] = []
    last = pos = checked = 0
    schemes: set[int] | None = None
    while True:
        for m in _USERINFO.finditer(text, pos):
            start = m.start()
            pw_start, pw_end = m.span("pw")
            pw = text[pw_start:pw_end]
            if not pw or pw.startswith(MARK) or is_placeholder(pw):
                break
            if schemes is None:
                checked += 1
                if checked > _MANY_URLS:
                    schemes = _scheme_positions(text)
            if not (start in schemes if schemes is not None else _has_scheme(text, start)):
                break
            user = text[start + 3 : pw_start - 1]
            if ("." in user or user == "localhost") and _PORT_PATH.fullmatch(pw):
                break  # https://host:8443/path@... : a port and a path, not a password
            if "@" in pw:
                for tail in pw.split("@")[1:]:
                    found.append(f"\0@{tail}")  # the echo step redacts "<tail>@" in messages
            found.append(pw)
            parts.append(text[last:pw_start])
            parts.append(MARK)
            last = pw_end
        else:
            break
        pos = m.end("user")
    return finish(parts, text, last)


USERINFO = Rule("url", ("://",), (_USERINFO, _SCHEME_REVERSED), _userinfo_apply)

_HOST_WORD = keyword_start(("host",), r"\w")


# Drivers echo a password's tail as the host: could not translate host name "ssw0rd@db.corp".
def _host_echo(m: re.Match[str], found: list[str]) -> str | None:
    if m.group("frag") == MARK:
        return None
    return f"{m.group('head')}{conceal(found, m.group('frag'))}@{m.group('host')}"


HOST_ECHO = anchored_rule(
    "url",
    ("host",),
    re.compile(
        rf"(?P<head>{_HOST_WORD}(?:[ _]?(?i:name))?\s{{0,4}}[\"'])"
        r"(?P<frag>[^\s\"'@/]{1,128})@(?P<host>[A-Za-z0-9.\-]{1,253}[\"'])",
    ),
    _host_echo,
    not_after=r"\w",
    # what every match has after the word, in the lowercased ASCII text ("?": non-ASCII, which
    # may be a space, like \x1c-\x1f, that a bytes \s leaves out)
    follow={"host": r"(?:[ _]?[n?][a?][m?][e?])?[\s\x1c-\x1f?]{0,4}[\"']"},
)

# Query parameters (``;``-separated connection strings are the key=value family's).
_QUERY_ONLY_STRONG = frozenset({"appid", "app_id", "apikey", "code", "jwt", "sig", "signature"})
_QUERY_X_STRONG = (
    *("x-amz-signature", "x-amz-credential", "x-amz-security-token"),
    *("x-goog-signature", "x-goog-credential"),
)
# Groups whose concatenation is the whole match, so that ``split`` gives the text back.
_QUERY = re.compile(
    r"(?P<sep>[?&])(?P<name>[A-Za-z0-9_.\-\[\]]{1,64})(?P<eq>=)(?P<value>[^&\s#\"'<>`;]{1,2048})"
)


def _query_strengths(names: list[str]) -> list[int]:
    """How secret each parameter name is (``classify``, with the query-only names)."""
    strengths = list(map(classify, names))
    joined = "\0" + "\0".join(names).lower() + "\0"  # names hold no NUL: each is "\0name\0"
    if "\0x-" in joined or any(f"\0{w}\0" in joined for w in _QUERY_ONLY_STRONG):
        for j, name in enumerate(names):
            low = name.lower()
            if low in _QUERY_ONLY_STRONG:
                strengths[j] = WEAK if low == "code" else STRONG
            elif low.startswith(_QUERY_X_STRONG):
                strengths[j] = STRONG
    return strengths


def _query_apply(text: str, found: list[str]) -> str:
    """Every match is decided where it stands and the search goes on after its value whether it
    is a secret or not (the value ends the match), so the matches are those of ``split``: one
    C-level pass gives ``[text, ?, name, =, value, text, &, name, =, value, ..., text]``, and
    only values change. Names are decided first, all at once (most parameters are ordinary:
    their values need no look); the value checks are those of the plain rule (all pure)."""
    if "?" not in text and "&" not in text:
        return text  # found at memchr speed; the pattern's class is scanned ten times slower
    parts = _QUERY.split(text)
    if len(parts) == 1:
        return text
    changed = False
    strengths = _query_strengths(parts[2::5])
    for j, strength in compress(enumerate(strengths), strengths):
        i = 5 * j + 4
        value = parts[i]
        if value[0] == "{" or value.startswith(MARK) or is_placeholder(value):
            continue
        if strength == STRONG or looks_random(value, 8):
            parts[i] = conceal(found, value)
            changed = True
    return "".join(parts) if changed else text


QUERY = Rule("query", ("=",), (_QUERY,), _query_apply)

# Webhook URLs whose path is the secret (Slack, Teams, Discord, Zapier).
WEBHOOK = regex_rule(
    "webhook",
    ("hooks.slack.com", "webhook.office.com", "discord", "hooks.zapier.com"),
    re.compile(
        r"(?P<base>https?://(?:hooks\.slack\.com/(?:services|workflows|triggers)"
        r"|[\w\-]{1,63}(?:\.[\w\-]{1,63}){0,4}\.webhook\.office\.com/webhookb2"
        r"|(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks|hooks\.zapier\.com/hooks/catch))"
        r"/(?P<path>[^\s\"'<>`]{1,512})",
        re.I,
    ),
    lambda m, found: (
        None
        if m.group("path").startswith(MARK)
        else f"{m.group('base')}/{conceal(found, m.group('path'))}"
    ),
)


# Oracle EZConnect / sqlplus: user/password@host (also @//host:port/service, @(DESCRIPTION=...),
# @TNS_ALIAS). Kerberos principals look alike (HTTP/web01.corp.example@CORP.EXAMPLE) and keep
# their host; so do ``org/image@sha256:...`` digests.
_ORACLE = re.compile(r"@(?P<host>//|\(|[A-Za-z0-9][\w.\-]{0,253})(?P<after>[:/]?)")
_ORACLE_PW = re.compile(r"[^\s@/\"'()]{1,128}")
_NOT_BEFORE_USER = frozenset("/.-@")
_FQDN = re.compile(r"_HOST|[a-z0-9\-]{1,63}(?:\.[a-z0-9\-]{1,63}){1,16}")
_REALM = re.compile(r"[A-Z0-9\-]{1,63}(?:\.[A-Z0-9\-]{1,63}){0,16}")
_TNS_ALIAS = re.compile(r"[A-Z][A-Z0-9_$#]{0,63}")
_ORACLE_WORDS = ("sqlplus", "oracle", "oracledb", "cx_oracle", "rman", "expdp", "impdp", "sqlldr")
_KERBEROS_WORDS = ("kinit", "krb", "kerberos", "principal", "keytab", "gssapi", "spnego")


def _oracle_line(text: str, at: int, end: int) -> str:
    lo = text.rfind("\n", max(0, at - 300), at) + 1 or max(0, at - 300)
    hi = text.find("\n", end, end + 300)
    return text[lo : hi if hi != -1 else end + 300].lower()


def _oracle(m: re.Match[str], found: list[str]) -> tuple[int, str] | None:
    """Found at the ``@``; the password is read back to the ``/`` and the user before it."""
    text, at = m.string, m.start()
    host, after = m.group("host", "after")
    if host[:6].lower() == "sha256":
        return None
    ezconnect = host in ("//", "(") or after != "" or _TNS_ALIAS.fullmatch(host) is not None
    if not ezconnect and not (isinstance(found, Found) and found.mentions(text, _ORACLE_WORDS)):
        return None  # user/x@host is an Oracle login only with EZConnect syntax or Oracle words
    slash = text.rfind("/", max(0, at - 129), at)
    if slash < 1:
        return None
    pw = text[slash + 1 : at]
    if _ORACLE_PW.fullmatch(pw) is None or pw.startswith(MARK):
        return None
    user = slash  # the user: a run of [\w$#] right before the slash, starting with a letter
    while user > max(0, slash - 128) and (text[user - 1].isalnum() or text[user - 1] in "_$#"):
        user -= 1
    before = text[user - 1] if user else " "
    if user == slash or not text[user].isalpha() or before in _NOT_BEFORE_USER or before.isalnum():
        return None
    if _FQDN.fullmatch(pw) and _REALM.fullmatch(host):
        return None  # a Kerberos service principal: service/host.fqdn@REALM
    line = None
    if not ezconnect:
        line = _oracle_line(text, at, m.end())
        if not any(w in line for w in _ORACLE_WORDS):
            return None
    if _REALM.fullmatch(host):
        line = line if line is not None else _oracle_line(text, at, m.end())
        if any(w in line for w in _KERBEROS_WORDS):
            return None
    return slash + 1, f"{conceal(found, pw)}{m.group(0)}"


# Where ``_oracle`` can accept an ``@``: after ``user/password`` whose user starts with a letter
# and follows neither a letter or digit nor ``/.-@`` (``_`` can: a user longer than 128
# characters is read back only 128). Searched in the reversed text, where the pattern starts
# with the literal ``@`` (the engine skips to it in C) and the look-behind on the character
# before the user becomes a fixed-width look-ahead; a match holds exactly one ``@``, so no
# accepted one is consumed by another.
_ORACLE_AT = re.compile(r"@[^\s@/\"'()]{1,128}/[\w$#]{0,127}[^\W\d_](?![^\W_])(?![/.\-@])")


def _oracle_candidates(text: str, anchors: object) -> list[int]:
    last = len(text) - 1
    return [last - m.start() for m in _ORACLE_AT.finditer(text[::-1])][::-1]


ORACLE = anchored_rule("oracle", ("@",), _ORACLE, _oracle, candidates=_oracle_candidates)
