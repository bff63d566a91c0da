"""Credentials on command lines that errors echo: ``--password x``, ``--api-token=x``,
``-storepass x``, ``mysql -pSecret``, ``sqlcmd -P x``, ``sshpass -p x``, ``redis-cli -a x``,
``curl -u user:pw``, ``smbclient -U user%pw``, ``openssl ... -passin pass:x``, and a password
piped into ``kinit``, ``sudo -S`` or ``docker login --password-stdin``.

Short flags mean different things to different tools (``-p`` is a port for ``psql`` and
``ssh``, a flag for ``mkdir``), so they are only read after the command that gives them their
password meaning, on the same line.
"""

from __future__ import annotations

import re

from ._base import MARK, QUOTED, anchored_rule, conceal, masked, regex_rule, split_quotes
from .names import STRONG, classify, is_path_or_url, is_placeholder, words, wordset

_ARG = rf"""(?:{QUOTED}|[^\s'"`|;&<>()\[\]]{{1,512}})"""
# ``--ask-password``, ``--no-password``, ``--password-stdin`` take no value (or not a secret).
_SWITCH_WORDS = wordset(
    "ask no prompt use with without show hide read require skip save store allow enable disable "
    "generate reset change rotate print list get set from"
)


def _value_ok(value: str) -> str | None:
    """The secret inside a command-line value, or None when it is not one."""
    inner = split_quotes(value)[1]
    if not inner or inner.startswith(("-", "$", MARK)) or is_placeholder(inner):
        return None
    return None if is_path_or_url(inner) else inner


def _metavar(value: str, name_words: list[str]) -> bool:
    """``usage: app [--password PASSWORD]``: argparse's metavar, not a value."""
    return value.isupper() and value.lower().replace("-", "_") in (
        "_".join(name_words),
        name_words[-1] if name_words else "",
    )


def _flag(m: re.Match[str], found: list[str]) -> str | None:
    name = m.group("name")
    ws = words(name)
    if classify(name) != STRONG or (ws and ws[0] in _SWITCH_WORDS):
        return None
    inner = _value_ok(m.group("value"))
    if inner is None or _metavar(inner, ws):
        return None
    return f"{m.group('head')}{masked(m.group('value'), found)}"


# ``--password hunter2`` (the ``--password=x`` form is a key/value pair) and Java-style
# ``-storepass x``.
FLAG = regex_rule(
    "cli",
    ("pass", "pw", "secret", "token", "key", "cred", "auth", "sig"),
    re.compile(
        r"(?P<head>-(?<![\w\-]-)-?(?P<name>[A-Za-z][\w\-]{1,60})[ \t]{1,4})"
        rf"(?P<value>(?!-){_ARG})"
    ),
    _flag,
    resume="head",
)

# Commands whose short flag carries a password: (anchors where the command pattern can start,
# command pattern, flag, value attached to the flag?, value as the next argument?).
_COMMANDS: tuple[tuple[tuple[str, ...], str, str, bool, bool], ...] = (
    (("mysql", "mariadb"), r"mysql\w{0,10}|mariadb[\w\-]{0,10}", "p", True, False),
    (
        ("sqlcmd", "bcp", "osql", "isql", "mssql"),
        r"sqlcmd|bcp|osql|isql|mssql-cli",
        "P",
        True,
        True,
    ),
    (
        ("beeline", "mongo"),
        r"beeline|mongo(?:sh|dump|restore|import|export|stat|top)?",
        "p",
        False,
        True,
    ),
    (("sshpass",), r"sshpass", "p", True, True),
    (("redis-cli",), r"redis-cli", "a", False, True),
    (("login",), r"login", "p", False, True),  # docker/podman/helm registry/az/oc login
)
# The tools whose ``login -p`` is a password (checked before the ``login`` anchor).
_LOGIN_TOOL = re.compile(
    r"(?<![\w\-])(?:docker|podman|nerdctl|buildah|skopeo|helm[ \t]{1,4}registry|oras|az|oc|cf)"
    r"[ \t]{1,4}$"
)


def _command_rule(cmd: str, flag: str, attached: bool, separate: bool) -> re.Pattern[str]:
    space = r"[ \t]{0,4}" if attached and separate else (r"" if attached else r"[ \t]{1,4}")
    return re.compile(
        rf"(?P<head>(?:{cmd})\b[^\n|;&]{{0,400}}?(?<![\w\-])-{flag}{space})"
        rf"(?P<value>{_ARG})"
    )


def _short(m: re.Match[str], found: list[str]) -> str | None:
    start = m.start()
    before = m.string[start - 1 : start]
    if (before and (before.isalnum() or before in "_-/")) or _value_ok(m.group("value")) is None:
        return None
    if m.string.startswith("login", start) and not _LOGIN_TOOL.search(
        m.string, max(0, start - 24), start
    ):
        return None
    return f"{m.group('head')}{masked(m.group('value'), found)}"


