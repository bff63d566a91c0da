"""Redaction of JSON-like values (drafts, findings, incident details, backend info).

A value under a secret key is replaced, a nested object or list is walked (never replaced
whole, so ``client_email`` or a user name next to a ``private_key`` stays), and every other
string goes through the text rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ._base import MARK
from .names import NONE, STRONG, classify, secret_value

_ENV_SUBSTRINGS = ("SECRET", "TOKEN", "PASSWORD", "PASSWD", "PWD", "CREDENTIAL", "PASSPHRASE")
_KEY_WORDS = frozenset(
    {"KEY", "KEYS", "APIKEY", "ACCESSKEY", "SECRETKEY", "PRIVATEKEY", "ACCOUNTKEY"}
    | {"SHAREDACCESSKEY", "MASTERKEY", "SIGNINGKEY", "ENCRYPTIONKEY", "AUTHKEY"}
)
_WORD_SPLIT = re.compile(r"[A-Z]{1,64}(?![a-z])|[A-Z]?[a-z0-9]{1,64}")


def is_secret_name(name: str) -> bool:
    """True when an environment-style name says its value is secret (``DB_PASSWORD``, ``apiKey``).

    Deliberately broad (``doctor`` masks every config trait it names): ``KEY`` must be a whole
    word of the name (``API_KEY``, ``accountKey``) so that ``KEYBOARD_LAYOUT`` or ``monkey`` are
    not treated as secrets. Values are judged by the finer :func:`.names.classify`.
    """
    upper = name.upper()
    if any(word in upper for word in _ENV_SUBSTRINGS):
        return True
    words = {w.upper() for w in _WORD_SPLIT.findall(name)}
    return bool(words & _KEY_WORDS)


def redact_obj(obj: Any, redact: Callable[[str], str]) -> Any:
    """``obj`` with secrets removed; ``redact`` is the text redactor. Input is not mutated."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            out[key] = _member(key, value, redact)
        return out
    if isinstance(obj, (list, tuple)):
        return [redact_obj(v, redact) for v in obj]
    return obj


def _member(key: Any, value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, (dict, list, tuple)) or not isinstance(key, str):
        return redact_obj(value, redact)
    strength = classify(key)
    if strength == NONE:
        return redact_obj(value, redact)
    if isinstance(value, str):
        return MARK if secret_value(strength, key, value, True) else redact(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and strength == STRONG:
        return MARK
    return value
