"""The key-value rule's fast path (``pairs.PAIRS``) gives the result of the rule as written
(``pairs.PLAIN_PAIRS``: ``_PAIR`` at every anchor, ``_pair`` deciding), text and secrets found.

The texts are built from the pieces where the fast branch's proof has to hold: separators it
must refuse (``=>``, ``==``, ``:=``, ``://``, type annotations, nine spaces), values at the
edges of its checks (placeholder words in any case, ``x`` runs of 2, 3 and 65, the Kelvin sign
and the long s, ``b'...'`` prefixes, paths, MARK, a call or subscript after the value, values
of 512 and 513 characters), names read back or not (``my_password``, ``"password"``,
``\\"password``), variables named like the key, and corpus texts cut and joined.
"""

from __future__ import annotations

import random

from redact.equivalence import CASES, assert_same  # type: ignore[import-not-found]

from jupyter_itbridge.redact import pairs

_NAMES = (
    *("password", "Password", "PASSWORD", "db_password", "DB-PASSWORD", "api_key", "x-api-key"),
    *("primary_key", "key", "auth", "tokenizer", "token_type", "mykey", "secret", "pwd", "sas"),
    *("client_secret", "passpass", "sasas", "token" + "a" * 97, "aws.secret.key", "keyStore"),
    *("password" + "A" * 80, "passwordAbc", "Token-Pass", "pw" + "x" * 97 + "token"),
    *("pw" + "x" * 96 + "token", "pw" + "x" * 95 + "token"),
    *("secret" + "x" * 95 + "token", "pass\u00e9", "aws_accesskey", "MyPrivateKey"),
)
_SEPS = (
    *("=", "= ", " =", "==", "=>", ":=", ":", ": ", " : ", "://", ":/", "\t=", " " * 9 + "="),
    *("!=", ") or ", ", ", " ", ": str = ", ": List[str] = ", ": x =", ": x ==", "=" + " " * 9),
    *('": ', "': ", '\\": ', "]: ", "'=", "=\t"),
)
_VALUES = (
    *("abc", "Abc", "ABC", "aBc", "abc_def", "a.b", "a.b.c9", "self", "cls", "password", "token"),
    *("none", "None", "NULL", "yes", "on", "No", "undefined", "xxx", "XxX", "xx", "x", "x" * 65),
    *("b'x'", "bu'x'", 'rb"x"', "f'x'", "N'x'", "b", "bu", "${X}", "%(x)s", "{x}", "{{x}}"),
    *("1234", "12ab", "a/b", "a\\b", "/path/x.json", "http://x", "[REDACTED]", "'[REDACTED]'"),
    *("''", '""', "'x'", "'a b'", "'a\\'b'", '"a\'b"', "`x`", "'x\" password='", '"/etc"'),
    *("é", "aé", "'aé'", "ma\u212aed", "'ma\u212aed'", "ye\u017f", "\u0130", "o\u212a", "ok"),
    *("a" * 512, "a" * 513, "'" + "a" * 2048 + "'", "'" + "a" * 2049 + "'", "abc(", "abc["),
    *("Invalid", "expired.", "'expired'", "S3cr3t!pw", "hunter2", "aB3dE5gH7jK9mN1pQ3sT5vW7"),
    *("'x", '"x', "'<s>'", "'***'", "'?'", "'a/b.json'", "'a[REDACTED]'", "a:b", "a=b", "a@b"),
    *("1.2.3", "dbPassword", "db_pass", "C:\\Users\\me\\k.pem", "pass\u00e9", "a\u01c5"),
)
_GLUE = (" ", "\n", "; ", ", ", "&", "(", ")", "{", "}", '"', "'", "\\", "my_", "a.", "-", "\t")


def _pair_text(rnd: random.Random) -> str:
    out = []
    for _ in range(rnd.randint(1, 12)):
        name = rnd.choice(_NAMES)
        value = rnd.choice((*_VALUES, name, name.lower(), name.upper(), name.replace("-", "_")))
        out.append(f"{rnd.choice(_GLUE)}{name}{rnd.choice(_SEPS)}{value}")
    return "".join(out)


def _texts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    texts = []
    for i in range(count):
        text = _pair_text(rnd)
        if i % 3 == 1:
            case = rnd.choice(CASES)
            at = rnd.randint(0, len(case))
            text = case[:at] + text + case[at:]
        if i % 5 == 0:
            text *= rnd.randint(20, 120)  # long texts: the anchors found by the regex scan
        texts.append(text)
    return texts


def _same(text: str) -> None:
    assert_same(pairs.PAIRS, pairs.PLAIN_PAIRS, text)


def test_fast_pairs_equal_plain_pairs_on_pair_texts() -> None:
    for text in _texts(11, 1500):
        _same(text)


def test_fast_pairs_equal_plain_pairs_on_the_corpus() -> None:
    for text in CASES:
        _same(text)
        _same(text * 50)


def test_fast_pairs_equal_plain_pairs_on_every_pair_of_pieces() -> None:
    for name in _NAMES:
        for sep in _SEPS:
            for value in _VALUES:
                for glue in ('"', " ", "my_"):
                    _same(f"{glue}{name}{sep}{value} ")
            for value in (name, name.lower(), name.upper(), name.lower().replace("-", "_")):
                _same(f" {name}{sep}{value} ")
