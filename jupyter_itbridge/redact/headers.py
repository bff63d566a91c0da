"""HTTP credentials: ``Authorization`` headers with any scheme, bare ``Bearer``/``Basic``
credentials, and cookie values. Other credential headers (``X-API-Key``,
``Ocp-Apim-Subscription-Key``, ``X-Vault-Token``, ``PRIVATE-TOKEN``, ``X-Foo-Api``) are names
like any other and go through the key/value family (:mod:`.pairs`), in raw, dict or JSON form.
"""

from __future__ import annotations

import re

from ._base import MARK, anchored_rule, conceal, keyword_start
from .names import looks_random

_AUTH_WORD = keyword_start(("authorization",), r"\w")
_SCHEME_WORD = keyword_start(("bearer", "basic", "negotiate"), r"\w\-")
_COOKIE_WORD = keyword_start(("cookie",), r"\w")
# f"Bearer {token}", "Basic %s", "${TOKEN}": a template in code, not a credential.
_TEMPLATE = re.compile(r"^(?:\{[A-Za-z_][\w.\[\]'\"]{0,80}\}|%[sr]|\$\{?[A-Za-z_]\w{0,60}\}?)")
_SCHEMES = r"bearer|basic|token|digest|negotiate|ntlm|apikey|api-key|sso-key|aws4-hmac-sha256|hmac"
AUTHORIZATION = anchored_rule(
    "header",
    ("authorization",),  # also the one in Proxy-Authorization
    re.compile(
        rf"(?P<head>{_AUTH_WORD}"
        r"[\"']?\s{0,4}[:=]\s{0,4}(?:[bfrBFR]{0,2}[\"'])?"
        rf"(?:(?i:{_SCHEMES})[ \t]{{1,4}})?)"
        r"(?P<cred>[^\s\"',;]{1,4096}(?:[^\S\n]{0,4},[^\S\n]{0,4}[A-Za-z]{1,32}=[^\s,\"']{1,1024}){0,16})",
    ),
    lambda m, found: _credential(m, found),
    resume="head",
    not_after=r"\w",
)


def _credential(m: re.Match[str], found: list[str]) -> str | None:
    cred = m.group("cred")
    if cred.startswith(MARK) or _TEMPLATE.search(cred):
        return None
    return f"{m.group('head')}{conceal(found, cred)}"


# A bare "Bearer <token>" or "Basic <base64>" anywhere (curl -H, logs, code building a header).
BEARER = anchored_rule(
    "header",
    ("bearer", "basic", "negotiate"),
    re.compile(
        rf"(?P<s>{_SCHEME_WORD})"
        r"[ \t]{1,4}(?P<cred>[A-Za-z0-9._~+/\-]{8,4096}={0,3})",
    ),
    lambda m, found: (
        f"{m.group('s')} {conceal(found, m.group('cred'))}"
        if m.group("s").lower() == "bearer" or looks_random(m.group("cred"), 12)
        else None
    ),
    not_after=r"\w\-",
)

# Cookie and Set-Cookie headers: every value goes (session ids are credentials).
_COOKIE_PAIR = re.compile(r"(?P<n>[^\s=;,]{1,128})=(?P<v>[^;\s\"',]{1,4096})")


def _cookie(m: re.Match[str], found: list[str]) -> str | None:
    def one(p: re.Match[str]) -> str:
        name, value = p.group("n"), p.group("v")
        attr = name.lower() in ("path", "domain", "expires", "max-age", "samesite", "version")
        if attr or value.startswith(MARK):
            return p.group(0)
        return f"{name}={conceal(found, value)}"

    new = _COOKIE_PAIR.sub(one, m.group("pairs"))
    return None if new == m.group("pairs") else f"{m.group('head')}{new}"


COOKIE = anchored_rule(
    "header",
    ("cookie",),  # also the one in Set-Cookie
    re.compile(
        rf"(?P<head>{_COOKIE_WORD}[\"']?\s{{0,4}}[:=]\s{{0,4}}[\"']?)"
        r"(?P<pairs>[^\s=;,\"']{1,128}=[^\n\"']{0,4096})",
    ),
    _cookie,
    not_after=r"\w",
)
