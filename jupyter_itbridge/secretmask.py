"""Mask configured secret values in admin messages.

Why: pattern redaction (``redact``) only knows what tokens usually look like. A ticket system
whose error body echoes our credential ("invalid token s3cr3t", a proxy reflecting the
``Authorization`` header) would otherwise put the exact configured value into ``last_error``,
the request history, ``GET health``, the logs and ``doctor``. This module knows the values
themselves, in every form we send them: raw, URL-encoded, and base64 of ``user:password``.

Pure: imports nothing from the server, kernel or backends.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import quote

#: What a masked value becomes (the same word ``redact`` uses).
MASK = "[REDACTED]"
#: Values shorter than this are not masked: masking "a" or "1" would shred every message,
#: and a secret that short protects nothing anyway.
MIN_SECRET_LENGTH = 4


def basic_form(user: str, password: str) -> str:
    """The base64 part of ``Authorization: Basic ...`` for this pair."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def secret_forms(value: str) -> set[str]:
    """A secret as it may appear in an echoed request: raw, URL-quoted, its base64, and the
    single lines of a multi-line secret (a PEM private key)."""
    forms = {value, quote(value, safe=""), base64.b64encode(value.encode()).decode("ascii")}
    if "\n" in value:
        forms |= {line.strip() for line in value.splitlines() if len(line.strip()) >= 16}
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


class SecretMask:
    """Replaces every known secret form with ``[REDACTED]`` (longest first, so a Basic form
    that contains a shorter secret is masked whole)."""

    def __init__(
        self, secrets: Iterable[str] = (), basic_pairs: Iterable[tuple[str, str]] = ()
    ) -> None:
        forms: set[str] = set()
        for value in secrets:
            if value and len(value) >= MIN_SECRET_LENGTH:
                forms |= secret_forms(value)
        for user, password in basic_pairs:
            if password and len(password) >= MIN_SECRET_LENGTH:
                forms |= secret_forms(password)
                forms.add(basic_form(user, password))
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __call__(self, text: str | None) -> str:
        """``text`` with every secret form masked ("" for None)."""
        if not text:
            return text or ""
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


#: A mask with nothing to mask (backends without secrets).
NO_SECRETS = SecretMask()
