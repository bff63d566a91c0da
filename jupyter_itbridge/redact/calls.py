"""Credentials passed by position, with no key name to give them away: ``auth=(user, pw)``,
``HTTPBasicAuth("u", "pw")``, ``ClientSecretCredential(tenant, client, "secret")``,
``Minio(host, "access", "secret")``, ``smtp.login("me", "pw")``, ``pymssql.connect(server,
user, "pw", db)``, ``jwt.encode(payload, "secret")``, and an environment lookup whose default is
the secret (``os.getenv(NAME, "<default>")``).

Only string literals are redacted (a variable name is not a secret), and the first argument of a
two-argument credential (the user name, the key id) stays as context.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from functools import lru_cache

from ._base import (
    MARK,
    QUOTED,
    Rule,
    anchored_rule,
    ascii_haystack,
    keyword_start,
    listed_anchors,
    masked,
    plain_entries,
    split_quotes,
)
from ._rewrite import finish
from .names import STRONG, VARIABLE_WORDS, WEAK, classify, is_placeholder, looks_random, words

_LITERAL = re.compile(QUOTED)
_ARG_TOKENS = re.compile(rf"{QUOTED}|[\[{{(]|[\]}})]|,|[^,'\"`\[\]{{}}()]{{1,600}}")
_NUMBER = re.compile(r"\s{0,8}-?\d{1,10}\s{0,8}")

# Callables whose positional arguments hold a secret, by the last part of their name:
# the positions, or None for "every literal after the first".
_POSITIONS: dict[str, tuple[int, ...]] = {
    "ClientSecretCredential": (2,),
    "UsernamePasswordCredential": (2,),
    "CertificateCredential": (),
    "StorageSharedKeyCredential": (1,),
    "AzureNamedKeyCredential": (1,),
    "AzureKeyCredential": (0,),
    "AzureSasCredential": (0,),
    "ServicePrincipalCredentials": (1,),
    "SpotifyClientCredentials": (1,),
    "OAuth1": (0, 1, 2, 3),
    "OAuthHandler": (0, 1, 2, 3),
    "OAuth1UserHandler": (0, 1, 2, 3),
    "AppAuthHandler": (0, 1),
    "Minio": (1, 2),
    "Fernet": (0,),
    "Redis": (3,),
    "StrictRedis": (3,),
    "username_pw_set": (1,),
}
# The last word of a credential callable, where the pattern starts (the rest of the name is
# read back: HTTPBasicAuth, OAuth1UserHandler, ClientSecretCredential, server.login).
_FN = (
    r"Auth[A-Za-z0-9]{0,24}|Credentials?|auth|login|Login|bind_s|bind|connect|Connection"
    r"|FTP_TLS|FTP|Minio|Fernet|encode|decode|Redis|username_pw_set|Github|Gitlab|Dropbox"
    r"|Client"
)
_FN_ANCHORS = (
    *("auth", "credential", "login", "bind", "connect", "ftp", "minio", "fernet", "encode"),
    *("decode", "redis", "username_pw_set", "github", "gitlab", "dropbox", "client"),
)
# Names ending like this take (user or id, secret, ...): every literal after the first.
_ANY_POSITION = (
    *("Auth", "Authentication", "AuthProvider", "Credentials", "Credential", "auth", "login"),
    *("Login", "bind_s", "simple_bind", "Connection"),  # SMBConnection(user, password, ...)
)
# A string literal or a name with no comma, ``=``, quote, backslash, backtick or bracket: the
# argument forms whose split and literal checks a pattern can do (see _apply_calls).
_PLAIN_CLASS = r"[^'\"\\\n,=`()\[\]{}]"
_PLAIN_LITERAL = rf"""[bBrRuUfFN]{{0,2}}(?:'{_PLAIN_CLASS}{{0,250}}'|"{_PLAIN_CLASS}{{0,250}}")"""
_PLAIN_NAME = r"[\w.]{1,100}(?![\w.])"  # the look-ahead: a failed call gives up at once
_TWO_PLAIN_ARGS = (
    r"(?=[^()\n,=]{0,300},[^()\n,=]{0,300}\))"  # what they need, in two cheap scans
    rf"[ \t]{{0,8}}(?:{_PLAIN_LITERAL}|{_PLAIN_NAME})[ \t]{{0,8}},[ \t]{{0,8}}"
    rf"(?:[bBrRuUfFN]{{0,2}}(?P<quote>['\"])(?P<inner>{_PLAIN_CLASS}{{1,250}})(?P=quote)"
    rf"|{_PLAIN_NAME})[ \t]{{0,8}}(?=\))"
)
# ``args`` spans what ``[^()\n]{0,600}`` would: both branches stop at the first ``)``, and
# ``two`` (two plain arguments, ``inner`` the second one's literal) is at most 541 long.
_CALL = re.compile(
    rf"(?P<fn>{_FN})(?P<open>[ \t]{{0,4}}\()"
    rf"(?P<args>(?P<two>{_TWO_PLAIN_ARGS})|[^()\n]{{0,600}})\)"
)
_CALLEE_STR = "_.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_BRACKET = re.compile(r"[\[\]{}()]")
_KWARG = re.compile(r"\s{0,8}\*{0,2}[A-Za-z_]\w{0,80}\s{0,8}=")


_NOT_SIMPLE = re.compile(r"[\[\]{}\\`\n]")


def _split_args(args: str) -> list[str]:
    """Top-level comma-separated pieces of an argument list (brackets and quotes respected)."""
    if len(args) <= 2048 and _NOT_SIMPLE.search(args) is None and ("'" in args) != ('"' in args):
        # One kind of quote, no bracket, backslash or backtick: the tokens below pair the
        # quotes in order, so when every comma-separated piece holds an even number of them no
        # comma is inside a literal and no quote is left unpaired (dropped): str.split agrees.
        quote = "'" if "'" in args else '"'
        pieces = args.split(",")
        for piece in pieces:
            if piece.count(quote) & 1:
                break
        else:
            return pieces
    return _split_tokens(args)


def _split_tokens(args: str) -> list[str]:
    """:func:`_split_args` by its tokens (a quote with no closing one is dropped)."""
    pieces = [""]
    if not _BRACKET.search(args):  # the usual case: every comma token is a top-level one
        for tok in _ARG_TOKENS.findall(args):
            if tok == ",":
                pieces.append("")
            else:
                pieces[-1] += tok
        return pieces
    depth = 0
    for tok in _ARG_TOKENS.findall(args):
        if tok in "[{(":
            depth += 1
        elif tok in "]})":
            depth -= 1
        elif tok == "," and depth == 0:
            pieces.append("")
            continue
        pieces[-1] += tok
    return pieces


def _positions(callee: str, last: str, pieces: list[str], positional: list[int]) -> tuple[int, ...]:
    """Which of the ``positional`` pieces (indices into ``pieces``) hold a secret."""
    jwt = last in ("encode", "decode") and (callee.startswith("jwt.") or ".jwt." in callee)
    port = (
        last in ("connect", "Connection", "FTP", "FTP_TLS")
        and len(positional) > 1
        and _NUMBER.fullmatch(pieces[positional[1]]) is not None
    )
    return _positions_of(last, jwt, len(positional), port)


@lru_cache(maxsize=1024)
def _positions_of(last: str, jwt: bool, count: int, port: bool) -> tuple[int, ...]:
    """The positions that hold a secret, by callable name (cached: a text repeats its calls'
    names, as it does its key names)."""
    if last in _POSITIONS:
        return _POSITIONS[last]
    if last in ("encode", "decode"):
        return (1,) if jwt else ()
    if last in ("Github", "Gitlab", "Dropbox"):
        return (0,) if count == 1 else (1,)
    if last.endswith("Client"):
        return (0,) if count == 1 else ()  # cohere.Client("<key>"): only a token
    if last in ("connect", "Connection", "FTP", "FTP_TLS"):
        return (3,) if port else (2,)
    if not (last.endswith(_ANY_POSITION) or "Auth" in last or "Credential" in last):
        return ()  # reconnect(), urlencode(), socket.bind(): not credential callables
    if count == 1:
        return (0,)  # a lone literal is redacted only if it looks like a token (below)
    return tuple(range(1, count))


def _call(m: re.Match[str], found: list[str]) -> str | None:
    args = m.group("args")
    if "'" not in args and '"' not in args and "`" not in args:
        return None
    text, start = m.string, m.start()
    limit = max(0, start - 80)  # the callee's name, read back (rstrip: in C)
    head = limit + len(text[limit:start].rstrip(_CALLEE_STR))
    while head > limit and text[head - 1].isalnum():  # a non-ASCII letter or digit
        head -= 1
        head = limit + len(text[limit:head].rstrip(_CALLEE_STR))
    fn = m.group("fn")
    callee = text[head:start] + fn
    last = callee.rsplit(".", 1)[-1] if "." in callee else callee
    pieces = _split_args(args)
    positional = [i for i, p in enumerate(pieces) if "=" not in p or not _KWARG.match(p)]
    wanted = _positions(callee, last, pieces, positional)
    changed = False
    for index in wanted:
        if index >= len(positional):
            continue
        piece = pieces[positional[index]]
        literal = piece.strip()  # the piece must be one string literal and nothing else
        lit = _LITERAL.match(literal)
        if not lit or lit.end() != len(literal):
            continue
        split = split_quotes(literal)
        inner = split[1]
        if not inner or inner.startswith(MARK) or is_placeholder(inner):
            continue
        if len(positional) == 1 and last not in _POSITIONS and not looks_random(inner, 16):
            continue
        pieces[positional[index]] = piece.replace(literal, masked(literal, found, split), 1)
        changed = True
    if not changed:
        return None
    return f"{fn}{m.group('open')}{','.join(pieces)})"


# Callables whose positions depend on the last word of ``fn`` alone (not on the name read
# back before it): every ``Auth<...>`` except OAuth1, OAuthHandler, OAuth1UserHandler,
# AppAuthHandler (listed in _POSITIONS) and ``*Client``; auth, login, Login, bind_s. With two
# positional arguments, each takes the second (``_positions_of(last, False, 2, False)``).
_BY_FN_ALONE = ("auth", "login", "Login", "bind_s")
_AUTH_LISTED = ("Auth1", "AuthHandler", "Auth1UserHandler")


@lru_cache(maxsize=256)
def _second_by_fn(fn: str) -> bool:
    """Whether a two-argument call of ``...fn`` takes its second argument, whatever the
    callee's name before ``fn`` (checked against _positions_of in tests/redact)."""
    if fn in _BY_FN_ALONE:
        return True
    return fn.startswith("Auth") and fn not in _AUTH_LISTED and not fn.endswith("Client")


