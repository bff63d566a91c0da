"""The URL and token rules' shortcuts give the results of the plain rules they replace.

Query parameters are decided over one ``split``, userinfo over ``finditer`` with the scheme read
back once for many URLs, lone base64 keys, Discord bot tokens and host echoes are tried only
where a C-level scan of the text's character classes says they can match, and AWS key ids are
searched without their substring gate. Each is checked against the plain rule (the pattern
searched at every position, the callback of the first release) on corpus texts cut, joined and
sprinkled with the characters and fragments those rules care about, short and long.
"""

from __future__ import annotations

import random
import re
import string

import pytest
from redact.equivalence import assert_same, mutated  # type: ignore[import-not-found]

from jupyter_itbridge.redact import MARK, _base, tokens, urls
from jupyter_itbridge.redact._base import conceal
from jupyter_itbridge.redact.names import NONE, STRONG, WEAK, classify, is_placeholder, looks_random

_RND = random.Random(7)


def _b64(n: int) -> str:
    return "".join(_RND.choice(string.ascii_letters + string.digits + "+/") for _ in range(n))


_PIECES = (
    *("://", "a://", "https://", "mysql+pymysql://", "\n://", "1a://", "é://", "user:", "u.s:"),
    *("localhost:", ":pw@", ":@", ":${PW}@", ":***@", f":{MARK}@", ":8443/p@", "@host", "@@"),
    *("@h.example.com/", "@[::1]:5432", "?", "&", "?a=", "&token=", "&x=1", "?X-Amz-Signature="),
    *("&X-Goog-Credential=", "&code=", "&CODE=", "&appid=", "&sig=", "={x}", f"={MARK}", "=None"),
    *("=aB3dE5gH7", "&auth=", "&key=", " ", "\n", "'", '"', ".", "-", "_", "/", "+", "=", "=="),
    *(_b64(40), _b64(40), _b64(86) + "==", _b64(39), _b64(41), "A" * 41, "AKIA" + "A1B2" * 4),
    *("ASIA", "A3TX", "AAAA" * 8, "bot ", "discord ", "token", ".abcdef.", "N" + "a1" * 12 + "."),
    *("MTk4NjIyNDgzNDcxOTI1MjQ4.Gh5kLM.abcdefghijklmnopqrstuvwxyz0123", "....", "M", "é", "٣"),
    *("host", 'host name "', "host '", 'Host_Name  "', 'hostname\x1c"', 'host\xa0"', 'ssw0rd@db"'),
)


def _query(m: re.Match[str], found: list[str]) -> str | None:
    """The first release's callback."""
    value, name = m.group("value"), m.group("name")
    if value.startswith((MARK, "{")) or is_placeholder(value):
        return None
    low = name.lower()
    strength = classify(name)
    if low in urls._QUERY_ONLY_STRONG or low.startswith(("x-amz-signature", "x-amz-credential")):
        strength = STRONG if low not in ("code",) else WEAK
    if low.startswith(("x-amz-security-token", "x-goog-signature", "x-goog-credential")):
        strength = STRONG
    if strength == NONE or (strength == WEAK and not looks_random(value, 8)):
        return None
    return f"{m.group('sep')}{name}={conceal(found, value)}"


def _userinfo(m: re.Match[str], found: list[str]) -> str | None:
    """The first release's callback."""
    pw, user = m.group("pw"), m.group("user")
    if not pw or pw.startswith(MARK) or is_placeholder(pw):
        return None
    if not urls._has_scheme(m.string, m.start()):
        return None
    if urls._PORT_PATH.fullmatch(pw) and ("." in user or user == "localhost"):
        return None
    if "@" in pw:
        for tail in pw.split("@")[1:]:
            found.append(f"\0@{tail}")
    return f"{m.group('pre')}{conceal(found, pw)}@{m.group('host')}"


_B64_TOKEN = tokens._B64_RUN
_PLAIN_RULES = [
    ("query", urls.QUERY, _base.regex_rule("q", None, urls._QUERY, _query, resume="value")),
    ("userinfo", urls.USERINFO, _base.regex_rule("u", None, urls._USERINFO, _userinfo, "user")),
    (
        "lone-base64",
        tokens.LONE_BASE64,
        tokens.boundary_rule("a", _B64_TOKEN, "[^A-Za-z0-9/+=]", tokens._mixed_base64, "b64", 0),
    ),
    ("bot", tokens.BOT_TOKENS, _base.regex_rule("b", None, tokens._BOT_TOKEN, tokens._bot_token)),
    (
        "aws",
        tokens.AWS_KEY_ID,
        _base.regex_rule("k", None, tokens._AWS_KEY_ID, tokens._aws_key_id),
    ),
    (
        "host-echo",
        urls.HOST_ECHO,
        _base.anchored_rule("h", ("host",), *urls.HOST_ECHO.patterns, urls._host_echo),
    ),
]


@pytest.mark.parametrize(("name", "fast", "plain"), _PLAIN_RULES, ids=[r[0] for r in _PLAIN_RULES])
def test_fast_rule_equals_plain_rule(name: str, fast: _base.Rule, plain: _base.Rule) -> None:
    for text in mutated(_PIECES, sum(map(ord, name)), 800, dense_repeat=40, inserts=8):
        assert_same(fast, plain, text)


def test_scheme_positions_equal_the_read_back() -> None:
    rnd = random.Random(11)
    for _ in range(4000):
        alphabet = rnd.choice(("ab1://", "ab1+._-://", "a1 ://", "9a://", "aé://", "a\n://"))
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 200)))
        starts = [m.start() for m in re.finditer("://", text)]
        expected = {p for p in starts if urls._has_scheme(text, p)}
        assert urls._scheme_positions(text) == expected, text


def test_pem_body_runs_equal_the_body_pattern() -> None:
    rnd = random.Random(13)
    alphabet = ("a", "=", "\\", "n", "r", "\\n", "\\r", " ", "\n", "é", "\u2003", "-", "!", "\\\\n")
    for _ in range(20000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        if rnd.random() < 0.05:
            text *= rnd.randint(100, 800)  # past the 16384-step bound
        pos = rnd.randint(0, len(text))
        expected = tokens._PEM_BODY.match(text, pos).end()  # type: ignore[union-attr]
        assert tokens._pem_body_end(text, pos) == expected, (text[:80], pos)
