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

from ._base import MARK, Found, anchored_rule, conceal, keyword_start, regex_rule
from .names import NONE, STRONG, WEAK, classify, is_placeholder, looks_random

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


def _userinfo(m: re.Match[str], found: list[str]) -> str | None:
    pw = m.group("pw")
    if not pw or pw.startswith(MARK) or is_placeholder(pw):
        return None
    if not _has_scheme(m.string, m.start()):
        return None
    user = m.group("user")
    if _PORT_PATH.fullmatch(pw) and ("." in user or user == "localhost"):
        return None  # https://host:8443/path@... : a port and a path, not a password
    if "@" in pw:
        for tail in pw.split("@")[1:]:
            found.append(f"\0@{tail}")  # the echo step redacts "<tail>@" in driver messages
    return f"{m.group('pre')}{conceal(found, pw)}@{m.group('host')}"


USERINFO = regex_rule("url", ("://",), _USERINFO, _userinfo, resume="user")

_HOST_WORD = keyword_start(("host",), r"\w")
# Drivers echo a password's tail as the host: could not translate host name "ssw0rd@db.corp".
HOST_ECHO = anchored_rule(
    "url",
    ("host",),
    re.compile(
        rf"(?P<head>{_HOST_WORD}(?:[ _]?(?i:name))?\s{{0,4}}[\"'])"
        r"(?P<frag>[^\s\"'@/]{1,128})@(?P<host>[A-Za-z0-9.\-]{1,253}[\"'])",
    ),
    lambda m, found: (
        None
        if m.group("frag") == MARK
        else f"{m.group('head')}{conceal(found, m.group('frag'))}@{m.group('host')}"
    ),
    not_after=r"\w",
)

# Query parameters (``;``-separated connection strings are the key=value family's).
_QUERY_ONLY_STRONG = frozenset({"appid", "app_id", "apikey", "code", "jwt", "sig", "signature"})
_QUERY = re.compile(
    r"(?P<key>[?&](?P<name>[A-Za-z0-9_.\-\[\]]{1,64})=)(?P<value>[^&\s#\"'<>`;]{1,2048})"
)


def _query(m: re.Match[str], found: list[str]) -> str | None:
    value = m.group("value")
    if value.startswith((MARK, "{")) or is_placeholder(value):
        return None
    name = m.group("name")
    low = name.lower()
    strength = classify(name)
    if low in _QUERY_ONLY_STRONG or low.startswith(("x-amz-signature", "x-amz-credential")):
        strength = STRONG if low not in ("code",) else WEAK
    if low.startswith(("x-amz-security-token", "x-goog-signature", "x-goog-credential")):
        strength = STRONG
    if strength == NONE or (strength == WEAK and not looks_random(value, 8)):
        return None
    return f"{m.group('key')}{conceal(found, value)}"


QUERY = regex_rule(
    "query",
    ("=",),
    _QUERY,
    _query,
    resume="value",
)

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