_ANCHOR_BYTES = tuple(a.encode("ascii") for a in _FN_ANCHORS)
_ENTRIES = plain_entries(_FN_ANCHORS)
_FN_G, _TWO_G, _INNER_G = (_CALL.groupindex[g] for g in ("fn", "two", "inner"))
_PROBE = 4096  # the text's start, where the calls are counted to choose the scan
_DENSE = 64  # characters per call below which one finditer beats a match per anchor


def _dense(text: str) -> bool:
    """Whether the text's start has a call every _DENSE characters (the anchors are counted
    first: that costs less than the pattern's scan, and calls are rarer than anchors)."""
    head = ascii_haystack(text[:_PROBE], True)
    if sum(head.count(anchor) for anchor in _ANCHOR_BYTES) * _DENSE <= _PROBE:
        return False
    return len(_CALL.findall(text, 0, _PROBE)) * _DENSE > _PROBE


def _anchored_matches(text: str, found: list[str]) -> Iterator[re.Match[str]]:
    """The matches of the anchored scan (:func:`._base.rewrite` trying the pattern at each
    anchor, resuming after ``open`` when a call is left alone, after the call otherwise).
    Every match starts at an anchor (each ``fn`` begins with one) and none starts between a
    match's ``open`` and its end (``args`` holds no ``(``), so the next match after either
    resume point is the next one ``finditer`` gives: in a text dense with calls, it looks
    for them in C (a successful match costs more tried from Python than in one scan)."""
    positions = listed_anchors(text, found, _ENTRIES)
    match = _CALL.match
    pos = 0
    for p in positions:
        if p >= pos and (m := match(text, p)) is not None:
            yield m
            pos = m.end()


