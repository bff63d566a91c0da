"""Credential files whose lines have no ``=``: ``.netrc`` (``machine h login u password p``),
``.pgpass`` (``host:port:db:user:password``), Spark/Hadoop ``spark-defaults.conf``
(``spark.hadoop.fs.s3a.secret.key  <value>``), Hadoop XML (``<name>...</name><value>``) and
NuGet config (``<add key="ClearTextPassword" value="..." />``), and SQL password clauses
(``WITH PASSWORD '...'``, ``IDENTIFIED BY "..."``, ``SECRET_ACCESS_KEY '...'``).

``=``/``:`` forms of the same properties (``--conf fs.azure.account.key.<acct>...=<key>``,
``.option("password", ...)``) are key/value pairs (:mod:`.pairs`).
"""

from __future__ import annotations

import re

from ._base import (
    MARK,
    Rule,
    anchored_rule,
    conceal,
    keyword_start,
    line_rule,
    masked,
    regex_rule,
    split_quotes,
)
from .names import STRONG, classify, is_path_or_url, is_placeholder, secret_value

# .netrc: "machine h login u password p" on one line, or "password p" on a line of its own.
_NETRC = re.compile(
    r"(?P<kw>password|passwd)(?<![\w\-]password)(?<![\w\-]passwd)[ \t]{1,8}(?P<pw>[^\s]{1,256})"
    r"(?:(?=[ \t]{1,8}(?:machine|account|login|default|macdef)\b)|[ \t]{0,8}(?=\n|$))",
)
_NETRC_HEAD = re.compile(r"(?:^|\n)[ \t]{0,16}$|(?<![\w\-])login[ \t]{1,8}[^\s]{1,256}[ \t]{1,8}$")


def _netrc(m: re.Match[str], found: list[str]) -> str | None:
    pw = m.group("pw")
    if pw.startswith(MARK) or is_placeholder(pw):
        return None
    if _NETRC_HEAD.search(m.string, max(0, m.start() - 280), m.start()) is None:
        return None
    return f"{m.group(0)[: m.start('pw') - m.start()]}{conceal(found, pw)}"


NETRC = anchored_rule(
    "credential-file",
    ("password", "passwd"),
    _NETRC,
    _netrc,
    not_after=r"\w\-",
    dense_search=True,
)

# .pgpass: hostname:port:database:username:password (``*`` wildcards, ``\:`` escapes).
_PGPASS_HEAD = r"[^:\s]{1,253}:(?:\d{1,5}|\*):(?:[^:\s\\]|\\.){1,128}:(?:[^:\s\\]|\\.){1,128}:"
# The rule's whole decision in one pattern, so that ``re.split`` redacts every line in C (a
# callback per line cost 2 us): a line is taken unless its password already starts with MARK
# or the line is an IPv6 address (hex digits and colons only, up to 128). Each field's parse
# is unique (fields 1-4 cannot hold an unescaped ``:``, the password runs to the line's end),
# so a refusal inside the pattern cannot make the engine find another split of the same line.
_PGPASS_LINE = re.compile(
    rf"(\n(?![0-9A-Fa-f:]{{1,128}}[ \t]{{0,8}}(?:\n|$)){_PGPASS_HEAD})"
    rf"(?!{re.escape(MARK)})(\S{{1,256}})[ \t]{{0,8}}(?=\n|$)"
)


def _pgpass(text: str, found: list[str]) -> str:
    """Every matching line becomes ``<head>MARK`` (its trailing blanks dropped). A ``\\n`` is
    put before the text so that the first line is found like the others."""
    if text.count(":") < 4:
        return text
    pieces = _PGPASS_LINE.split("\n" + text)  # [between, "\n" + head, password, between, ...]
    if len(pieces) == 1:
        return text
    passwords = pieces[2::3]
    found.extend(passwords)
    pieces[2::3] = [MARK] * len(passwords)
    return "".join(pieces)[1:]


PGPASS = Rule("credential-file", (":",), (_PGPASS_LINE,), _pgpass)

# spark-defaults.conf / hadoop -D style: a dotted property name, blanks, the value.
_PROPERTY = (
    r"(?P<head>[ \t]{0,16}(?P<name>[A-Za-z][\w\-]{0,64}(?:\.[\w\-]{1,64}){1,24})[ \t]{1,32})"
    r"(?P<value>\S{1,4096})[ \t]{0,8}"
)


def _property(m: re.Match[str], found: list[str]) -> str | None:
    name, value = m.group("name"), m.group("value")
    if value.startswith(MARK) or not secret_value(classify(name), name, value, False):
        return None
    return f"{m.group('head')}{conceal(found, value)}"


PROPERTIES = line_rule(
    "properties",
    ("pass", "pw", "secret", "token", "key", "cred", "sas", "sig"),
    _PROPERTY,
    _property,
)

