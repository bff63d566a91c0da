"""The shortcuts that make redaction fast give the results of the plain rules they replace.

Some rules skip work that cannot change the result: Oracle logins and auth tuples are tried
only where a C-level scan says they can match, boundary rules list only anchors after a
non-word character (and search a dense text in one pass), and a URL's scheme is read back with
``str.rstrip``. Each is checked here against the plain rule (every anchor tried, or the
original pattern) on the corpus texts, cut, joined and sprinkled with the characters and
words those rules care about, short and long (long texts take the dense-text paths).
"""

from __future__ import annotations

import random
import re

import pytest
from redact.equivalence import assert_same, mutated  # type: ignore[import-not-found]

from jupyter_itbridge.redact import _base, calls, cli, files, headers, pairs, urls

_PIECES = (
    *("@", "/", "//", "(", ")", "[", "=", ":", " ", "  ", "\n", "'", '"', "_", "-", ".", "é"),
    *("a", "b9", "Z", "scott", "tiger", "db.corp", "HOST", "CORP", "sqlplus ", "kinit "),
    *("auth", "Auth", "token", "key", "secret", "pass", "login", "cred", "password", "passwd"),
    *("identified by ", "cookie", "bearer ", "authorization", "-u ", "--user ", "echo "),
    *("mysql ", "-p", "set ", "host ", "'pw'", '"s3cr3t"', ", ", "x" * 70),
)


def _plain(rule: _base.Rule, pattern: object, repl: _base.Repl, **kw: object) -> _base.Rule:
    """The rule with every anchor tried (no candidates, no boundary filter)."""
    anchors = tuple(a.decode() for a in rule.anchored)
    return _base.anchored_rule(rule.family, anchors, pattern, repl, **kw)  # type: ignore[arg-type]


_PAIRS_OF_RULES = [
    ("oracle", urls.ORACLE, _plain(urls.ORACLE, urls._ORACLE, urls._oracle)),
    (
        "tuples",
        calls.TUPLES,
        _plain(
            calls.TUPLES, calls._TUPLE, calls._tuple, resume="sep", skip=re.compile(r"\w{1,60}")
        ),
    ),
    ("netrc", files.NETRC, _plain(files.NETRC, files._NETRC, files._netrc)),
    ("sql", files.SQL, _plain(files.SQL, files._SQL, files._sql, resume="head")),
    ("cookie", headers.COOKIE, _plain(headers.COOKIE, headers.COOKIE.patterns[0], headers._cookie)),
    (
        "user-colon",
        pairs.USER_COLON_PASSWORD,
        _plain(pairs.USER_COLON_PASSWORD, pairs._USER_COLON, pairs._user_colon),
    ),
    ("config-set", cli.CONFIG_SET, _plain(cli.CONFIG_SET, cli._CONFIG_SET, cli._config_set)),
]


@pytest.mark.parametrize(
    ("name", "fast", "plain"), _PAIRS_OF_RULES, ids=[p[0] for p in _PAIRS_OF_RULES]
)
def test_fast_rule_equals_plain_rule(name: str, fast: _base.Rule, plain: _base.Rule) -> None:
    for text in mutated(_PIECES, sum(map(ord, name)), 300, dense_repeat=60, inserts=6):
        assert_same(fast, plain, text)


def test_scheme_read_back_equals_the_pattern() -> None:
    rnd = random.Random(5)
    for _ in range(20000):
        alphabet = rnd.choice(("ab1", "ab1+._-", "a1 ", "9a", "aé", "a:/", "a\n", "ab\n\n=1"))
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 100)))
        start = rnd.randint(0, len(text))
        expected = urls._SCHEME.search(text, max(0, start - 42), start) is not None
        assert urls._has_scheme(text, start) == expected, (text, start)
