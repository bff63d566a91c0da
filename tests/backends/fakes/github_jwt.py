"""The fake GitHub's side of App authentication: check a JWT as GitHub documents it.

https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
RS256, ``iss`` the app (client) id, ``exp`` no more than 10 minutes into the future, ``iat``
not in the future (clients set it 60 s in the past against clock drift).
"""

from __future__ import annotations

import base64
import json
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def new_app_key() -> tuple[str, str]:
    """A fresh RSA key pair as (private PEM, public PEM), like a GitHub App's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def verify_app_jwt(jwt: str, public_pem: str, app_id: str, now: float | None = None) -> str | None:
    """None when valid, else GitHub's kind of complaint."""
    now = time.time() if now is None else now
    try:
        header_b64, payload_b64, sig_b64 = jwt.split(".")
        header, payload = json.loads(_unb64(header_b64)), json.loads(_unb64(payload_b64))
    except ValueError:
        return "A JSON web token could not be decoded"
    if header.get("alg") != "RS256":
        return "'alg' must be RS256"
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(
            _unb64(sig_b64),
            f"{header_b64}.{payload_b64}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return "A JSON web token could not be decoded"
    if str(payload.get("iss")) != app_id:
        return "'Issuer' claim ('iss') must be the app id"
    if payload.get("iat", now + 1) > now + 1:
        return "'Issued at' claim ('iat') must be an Integer representing a time in the past"
    if payload.get("exp", 0) <= now or payload["exp"] - now > 600:
        return "'Expiration time' claim ('exp') is too far in the future"
    return None
