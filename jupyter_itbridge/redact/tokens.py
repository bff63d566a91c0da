"""Secrets recognised by their shape alone, wherever they appear: private keys, JWTs, and tokens
with a vendor prefix. The formats follow the public rule definitions of gitleaks
(``config/gitleaks.toml``), trufflehog (``pkg/detectors``) and detect-secrets
(``detect_secrets/plugins``), widened where a vendor documents longer tokens.

Token patterns are tried only at the text start and after a character that cannot belong to a
token, so inside a long run of token characters only the run's first position is tried (linear
time), and the regex engine skips every other position in C.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from ._base import MARK, Found, Repl, Rule, ascii_haystack, conceal, regex_rule, scan
from ._rewrite import finish, rewrite_at
from .names import looks_random

# -- PEM private keys ------------------------------------------------------------------------
_PEM_HEAD = re.compile(r"-----BEGIN ([A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----")
_PEM_TAIL = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
# A truncated key (no END line): its base64 body, with real or JSON-escaped line breaks.
_PEM_BODY = re.compile(r"(?:[A-Za-z0-9+/=:,\-\s]|\\[nr]){0,16384}")
_PEM_MAX = 16384
# ``_PEM_BODY`` as runs of its first form (one C loop each) between escapes: the two forms
# start with different characters, so each step of the greedy match has one choice.
_PEM_RUN = re.compile(r"[A-Za-z0-9+/=:,\-\s]{0,16384}")


def _pem_body_end(text: str, pos: int) -> int:
    """``_PEM_BODY.match(text, pos).end()``, 16384 steps at most (a run character or an
    escaped line break each)."""
    budget = _PEM_MAX
    while True:
        end = _PEM_RUN.match(text, pos, pos + budget).end()  # type: ignore[union-attr]
        budget -= end - pos
        pos = end
        if budget <= 0 or not text.startswith(("\\n", "\\r"), pos):
            return pos
        pos += 2
        budget -= 1


def _pem_apply(text: str, found: list[str]) -> str:
    """Replace the body of every private-key block; a block without an END line loses its
    base64 body. One pass: the next END line is searched once and reused by later blocks."""
    parts: list[str] = []
    last = pos = 0
    tail: re.Match[str] | None = None
    searched = False
    while (m := _PEM_HEAD.search(text, pos)) is not None:
        label = m.group(1)
        if not searched or (tail is not None and tail.start() < m.end()):
            tail, searched = _PEM_TAIL.search(text, m.end()), True
        if tail is not None and tail.start() - m.end() <= _PEM_MAX:
            stop = tail.end()
        else:
            stop = _pem_body_end(text, m.end())
        body = text[m.end() : stop]
        if body.strip() and not body.startswith(MARK):
            conceal(found, body)
            parts += [text[last : m.start()], f"-----BEGIN {label}-----{MARK}-----END {label}-----"]
            last = stop
        pos = max(stop, m.end())
    return finish(parts, text, last)


PEM = Rule("private-key", ("-----begin",), (_PEM_HEAD, _PEM_TAIL, _PEM_RUN), _pem_apply)


def _putty(m: re.Match[str], found: list[str]) -> str | None:
    return f"{m.group('head')}{conceal(found, m.group('body'))}\n"


PUTTY = regex_rule(
    "private-key",
    ("private-lines",),
    re.compile(
        r"(?P<head>Private-Lines:[ \t]{0,4}\d{1,3}[ \t]{0,4}\r?\n)"
        r"(?P<body>(?:[A-Za-z0-9+/=]{1,128}\r?\n){1,64})"
    ),
    _putty,
)

# -- JSON Web Tokens --------------------------------------------------------------------------
_B64URL = "A-Za-z0-9_\\-"
JWT = regex_rule(
    "jwt",
    ("ey",),
    re.compile(
        rf"ey(?<![{_B64URL}]ey)[{_B64URL}]{{10,4096}}\.ey[{_B64URL}]{{10,8192}}"
        rf"\.[{_B64URL}+/=]{{0,4096}}"
    ),
    lambda m, found: conceal(found, m.group(0)),
    needs_run=15,
)

# -- Vendor prefixes ---------------------------------------------------------------------------
# One pattern per token format, each starting with a literal character; a pattern is a whole
# token. ``looks_random`` guards the
# prefixes that also begin ordinary words (``sk-learn-...``).
_PREFIXED: tuple[str, ...] = (
    r"gh[pousr]_[A-Za-z0-9]{30,255}",
    r"github_pat_[A-Za-z0-9_]{22,255}",
    r"gl(?:pat|dt|rt|cbt|ptt|ft|imt|oas|soat|agent|ffct)-[\w\-.]{20,300}",
    r"GR1348941[\w\-]{20,50}",
    r"xox[abposre]-[A-Za-z0-9\-]{10,250}",
    r"xoxe\.xox[bp]-[A-Za-z0-9\-]{10,250}",
    r"xapp-\d-[A-Za-z0-9\-]{10,250}",
    r"sk-[A-Za-z0-9_\-]{20,300}",
    r"sk_(?:live|test|prod)_[A-Za-z0-9]{10,250}",
    r"rk_(?:live|test|prod)_[A-Za-z0-9]{10,250}",
    r"pk_(?:live|test|prod)_[A-Za-z0-9]{10,250}",
    r"whsec_[A-Za-z0-9+/=]{24,128}",
    r"hf_[A-Za-z0-9]{30,64}",
    r"api_org_[A-Za-z0-9]{30,64}",
    r"npm_[A-Za-z0-9]{36}",
    r"pypi-AgE[A-Za-z0-9_\-]{50,1000}",
    r"AIza[0-9A-Za-z_\-]{35}",
    r"ya29\.[0-9A-Za-z_\-.]{20,2048}",
    r"1//0[0-9A-Za-z_\-]{30,512}",
    r"GOCSPX-[0-9A-Za-z_\-]{24,40}",
    r"ABSK[A-Za-z0-9+/]{109,269}={0,2}",
    r"SG\.[\w\-]{16,32}\.[\w\-]{16,64}",
    r"SK[0-9a-fA-F]{32}",
    r"key-[0-9a-f]{32}",
    r"dapi[0-9a-f]{32}(?:-\d)?",
    r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
    r"do[opr]_v1_[a-f0-9]{64}",
    r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}",
    r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}",
    r"glc_[A-Za-z0-9+/]{32,400}={0,3}",
    r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
    r"eyJrIjoi[A-Za-z0-9]{70,400}={0,3}",
    r"hv[sbr]\.[\w\-]{24,300}",
    r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
    r"pul-[a-f0-9]{40}",
    r"lin_api_[A-Za-z0-9]{40}",
    r"secret_[A-Za-z0-9]{43}",
    r"ntn_[0-9]{11}[A-Za-z0-9]{35}",
    r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}",
    r"AT(?:ATT|CTT)3[A-Za-z0-9_\-=+/]{100,400}",
    r"ATBB[A-Za-z0-9_=.\-]{28,100}",
    r"dckr_(?:pat|oat)_[\w\-]{27,40}",
    r"sbp_[a-f0-9]{40}",
    r"r8_[0-9A-Za-z_\-]{37}",
    r"gsk_[A-Za-z0-9]{52}",
    r"pplx-[A-Za-z0-9]{48}",
    r"xai-[0-9A-Za-z_]{80}",
    r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}",
    r"pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63}",
    r"tskey-[a-z]{1,16}-[0-9A-Za-z_]{1,64}-[0-9A-Za-z_]{1,128}",
    r"sntrys_eyJ[\w=+/]{100,400}",
    r"sntryu_[a-f0-9]{64}",
    r"NR(?:AK|JS|II)-[A-Za-z0-9\-]{19,40}",
    r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
    r"HRKU-AA[0-9a-zA-Z_\-]{58}",
    r"fo1_[\w\-]{43}",
    r"pnu_[A-Za-z0-9]{36}",
    r"rdme_[a-z0-9]{70}",
    r"rubygems_[a-f0-9]{48}",
    r"CLOJARS_[a-z0-9]{60}",
    r"sq0(?:atp|csp|idp)-[\w\-]{22,60}",
    r"EAA[ACM][A-Za-z0-9]{60,400}",
    r"sl\.(?:u\.)?[A-Za-z0-9\-_=]{130,1024}",
    r"sk\.eyJ[\w\-]{50,400}\.[\w\-]{20,100}",
    r"AKCp[A-Za-z0-9]{69}",
    r"cmVmdGtu[A-Za-z0-9]{56}",
    r"ops_eyJ[A-Za-z0-9+/]{250,2048}={0,3}",
    r"LTAI[A-Za-z0-9]{20}",
    r"EZ[AT]K[A-Za-z0-9]{54}",
    r"FLW(?:SECK|PUBK)(?:_TEST)?-[a-h0-9]{32}-X",
    r"duffel_(?:test|live)_[\w\-=]{43}",
    r"fio-u-[\w\-=]{64}",
    r"tfp_[\w\-.=]{40,59}",
    r"shippo_(?:live|test)_[a-fA-F0-9]{40}",
    r"tk-us-[\w\-]{48}",
    r"pscale_(?:tkn|oauth|pw)_[\w=.\-]{32,64}",
    r"nfp_[A-Za-z0-9_]{36}",
    r"sha256~[\w\-]{43}",
    r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}",
    r"ico-[A-Za-z0-9]{32}",
    r"p8e-[A-Za-z0-9]{32}",
    r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}",
)
# Prefixes that also start ordinary words: the token must look random to be redacted.
_CHECKED = ("sk-", "secret_", "pat", "AT", "SK")
_TOKEN_CHARS = "A-Za-z0-9_\\-"
_TOKEN_BODY = string.ascii_letters + string.digits + "_-?"


def _grouped(patterns: list[str]) -> str:
    """``c(?:rest|rest)`` per first character: a branch of literals, cheap to reject."""
    by_first: dict[str, list[str]] = {}
    for p in patterns:
        by_first.setdefault(p[0], []).append(p[1:])
    return "|".join(f"{c}(?:{'|'.join(rests)})" for c, rests in by_first.items())


def _prefixed_repl(m: re.Match[str], found: list[str]) -> tuple[int, str] | None:
    token = m.group("tok")
    if token.startswith(_CHECKED) and not looks_random(token[3:], 12):
        return None
    return m.start("tok"), conceal(found, token)


# Tried after each character that cannot be part of a token (and at the text start): the
# engine skips every token character in C, and a token is only looked for where one can begin.
_TOKEN = rf"(?P<tok>{_grouped(list(_PREFIXED))})(?![{_TOKEN_CHARS}])"


def boundary_rule(
    family: str, token: str, outside: str, repl: Repl, group: str, needs_run: int
) -> Rule:
    """A rule for the pattern ``token`` tried at the text start and after each character of
    the class ``outside`` (one that cannot be part of the token)."""
    first = re.compile(token)
    after = re.compile(f"{outside}{token}")

    def apply(text: str, found: list[str]) -> str:
        m = first.match(text)
        if m is not None and (new := repl(m, found)) is not None:
            replacement = new[1] if isinstance(new, tuple) else new
            return replacement + scan(after, text[m.end() :], repl, found, group)
        return scan(after, text, repl, found, group)

    return Rule(family, None, (first, after), apply, needs_run=needs_run)


def listed_boundary_rule(
    family: str,
    token: str,
    outside: str,
    repl: Repl,
    group: str,
    needs_run: int,
    positions: Callable[[str, list[str]], list[int]],
) -> Rule:
    """:func:`boundary_rule` with the pattern tried only at ``positions(text, found)``: sorted,
    and holding every position where the pattern after ``outside`` can match (the search
    would find the same matches, at a regex attempt per character of ``outside``)."""
    first = re.compile(token)
    after = re.compile(f"{outside}{token}")

    def scan_at(text: str, listed: list[int], found: list[str]) -> str:
        if not listed:
            return text
        return rewrite_at(text, listed, after, None, repl, found, group)

    def apply(text: str, found: list[str]) -> str:
        listed = positions(text, found)
        m = first.match(text)
        if m is not None and (new := repl(m, found)) is not None:
            replacement = new[1] if isinstance(new, tuple) else new
            end = m.end()
            rest = [p - end for p in listed if p >= end]
            return replacement + scan_at(text[end:], rest, found)
        return scan_at(text, listed, found)

    return Rule(family, None, (first, after), apply, needs_run=needs_run)


PREFIXED = boundary_rule(
    "token-prefix", _TOKEN, f"[^{_TOKEN_CHARS}]", _prefixed_repl, "tok", needs_run=15
)
# Shapes that start with a character class instead of a literal prefix.
SHAPED = regex_rule(
    "token-prefix",
    ("-us", ".atlasv1.", "_mmk"),
    re.compile(
        r"(?<![A-Za-z0-9_\-])(?:[0-9a-f]{32}-us\d{1,2}|[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9\-_=]{60,70}"
        r"|[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)(?![A-Za-z0-9_\-])"
    ),
    lambda m, found: conceal(found, m.group(0)),
    needs_run=15,
)

# Discord bot tokens have no prefix but a rigid shape (looked for where the text mentions
# Discord, a bot or a token, as trufflehog does).
_BOT_TOKEN = re.compile(
    r"[MNO](?<![\w\-.][MNO])[A-Za-z\d_\-]{23,25}\.[A-Za-z\d_\-]{6}\.[A-Za-z\d_\-]{27,38}"
    r"(?![\w\-])"
)
# The haystack's characters as classes: "a" for a body character (a non-ASCII one, which may
# be a ``\d`` digit, is "?" there, so "?" too), "." for itself, " " for every other.
_BOT_CLASSES = bytes(
    ord("a") if chr(b) in _TOKEN_BODY else ord(".") if b == ord(".") else ord(" ")
    for b in range(256)
)
_BOT_MIDDLE = b".aaaaaa."  # the 6 characters between the two dots
_BOT_DOT = re.compile(re.escape(_BOT_MIDDLE[:1]) + b"(?=" + re.escape(_BOT_MIDDLE[1:]) + b")")


def _bot_candidates(text: str, found: list[str]) -> list[int]:
    """Every position where ``_BOT_TOKEN`` can match: 24 to 26 characters before a middle
    part, found in the classes by a search that skips to each dot in C (``bytes.find`` when
    dots are dense: it never costs more than a few steps per character); the engine would
    otherwise try every ``M``, ``N``, ``O``."""
    hay = found.haystack(text, False) if isinstance(found, Found) else ascii_haystack(text, False)
    classes = hay.translate(_BOT_CLASSES)
    if classes.count(b".") * 16 > len(classes):
        middles: list[int] = []
        find = classes.find
        i = find(_BOT_MIDDLE)
        while i != -1:
            middles.append(i)
            i = find(_BOT_MIDDLE, i + 1)
    else:
        middles = [m.start() for m in _BOT_DOT.finditer(classes)]
    return [s for i in middles for s in (i - 26, i - 25, i - 24) if s >= 0]


def _bot_token(m: re.Match[str], found: list[str]) -> str | None:
    return conceal(found, m.group(0)) if looks_random(m.group(0)) else None


def _bot_apply(text: str, found: list[str]) -> str:
    listed = _bot_candidates(text, found)
    if not listed:
        return text
    return rewrite_at(text, listed, _BOT_TOKEN, None, _bot_token, found, "")


BOT_TOKENS = Rule(
    "token-prefix", ("discord", "bot", "token"), (_BOT_TOKEN,), _bot_apply, needs_run=15
)

# Telegram bot tokens: <8-10 digit bot id>:AA<33 chars>; found at ":AA", the id read back.
_BOT_ID = re.compile(r"(?<![\w\-])\d{8,10}$")


def _telegram(m: re.Match[str], found: list[str]) -> tuple[int, str] | None:
    head = _BOT_ID.search(m.string, max(0, m.start() - 11), m.start())
    if head is None:
        return None
    return head.start(), conceal(found, m.string[head.start() : m.end()])


TELEGRAM = regex_rule(
    "token-prefix",
    (":aa",),
    re.compile(r":AA[0-9A-Za-z_\-]{33}(?![\w\-])"),
    _telegram,
    needs_run=15,
)

# AWS access key ids: the 4-letter type prefix stays so that IT knows what leaked.
_AWS_TYPES = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA", "A3T")
_AWS_KEY_ID = re.compile(
    r"(?P<p>AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA|A3T[A-Z0-9])(?<![A-Za-z0-9]....)"
    r"(?P<rest>[A-Z0-9]{16})(?![A-Za-z0-9])"
)


def _aws_key_id(m: re.Match[str], found: list[str]) -> str:
    return f"{m.group('p')}{conceal(found, m.group('rest'))}"


def _aws_apply(text: str, found: list[str]) -> str:
    """The pattern starts with the literal ``A``: the engine skips to each ``A`` in C and
    rejects most at the next character, cheaper than eleven substring searches for the type
    words (the gate this replaces) unless ``A`` is dense (then those searches go first)."""
    if text.count("A") * 16 > len(text) and not any(w in text for w in _AWS_TYPES):
        return text
    return scan(_AWS_KEY_ID, text, _aws_key_id, found, "")


AWS_KEY_ID = Rule("aws", None, (_AWS_KEY_ID,), _aws_apply, needs_run=15)


def _mixed_base64(m: re.Match[str], found: list[str]) -> tuple[int, str] | None:
    """A lone 40-char AWS secret or 88-char Azure key: only when it really looks random (a git
    SHA is hex, a path has no mixed case)."""
    text = m.group("b64")
    has_upper = any(c.isupper() for c in text)
    has_lower = any(c.islower() for c in text)
    has_other = any(c.isdigit() or c in "/+" for c in text)
    if not (has_upper and has_lower and has_other):
        return None
    return m.start("b64"), conceal(found, text)


# Tried after each character that cannot be part of one (and at the text start): a pattern that
# started at the run itself would be tried at every letter of ordinary text.
_B64_CHARS = string.ascii_letters + string.digits + "/+"
_B64_RUN = r"(?P<b64>[A-Za-z0-9/+]{40}|[A-Za-z0-9/+]{86}==)(?![A-Za-z0-9/+=])"
# The text's characters as classes: "a" for a base64 character, "=" for itself, " " for every
# other (a non-ASCII character is "?" in the haystack, so " " too).
_B64_CLASSES = bytes(
    ord("a") if chr(b) in _B64_CHARS else ord("=") if b == ord("=") else ord(" ")
    for b in range(256)
)
# Where ``_B64_RUN`` matches after a boundary character: the classes there start with
# ``_B64_START`` and go on with " " (40 characters) or ``_B64_TAIL`` (86 and ``==``); a " " is
# appended for the end of the text, where the look-ahead holds too.
_B64_START = b" " + b"a" * 40
_B64_TAIL = b"a" * 46 + b"== "


def _b64_positions(text: str, found: list[str]) -> list[int]:
    """Exactly the positions where the boundary pattern of ``LONE_BASE64`` matches, found by
    ``bytes.find`` in the text's classes (C speed: the needle's one " " makes the search skip
    ahead by its length; occurrences cannot overlap, the next " " comes after the run)."""
    hay = found.haystack(text, False) if isinstance(found, Found) else ascii_haystack(text, False)
    classes = hay.translate(_B64_CLASSES) + b" "
    find = classes.find
    out: list[int] = []
    i = find(_B64_START)
    while i != -1:
        if classes[i + 41] == 32 or classes.startswith(_B64_TAIL, i + 41):
            out.append(i)
        i = find(_B64_START, i + 41)
    return out


LONE_BASE64 = listed_boundary_rule(
    "aws", _B64_RUN, "[^A-Za-z0-9/+=]", _mixed_base64, "b64", 40, _b64_positions
)

# Azure AD client secrets: three characters, a digit, ``Q~``, then 31-34 more.
AZURE_CLIENT_SECRET = regex_rule(
    "token-prefix",
    ("q~",),
    re.compile(r"(?<![\w~.\-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}(?![\w~.\-])"),
    lambda m, found: conceal(found, m.group(0)),
    needs_run=15,
)
