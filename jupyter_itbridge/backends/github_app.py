"""GitHub App authentication: a signed JWT buys an installation token, renewed before expiry.

Why: organisations prefer a GitHub App to a person's token (no seat, fine-grained, audited),
but its installation tokens expire after one hour. Documented at
https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
(RS256, ``iat`` 60 s in the past against clock drift, ``exp`` at most 10 minutes, ``iss`` the
App's client id or app id) and
https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-an-installation-access-token-for-a-github-app
(``POST /app/installations/{installation_id}/access_tokens`` answers ``token`` and
``expires_at``). ``cryptography`` is imported only when an App is configured.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .base import BackendError

#: Renew this many seconds before the installation token expires (a call may be slow).
RENEW_MARGIN = 300.0
#: JWT lifetime: GitHub refuses more than 10 minutes; stay under it.
JWT_LIFETIME = 540


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def app_jwt(app_id: str, private_key_pem: str, now: float | None = None) -> str:
    """The App's JWT, signed RS256 with its private key."""
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise BackendError(
            "GitHubBackend.app_id needs the Python package 'cryptography' to sign the App's "
            "JWT: pip install 'jupyter-itbridge[github-app]'.",
            retryable=False,
        ) from None

    now = int(time.time() if now is None else now)
    header = {"alg": "RS256", "typ": "JWT"}
    payload = {"iat": now - 60, "exp": now + JWT_LIFETIME, "iss": app_id}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
    )
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise BackendError(
            "GitHubBackend.app_private_key is not an unencrypted RSA private key in PEM "
            "(download a new one from the App's settings).",
            retryable=False,
        )
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def parse_expiry(value: Any) -> float:
    """``expires_at`` (ISO 8601 with ``Z``) as epoch seconds; one hour from now if absent."""
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return time.time() + 3600


class InstallationTokens:
    """Holds the current installation token and buys a new one when it is near expiry.

    ``exchange(jwt)`` makes the token call (the backend's own HTTP helper, so errors map the
    same way) and returns the JSON answer. Thread-safe: the outbox calls from worker threads.
    """

    def __init__(
        self, app_id: str, private_key: str, exchange: Callable[[str], dict[str, Any]]
    ) -> None:
        self.app_id = app_id
        self.private_key = private_key
        self.exchange = exchange
        self.token = ""
        self.expires_at = 0.0
        self.bought = 0
        self._lock = threading.RLock()  # a refused exchange calls forget() inside current()

    def current(self) -> str:
        with self._lock:
            if not self.token or time.time() >= self.expires_at - RENEW_MARGIN:
                answer = self.exchange(app_jwt(self.app_id, self.private_key))
                self.token = str(answer.get("token") or "")
                self.expires_at = parse_expiry(answer.get("expires_at"))
                self.bought += 1
            return self.token

    def forget(self) -> None:
        """Drop the token (revoked, or refused with 401): the next call buys a new one."""
        with self._lock:
            self.token, self.expires_at = "", 0.0
