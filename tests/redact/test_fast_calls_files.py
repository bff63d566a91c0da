"""The shortcuts of the positional-call and pgpass rules give the results of the plain rules.

``calls.CALLS`` decides two plain arguments to an ``*Auth``/``login`` callable inside its
pattern and iterates with ``finditer``; ``calls._split_args`` splits one-quote argument lists
with ``str.split``; ``files.PGPASS`` decides a line inside its pattern and redacts with
``re.split``. Each is checked against the rule it replaced (the anchored scan with a callback
per call, the token split, the line rule with a callback per line) on generated texts built
from the corpus and from the syntax those rules read.
"""

from __future__ import annotations

import random
import re

import pytest
from redact.equivalence import CASES, assert_same  # type: ignore[import-not-found]

from jupyter_itbridge.redact import MARK, _base, calls, files

_PLAIN_CALL = re.compile(
    rf"(?P<fn>{calls._FN})(?P<open>[ \t]{{0,4}}\()(?P<args>[^()\n]{{0,600}})\)"
)
PLAIN_CALLS = _base.anchored_rule(
    "positional", calls._FN_ANCHORS, _PLAIN_CALL, calls._call, resume="open"
)
PLAIN_PGPASS = _base.line_rule(
    "credential-file",
    (":",),
    rf"(?P<head>{files._PGPASS_HEAD})(?P<pw>\S{{1,256}})[ \t]{{0,8}}",
    lambda m, found: (
        None
        if m.group("pw").startswith(MARK)
        or re.fullmatch(r"[0-9A-Fa-f:]{1,128}", m.group(0).strip())
        else f"{m.group('head')}{_base.conceal(found, m.group('pw'))}"
    ),
)

_CALLEES = (
    *("HTTPBasicAuth", "HTTPDigestAuth", "requests.auth.HTTPBasicAuth", "OAuth1", "OAuthHandler"),
    *("tweepy.OAuth1UserHandler", "AppAuthHandler", "AuthClient", "MyAuthClient", "Auth", "auth"),
    *("oauth", "smtp.login", "server.Login", "conn.simple_bind_s", "ldap.bind_s", "sock.bind"),
    *("simple_bind", "ClientSecretCredential", "pika.PlainCredentials", "Credentials", "connect"),
    *("pymssql.connect", "reconnect", "FTP", "ftplib.FTP_TLS", "Redis", "Minio", "Fernet"),
    *("jwt.encode", "x.jwt.decode", "base64.encode", "Github", "cohere.Client", "AuthX1"),
    *(
        "AuthProvider",
        "PlainTextAuthProvider",
        "Authlogin",
        "éAuth",
        "\u017fAuth",
        "a" * 90 + "Auth",
    ),
)
_ARGS = (
    *("'a'", '"b"', "user", "self.user", "5432", "b'k'", 'rb"k"', "N'x'", "''", "' '", "'a,b'"),
    *("'it\"s'", "'x\\'y'", "`t`", "'${PW}'", "'None'", "'<s>'", "'***'", "'xxx'", "'[REDACTED]'"),
    *("'[REDACTED]x'", "verify=False", "**kw", "*a", "'p=q'", "[1, 'a']", "{'k': 'v'}", "'é'"),
    *("'aB3dE5gH7jK9mN1pQ3sT5vW7'", "'\u017f'", "'\u212a'", "'unclosed", '"', "'", "", " ", "\t"),
)


def _call_text(rnd: random.Random) -> str:
    args = [rnd.choice(_ARGS) for _ in range(rnd.choice((1, 2, 2, 2, 3, 4)))]
    blank = rnd.choice(("", " ", "  ", "\t", " " * 9))
    return (
        f"{rnd.choice(_CALLEES)}{rnd.choice(('', ' '))}({blank}{(',' + blank).join(args)}{blank})"
    )


