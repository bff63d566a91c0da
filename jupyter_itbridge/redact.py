"""Secret redaction for everything a request carries (preview in the kernel, storage on the server).

Why here and pure: the kernel redacts before the user sees the preview, and the server redacts
again before anything is stored or sent, with the very same rules. Stdlib only; the patterns
are compiled once at import, and each runs only when a cheap substring gate says it could
match, so redaction stays cheap on every traceback.

The rules keep enough context for IT to understand the problem (``postgresql://u:[REDACTED]@h``,
``PWD=[REDACTED]``, ``Authorization: Bearer [REDACTED]``) and drop only the secret itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MARK = "[REDACTED]"

# Value forms after ``key=``: ODBC braces (``}}`` escapes a brace), quoted strings, bare words.
_VALUE = r"""(?:\{(?:[^}]|\}\})*\}|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s;,'"<>()]+)"""

# Key names that hold secrets. A keyword must be a whole "segment" of the name (``db_password``,
# ``access-token``, ``sslpassword``) so that ``tokenizer=`` or ``max_tokens=`` stay untouched.
_SECRET_WORDS = (
    r"[a-z0-9]*(?:password|passwd|passphrase|pwd|secret|token)"
    r"|api[_-]?key|access[_-]?key(?:[_-]?id)?|secret[_-]?key|private[_-]?key|account[_-]?key"
    r"|shared[_-]?access[_-]?key|client[_-]?secret|credentials?|sig|signature"
)
_KEY = rf"(?:[a-z0-9]+[_.\-])*(?:{_SECRET_WORDS})(?:[_.\-](?:id|value|key|b64|base64))?"

# (gate, pattern, replacement). The gate lists substrings of which at least one must occur in
# the case-folded text for the pattern to be able to match (None: always run). Most text a
# request or a traceback carries opens no gate, so most rules are skipped by a few substring
# searches instead of a regex scan each.
_Rule = tuple["tuple[str, ...] | None", re.Pattern[str], "str | Callable[[re.Match[str]], str]"]

_KEY_GATE = ("pass", "pwd", "secret", "token", "key", "credential", "sig")


def _keep_quotes(match: re.Match[str]) -> str:
    """Replace a ``key = value`` value, keeping ODBC braces and quotes around the marker."""
    value = match.group("value")
    if value == MARK:
        return match.group(0)
    if value[:1] in "{\"'" and len(value) >= 2:
        opener = value[0]
        closer = "}" if opener == "{" else opener
        value = f"{opener}{MARK}{closer}"
    else:
        value = MARK
    return f"{match.group('key')}{match.group('sep')}{value}"


def _mixed_base64(match: re.Match[str]) -> str:
    """A lone 40-char AWS-style secret: only when it really looks random (not a hex git SHA)."""
    text = match.group(0)
    has_upper = any(c.isupper() for c in text)
    has_lower = any(c.islower() for c in text)
    has_other = any(c.isdigit() or c in "/+" for c in text)
    return MARK if has_upper and has_lower and has_other else text