def _apply_calls(text: str, found: list[str]) -> str:
    """:func:`_call` on every match (``finditer``'s where the text's start is dense with calls,
    see :func:`_anchored_matches`), with a shortcut for the usual call: two plain arguments
    to a callable named by ``fn`` alone. There the pattern has done the split, the kwarg and
    the literal checks, so only the placeholder check is left, and the replacement is the
    match with the literal's content replaced (what :func:`_call` builds)."""
    parts: list[str] = []
    add, last = parts.append, 0
    dense = len(text) > _PROBE and _dense(text)
    for m in _CALL.finditer(text) if dense else _anchored_matches(text, found):
        start, end = m.span(_INNER_G)  # set only inside ``two``
        if (start >= 0 or m.start(_TWO_G) >= 0) and _second_by_fn(m.group(_FN_G)):
            if start >= 0:
                inner = text[start:end]
                if not inner.startswith(MARK) and not is_placeholder(inner):
                    found.append(inner)
                    add(text[last:start])
                    add(MARK)
                    last = end
            continue
        new = _call(m, found)
        if new is not None:
            add(text[last : m.start()])
            add(new)
            last = m.end()
    return finish(parts, text, last)


CALLS = Rule(
    "positional",
    _FN_ANCHORS,
    (_CALL,),
    _apply_calls,
    anchored=_ANCHOR_BYTES,
)

# auth=("user", "pw"), basic_auth=(...), http_auth=[...], "credentials": ("id", "secret").
_TUPLE_WORDS = ("auth", "cred", "key", "token", "secret", "pass", "login")
_TUPLE = re.compile(
    rf"(?P<kw>{keyword_start(_TUPLE_WORDS)})"
    r"(?P<rest>\w{0,60})(?P<sep>[\"']?[ \t]{0,4}[=:][ \t]{0,4}[(\[][ \t]{0,4})"
    r"(?P<items>[^()\[\]\n]{0,600})(?P<close>[)\]])"
)
_NAME_HEAD = re.compile(r"\w{1,64}$")