def _texts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        parts = [_call_text(rnd) for _ in range(rnd.randint(1, 6))]
        if i % 3 == 0:
            parts.append(rnd.choice(CASES))
        text = rnd.choice(("\n", " ", "", "; ", "x = ")).join(parts)
        for _ in range(rnd.randint(0, 3)):  # cut or sprinkle: calls left open, broken quotes
            at = rnd.randint(0, len(text))
            text = text[:at] + rnd.choice(("(", ")", "'", '"', ",", "\n", "")) + text[at + 1 :]
        out.append(text * rnd.choice((1, 1, 1, 30)))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_calls_rule_equals_the_plain_rule(seed: int) -> None:
    for text in _texts(seed, 400):
        assert_same(calls.CALLS, PLAIN_CALLS, text)


def test_callables_decided_by_fn_alone() -> None:
    """Where the shortcut trusts ``fn`` alone, every name read back before it agrees."""
    heads = ("", "O", "App", "HTTPBasic", "x.", "simple_", "a.O", "requests.auth.", "My", "jwt.")
    fns = ("Auth", "Auth1", "AuthHandler", "Auth1UserHandler", "AuthClient", "AuthX", "auth")
    fns += ("login", "Login", "bind_s", "AuthProvider", "Authentication", "AuthBase", "AuthxClient")
    for fn in fns:
        for head in heads:
            callee = head + fn
            last = callee.rpartition(".")[2]
            wanted = calls._positions(callee, last, ["'a'", "'b'"], [0, 1])
            if calls._second_by_fn(fn):
                assert wanted == (1,), callee


def test_split_args_equals_the_token_split() -> None:
    rnd = random.Random(3)
    alphabet = ("'", '"', ",", " ", "a", "b", "=", "\\", "[", "]", "{", "}", "`", "\n", "é", "x'y")
    for _ in range(20000):
        args = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 24)))
        assert calls._split_args(args) == calls._split_tokens(args), args


def _pgpass_texts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    fields = ("h", "db.example", "*", "5432", "123456", "::1", "fe80::1", "a\\:b", "\\", "é")
    fields += ("", " ", "\t", "[REDACTED]", "[REDACTED]x", "x" * 130, "A" * 129, "1:2", "\\\\")
    out = []
    for _ in range(count):
        lines = []
        for _ in range(rnd.randint(1, 8)):
            line = ":".join(rnd.choice(fields) for _ in range(rnd.choice((4, 5, 5, 5, 6))))
            lines.append(line + rnd.choice(("", " ", "\t\t", " " * 9, "\r")))
        out.append(rnd.choice(("\n", "\n\n", " \n")).join(lines) + rnd.choice(("", "\n", "x")))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_pgpass_rule_equals_the_line_rule(seed: int) -> None:
    for text in _pgpass_texts(seed, 1500):
        assert_same(files.PGPASS, PLAIN_PGPASS, text)


PLAIN_TUPLES = _base.anchored_rule(
    "positional",
    calls._TUPLE_WORDS,
    calls._TUPLE,
    calls._tuple,
    "sep",
    skip=re.compile(r"\w{1,60}"),
)
_TUPLE_PIECES = (
    *("auth", "token", "secret", "pass", "login", "cred", "key", "_", "x", "9", "é", " ", "\t"),
    *("=", ":", "(", "[", ")", "]", "'", '"', ",", "'pw'", '"u"', "\n", MARK, f"={MARK}"),
    *(f": {MARK}", f"=[{MARK}", "=[ [REDACTED]", "[REDACTED", "=[REDACTED)", "=('a', 'b')"),
    *("=[REDACTED, 'pw']", "auth=[REDACTED]x, 'pw']", "token: [REDACTEDx, 'y']"),
)


@pytest.mark.parametrize("seed", range(3))
def test_tuples_rule_equals_the_plain_rule(seed: int) -> None:
    """Sites are found by one literal-first pattern per separator and skip ``[REDACTED]``."""
    rnd = random.Random(seed)
    for _ in range(800):
        text = "".join(rnd.choice(_TUPLE_PIECES) for _ in range(rnd.randint(1, 40)))
        text *= rnd.choice((1, 1, 60))
        assert_same(calls.TUPLES, PLAIN_TUPLES, text)