_RULES: list[_Rule] = [
    # PEM private keys (also truncated ones with no END line).
    (
        ("-----begin",),
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----"
            r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,\-]*)",
            re.S,
        ),
        lambda m: f"-----BEGIN {m.group(1)}-----{MARK}-----END {m.group(1)}-----",
    ),
    # Authorization headers, with or without a scheme (Bearer, Basic, token, Digest, ...).
    (
        ("authorization",),
        re.compile(
            r"(?P<head>\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
            r"(?:(?:bearer|basic|token|digest|negotiate|ntlm|apikey|sso-key|aws4-hmac-sha256)\s+)?)"
            r"(?P<cred>[^\s\"',;]+(?:[^\S\n]*,[^\S\n]*[A-Za-z]+=[^\s,\"']+)*)",
            re.I,
        ),
        lambda m: m.group(0) if m.group("cred") == MARK else f"{m.group('head')}{MARK}",
    ),
    # A bare "Bearer <token>" anywhere (curl -H, logs).
    (
        ("bearer",),
        re.compile(r"\b(?P<s>bearer)\s+(?!\[REDACTED\])[A-Za-z0-9._~+/\-]{8,}=*", re.I),
        lambda m: f"{m.group('s')} {MARK}",
    ),
    # Webhook URLs whose path is the secret (Slack, Teams, Discord).
    (
        ("hooks.slack.com", "webhook.office.com", "discord"),
        re.compile(
            r"(?P<base>https?://(?:hooks\.slack\.com/(?:services|workflows|triggers)"
            r"|[\w.-]*webhook\.office\.com/webhookb2|discord(?:app)?\.com/api/webhooks))"
            r"/[^\s\"'<>]+",
            re.I,
        ),
        lambda m: f"{m.group('base')}/{MARK}",
    ),
    # user:password@ in any URL or DSN (postgresql://, mysql+pymysql://, https://, amqp://, ...).
    (
        ("@",),
        re.compile(
            r"(?P<pre>\b[a-z][a-z0-9+.\-]*://[^\s:/?#@\"'<>]*:)(?P<pw>[^\s/?#\"'<>]*)@(?=[^\s@]*)",
            re.I,
        ),
        lambda m: m.group(0) if m.group("pw") in ("", MARK) else f"{m.group('pre')}{MARK}@",
    ),
    # Secrets in query strings: ?api_key=..., &token=..., &sig=..., X-Amz-Signature=...
    (
        ("?", "&"),
        re.compile(
            r"(?P<key>[?&](?:key|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token"
            r"|token|auth|code|sig|signature|password|passwd|pwd|secret|client[_-]?secret"
            r"|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature"
            r"|x-goog-credential)=)(?P<value>[^&\s#\"'<>]+)",
            re.I,
        ),
        lambda m: m.group(0) if m.group("value") == MARK else f"{m.group('key')}{MARK}",
    ),
    # key=value pairs: ODBC/JDBC/libpq connection strings, kwargs, config lines, env exports.
    (
        _KEY_GATE,
        re.compile(
            rf"(?P<key>(?<![A-Za-z0-9_.\-?&])[\"']?{_KEY}[\"']?)(?P<sep>\s*=\s*|[\"']\s*:\s*)"
            rf"(?P<value>{_VALUE})",
            re.I,
        ),
        _keep_quotes,
    ),
    # YAML-ish / header-ish "key: value" at the start of a line (password: hunter2).
    (
        _KEY_GATE,
        re.compile(
            rf"(?P<key>^[ \t\-]*[\"']?{_KEY}[\"']?)(?P<sep>[ \t]*:[ \t]*)(?P<value>{_VALUE})",
            re.I | re.M,
        ),
        _keep_quotes,
    ),
    # Environment-style NAMES in capitals: FOO_TOKEN=..., AWS_SECRET_ACCESS_KEY=..., PWD=...
    (
        _KEY_GATE,
        re.compile(
            r"(?P<key>(?<![A-Za-z0-9_])[A-Z][A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PWD|KEY"
            rf"|CREDENTIAL)[A-Z0-9_]*)(?P<sep>\s*=\s*|:\s+)(?P<value>{_VALUE})"
        ),
        _keep_quotes,
    ),
    # Oracle EZConnect / sqlplus: user/password@host (also @//host:port/service, @(DESCRIPTION)).
    (
        ("@",),
        re.compile(
            r"(?P<user>(?<![\w/.\-])[A-Za-z][\w$#]{0,127})/(?P<pw>[^\s@/\"'()]+)@"
            r"(?=//|\(|[A-Za-z0-9])"
        ),
        lambda m: m.group(0) if m.group("pw") == MARK else f"{m.group('user')}/{MARK}@",
    ),
    # Well-known token formats, redacted wherever they appear.
    (
        (
            *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "xapp-"),
            *("glpat-", "gldt-", "glrt-", "glcbt-", "glptt-", "glft-", "glimt-", "gloas-"),
            *("glsoat-", "glagent-", "sk-", "sk_", "rk_", "pk_", "hf_", "npm_", "pypi-"),
            *("aiza", "sg."),
        ),
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{20,255}"
            r"|gl(?:pat|dt|rt|cbt|ptt|ft|imt|oas|soat|agent)-[A-Za-z0-9_\-]{20,}"
            r"|xox[abposre]-[A-Za-z0-9\-]{10,}|xapp-[A-Za-z0-9\-]{10,}"
            r"|sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"
            r"|hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36}|pypi-[A-Za-z0-9_\-]{50,}"
            r"|AIza[0-9A-Za-z_\-]{35}|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,})"
        ),
        MARK,
    ),
    # JSON Web Tokens (header.payload.signature, both parts base64url JSON).
    (
        ("eyj",),
        re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*"),
        MARK,
    ),
    # AWS access key ids: keep the 4-letter type prefix so IT knows what leaked.
    (
        ("akia", "asia", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "abia", "acca"),
        re.compile(r"\b(?P<p>AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        lambda m: f"{m.group('p')}{MARK}",
    ),
    # Lone AWS secret access keys (40 chars of mixed-case base64).
    (None, re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"), _mixed_base64),
]


def redact(text: str) -> str:
    """Return ``text`` with every recognised secret replaced by ``[REDACTED]``."""
    if not text:
        return text
    folded = text.casefold()  # what re.IGNORECASE matches, for the gates' substring search
    for gate, pattern, repl in _RULES:
        if gate is None or any(word in folded for word in gate):
            text = pattern.sub(repl, text)
    return text


_ENV_SUBSTRINGS = ("SECRET", "TOKEN", "PASSWORD", "PASSWD", "PWD", "CREDENTIAL", "PASSPHRASE")
_KEY_WORDS = frozenset(
    {"KEY", "KEYS", "APIKEY", "ACCESSKEY", "SECRETKEY", "PRIVATEKEY", "ACCOUNTKEY"}
    | {"SHAREDACCESSKEY", "MASTERKEY", "SIGNINGKEY", "ENCRYPTIONKEY", "AUTHKEY"}
)
_WORD_SPLIT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")


def is_secret_name(name: str) -> bool:
    """True when an environment-style name says its value is secret (``DB_PASSWORD``, ``apiKey``).

    ``KEY`` must be a whole word of the name (``API_KEY``, ``accountKey``) so that names such as
    ``KEYBOARD_LAYOUT`` or ``monkey`` are not treated as secrets.
    """
    upper = name.upper()
    if any(word in upper for word in _ENV_SUBSTRINGS):
        return True
    words = {w.upper() for w in _WORD_SPLIT.findall(name)}
    return bool(words & _KEY_WORDS)


def redact_obj(obj: Any) -> Any:
    """Redact a JSON-like value recursively; values under secret-looking keys become MARK."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            if isinstance(key, str) and is_secret_name(key) and value not in (None, "", MARK):
                out[key] = MARK
            else:
                out[key] = redact_obj(value)
        return out
    if isinstance(obj, (list, tuple)):
        return [redact_obj(v) for v in obj]
    return obj