def _tuple(m: re.Match[str], found: list[str]) -> str | None:
    items = m.group("items")
    if not any(q in items for q in "\"'`"):
        return None
    text = m.string
    head = _NAME_HEAD.search(text, max(0, m.start() - 64), m.start())
    name = (head.group(0) if head else "") + m.group("kw") + m.group("rest")
    ws = words(name)
    if classify(name) < WEAK and not {"auth", "credentials", "creds", "login"} & set(ws):
        return None
    pieces = _split_args(items)
    if len(pieces) < 2:
        return None
    changed = False
    for i in range(1, len(pieces)):
        lit = _LITERAL.search(pieces[i])
        if not lit or pieces[i].strip() != lit.group(0):
            continue
        inner = split_quotes(lit.group(0))[1]
        if inner and not inner.startswith(MARK) and not is_placeholder(inner):
            pieces[i] = pieces[i].replace(lit.group(0), masked(lit.group(0), found), 1)
            changed = True
    if not changed:
        return None
    return text[m.start() : m.start("items")] + ",".join(pieces) + m.group("close")


# Where a tuple can follow a name: ``=(``, ``: [`` (the name's word run ends before an optional
# quote and blanks). Only the anchors of a word run that ends at one of these can match (the
# name must reach the run's end), so the others are not tried, and a skip never leaves its run.
# One pattern per separator: a literal first character is searched in C several times faster
# than a class of two (their matches cannot overlap, so together they are the class's). A
# ``[`` that opens MARK (``token=[REDACTED]``, left by the URL rules) is no site: the items
# would be ``REDACTED``, which holds no literal, so the rule would leave that call alone.
_OPENER = rf"[ \t]{{0,4}}(?:\(|\[(?!{re.escape(MARK[1:])}))"
_TUPLE_OPENS = (re.compile(f"={_OPENER}"), re.compile(f":{_OPENER}"))
_NOT_WORD = re.compile(r"\W")


def _tuple_candidates(text: str, anchors: Callable[[], list[int]]) -> list[int]:
    sites = [m.start() for opening in _TUPLE_OPENS for m in opening.finditer(text)]
    if not sites:
        return []
    sites.sort()
    positions = anchors()
    kept: list[int] = []
    for site in sites:
        end = site
        while end > max(0, site - 5) and text[end - 1] in " \t":
            end -= 1
        if site - end > 4:
            continue
        if end and text[end - 1] in "\"'":
            end -= 1
        if not end or not (text[end - 1].isalnum() or text[end - 1] == "_"):
            continue
        i, stop = bisect_left(positions, end) - 1, end  # the run's anchors, right to left
        run: list[int] = []
        while i >= 0 and _NOT_WORD.search(text, positions[i], stop) is None:
            run.append(positions[i])
            stop = positions[i]
            i -= 1
        kept += reversed(run)
    return kept


TUPLES = anchored_rule(
    "positional",
    _TUPLE_WORDS,
    _TUPLE,
    _tuple,
    resume="sep",
    skip=re.compile(r"\w{1,60}"),
    candidates=_tuple_candidates,
)

# os.getenv(NAME, "default"), os.environ.get(name, "default"), cfg.get(KEY_VAR, "default"):
# the default is redacted when the variable's name is secret or the default looks like a token
# (``.get("DB_PASSWORD", "...")`` with a literal name is a key/value pair, see :mod:`.pairs`).
_DEFAULT = re.compile(
    r"(?P<head>(?:getenv|\.get|setdefault|putenv)[ \t]{0,4}\([ \t]{0,4}"
    rf"(?P<var>[A-Za-z_][\w.]{{0,80}}|{QUOTED})[ \t]{{0,4}},[ \t]{{0,4}})"
    rf"(?P<value>{QUOTED})(?=[ \t]{{0,4}}\))"
)


def _default(m: re.Match[str], found: list[str]) -> str | None:
    value = m.group("value")
    inner = split_quotes(value)[1]
    if not inner or inner.startswith(MARK) or is_placeholder(inner):
        return None
    var = split_quotes(m.group("var"))[1]
    secret_var = classify(var) == STRONG or any(w in VARIABLE_WORDS for w in words(var))
    if not secret_var and not looks_random(inner, 12):
        return None
    return f"{m.group('head')}{masked(value, found)}"


DEFAULTS = anchored_rule("code", ("getenv", ".get", "setdefault", "putenv"), _DEFAULT, _default)