# Hadoop core-site.xml / hive-site.xml and NuGet.config entries.
_XML = re.compile(
    r"(?P<head><name>[ \t]{0,8}(?P<name>[^<\s]{1,256})[ \t]{0,8}</name>\s{0,256}<value>)"
    r"(?P<value>[^<]{1,4096})(?=</value>)"
    r"|(?P<head2><add[ \t]{1,8}key=\"(?P<name2>[^\"]{1,256})\"[ \t]{1,8}value=\")"
    r"(?P<value2>[^\"]{1,4096})(?=\")"
)


def _xml(m: re.Match[str], found: list[str]) -> str | None:
    head, name, value = (
        (m.group("head"), m.group("name"), m.group("value"))
        if m.group("head") is not None
        else (m.group("head2"), m.group("name2"), m.group("value2"))
    )
    if value.startswith(MARK) or not secret_value(classify(name), name, value.strip(), True):
        return None
    return f"{head}{conceal(found, value)}"


XML = regex_rule("properties", ("<name>", "<add"), _XML, _xml)

# SQL: CREATE/ALTER USER|ROLE|LOGIN ... [WITH] [ENCRYPTED] PASSWORD '...', IDENTIFIED [WITH
# plugin] BY '...' (Oracle also unquoted), SET PASSWORD FOR ... = PASSWORD('...'), COPY ...
# ACCESS_KEY_ID '...' SECRET_ACCESS_KEY '...' SESSION_TOKEN '...'.
_SQL_BOUNDARY = r"\w\-\"'."
_SQL_LITERAL = r"N?'(?:[^'\n]|''){0,1024}'|\"[^\"\n]{0,1024}\""
_PASSWORD_TAIL = (
    r"PASSWORD(?:[ \t]{0,8}=[ \t]{0,8}PASSWORD[ \t]{0,8}\([ \t]{0,8}|[ \t]{0,8}\([ \t]{0,8}"
    r"|[ \t]{1,8})"
)
# Clause words followed by a quoted literal: each its own alternative (they share first letters).
_SQL_WORDS = (
    *("SECRET_ACCESS_KEY", "SECRET", "SESSION_TOKEN", "ACCESS_KEY_ID", "AWS_SECRET_KEY"),
    *("AWS_KEY_ID", "AWS_TOKEN", "AZURE_SAS_TOKEN", "MASTER_KEY"),
)
_SQL_HEADS = (
    r"PASSWORD[ \t]{1,8}FOR\b[^=\n]{0,256}=[ \t]{0,8}(?:PASSWORD[ \t]{0,8}\([ \t]{0,8})?",
    _PASSWORD_TAIL,  # also after ENCRYPTED / UNENCRYPTED
    # the group marks the one clause that takes an unquoted password (after its first letter:
    # keyword_start dispatches on it)
    r"I(?P<idby>DENTIFIED[ \t]{1,8}(?:WITH[ \t]{1,8}[\w'\"]{1,64}[ \t]{1,8})?BY"
    r"(?:[ \t]{1,8}PASSWORD\b)?[ \t]{1,8})",
    *(rf"{word}[ \t]{{1,8}}" for word in _SQL_WORDS),
)
_SQL = re.compile(
    rf"(?P<head>{keyword_start(_SQL_HEADS, _SQL_BOUNDARY, regex=True)})"
    rf"(?P<value>{_SQL_LITERAL}|(?(idby)(?P<bare>[A-Za-z0-9_#$!%^&*+\-]{{1,128}})|(?!)))"
)


def _sql(m: re.Match[str], found: list[str]) -> str | None:
    value = m.group("value")
    bare = m.group("bare") is not None
    head = m.group("head")
    if bare and not head.upper().startswith("IDENTIFIED"):
        return None  # only Oracle takes an unquoted password (IDENTIFIED BY tiger)
    inner = split_quotes(value)[1]
    if not inner or inner.startswith(MARK) or is_placeholder(inner):
        return None
    if bare and inner.upper() in ("EXTERNALLY", "GLOBALLY", "VALUES", "PASSWORD"):
        return None
    if is_path_or_url(inner) and classify(head.split()[0]) != STRONG:
        return None
    return f"{head}{masked(value, found)}"


SQL = anchored_rule(
    "sql",
    (
        *("password", "identified", "secret", "session_token", "access_key_id", "aws_"),
        *("azure_sas", "master_key"),
    ),
    _SQL,
    _sql,
    resume="head",
    not_after=_SQL_BOUNDARY,
    # PASSWORD is followed by a blank, "(", or "= PASSWORD(" (the other heads start otherwise);
    # "?" stands for a non-ASCII letter that re.I folds onto an ASCII one (the long s).
    follow={"password": r"[ \t(]|=[ \t]{0,8}[p?][a?][s?][s?][w?][o?][r?][d?]"},
)