SHORT_FLAGS = [
    anchored_rule(
        "cli", anchors, _command_rule(cmd, flag, attached, separate), _short, not_after=r"\w\-/"
    )
    for anchors, cmd, flag, attached, separate in _COMMANDS
]

# ``aws configure set aws_secret_access_key <v>``, ``npm config set //host/:_authToken <v>``,
# ``git config --global http.extraHeader ...``, ``dvc remote modify corp password <v>``.
_CONFIG_SET = re.compile(
    r"(?P<head>(?:set|modify[ \t]{1,4}[\w.\-]{1,64}|config(?:[ \t]{1,4}--[\w\-]{1,20}){0,2})"
    r"[ \t]{1,4}(?P<name>[\w.\-:/]{1,128})[ \t]{1,4})"
    rf"(?P<value>{_ARG})"
)


def _config_set(m: re.Match[str], found: list[str]) -> str | None:
    start = m.start()
    before = m.string[start - 1 : start]
    name = m.group("name").rsplit("/", 1)[-1].lstrip(":")
    if (before and (before.isalnum() or before in "_-")) or classify(name) != STRONG:
        return None
    inner = _value_ok(m.group("value"))
    if inner is None or _metavar(inner, words(name)):
        return None
    return f"{m.group('head')}{masked(m.group('value'), found)}"


CONFIG_SET = anchored_rule(
    "cli", ("set", "modify", "config"), _CONFIG_SET, _config_set, not_after=r"\w\-"
)

# ``curl -u user:pw``, ``--user user:pw``, ``lftp -u user,pw``, ``smbclient -U user%pw``.
USER_PASS = anchored_rule(
    "cli",
    ("-u", "--user"),
    re.compile(
        r"(?P<head>-(?<![\w\-]-)(?:u|U|-user)(?:[ \t]{1,4}|=)?[\"']?(?P<user>[^\s:,%\"']{1,128})"
        r"(?P<sep>[:,%]))(?P<pw>[^\s\"'@]{1,256})"
    ),
    lambda m, found: (
        None
        if m.group("pw").startswith(MARK)
        or is_placeholder(m.group("pw"))
        or (m.group("user").isdigit() and m.group("pw").isdigit())  # docker -u 1000:1000
        or (m.group("sep") == ":" and m.group(0).startswith("-U"))
        else f"{m.group('head')}{conceal(found, m.group('pw'))}"
    ),
    not_after=r"\w\-",
)

# ``openssl pkcs12 -passin pass:secret`` (``env:VAR`` and ``file:path`` are fine).
OPENSSL_PASS = regex_rule(
    "cli",
    ("pass:",),
    re.compile(r"(?P<head>pass:(?<![\w\-]pass:))(?P<pw>[^\s\"']{1,256})"),
    lambda m, found: (
        None
        if m.group("pw").startswith(MARK)
        else f"{m.group('head')}{conceal(found, m.group('pw'))}"
    ),
)

# A password piped or fed into a command that reads it from stdin.
_READERS = (
    r"kinit|sudo\s{1,4}(?:-\w{1,4}\s{1,4}){0,3}-S|passwd|chpasswd|ktutil|cryptsetup|"
    r"(?:docker|podman|helm\s{1,4}registry|nerdctl)\s{1,4}login|vault\s{1,4}login|openssl|gpg"
)
PIPED = anchored_rule(
    "cli",
    ("echo", "printf"),
    re.compile(
        r"(?P<head>(?:echo|printf)(?<![\w\-]echo)(?<![\w\-]printf)[ \t]{1,4}"
        r"(?:-[neE]{1,3}[ \t]{1,4})?"
        r"(?:(?:'%s\\n'|\"%s\\n\"|'%s'|\"%s\")[ \t]{1,4})?)"
        rf"(?P<value>{QUOTED}|[^\s'\"`|;&<>]{{1,256}})"
        rf"(?P<tail>[ \t]{{0,4}}\|[ \t]{{0,4}}(?:sudo[ \t]{{1,4}})?(?:{_READERS}))"
    ),
    lambda m, found: _piped(m.group("head"), m.group("value"), m.group("tail"), found),
    not_after=r"\w\-",
)
HERE_STRING = regex_rule(
    "cli",
    ("<<<",),
    re.compile(
        r"(?P<head><<<[ \t]{0,4})"
        rf"(?P<value>{QUOTED}|[^\s'\"`|;&<>]{{1,256}})"
    ),
    lambda m, found: _here_string(m, found),
)
_READER_BEFORE = re.compile(rf"(?:{_READERS})\b[^\n]{{0,200}}$")


def _here_string(m: re.Match[str], found: list[str]) -> str | None:
    if _READER_BEFORE.search(m.string, max(0, m.start() - 260), m.start()) is None:
        return None
    return _piped(m.group("head"), m.group("value"), "", found)


def _piped(head: str, value: str, tail: str, found: list[str]) -> str | None:
    if _value_ok(value) is None:
        return None
    return f"{head}{masked(value, found)}{tail}"
