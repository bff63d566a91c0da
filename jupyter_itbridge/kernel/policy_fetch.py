"""``GET policy`` at kernel start, over a plain socket: the one call every kernel makes.

``http.client`` is not loaded in a fresh kernel, and importing it (with ``http``'s status enum
and ``email``'s header parser) plus the client module cost about 5 ms of CPU on every kernel
start, twice the rest of the extension. This call is the simplest HTTP there is: one GET on
loopback, ``HTTP/1.0`` and ``Connection: close``, so the answer is the bytes up to EOF (a server
may still chunk it, which is decoded). Anything unusual (``https``, a redirect, a malformed
answer) raises, and the caller falls back to the full client.
"""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..contract import TOKEN_HEADER

#: Seconds; the server is on loopback, anything slower means it is not really there.
POLICY_TIMEOUT = 1.5
#: Bytes; a policy is a few KB. A larger answer is not ours.
MAX_ANSWER = 1 << 20


class FetchFailed(Exception):
    """The light path cannot give an answer: use :class:`~.client.ServerClient` instead."""


def fetch_policy(url: str, token: str, timeout: float) -> dict[str, Any]:
    """The ``GET policy`` answer's policy object, as :meth:`ServerClient.get_policy` gives it."""
    target = urlsplit(urljoin(url, "policy"))
    if target.scheme != "http" or not target.hostname:
        raise FetchFailed(f"not a plain http URL: {target.scheme!r}")
    if any(c in token for c in "\r\n"):
        raise FetchFailed("the token holds a line break")
    path = target.path + (f"?{target.query}" if target.query else "")
    host = target.hostname
    port = target.port or 80
    request = (
        f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\n{TOKEN_HEADER}: {token}\r\n"
        "Accept: application/json\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")
    # A ``str`` host is encoded with the ``idna`` codec before the lookup, which imports
    # ``stringprep`` and ``unicodedata`` (the GET cost 3.4 ms of CPU with them, 0.7 ms
    # without); an ASCII host needs no such encoding.
    address = host.encode("ascii") if host.isascii() else host
    # ``create_connection`` hands the host to ``getaddrinfo``, which takes bytes (typeshed
    # types the tuple as ``str`` only).
    with socket.create_connection((address, port), timeout=timeout) as sock:  # type: ignore[arg-type]
        sock.sendall(request)
        chunks: list[bytes] = []
        size = 0
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ANSWER:
                raise FetchFailed("the answer is too large")
    return _policy_of(b"".join(chunks))


def _policy_of(answer: bytes) -> dict[str, Any]:
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        raise FetchFailed("no end of headers")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or parts[1] != "200":
        raise FetchFailed(f"answer: {status_line[:80]!r}")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "chunked" in headers.get("transfer-encoding", ""):
        body = _dechunk(body)
    elif "content-length" in headers:
        length = int(headers["content-length"]) if headers["content-length"].isdigit() else -1
        if length != len(body):
            raise FetchFailed("the answer is shorter or longer than its Content-Length")
    data = json.loads(body)
    if not isinstance(data, dict):
        raise FetchFailed("GET policy did not return an object")
    return policy_object(data)


def policy_object(data: dict[str, Any]) -> dict[str, Any]:
    """The policy in a ``GET policy`` answer: ``{"policy": {...}}``, or the object itself
    (older servers). Both clients read the answer through this."""
    return data["policy"] if isinstance(data.get("policy"), dict) else data


def _dechunk(body: bytes) -> bytes:
    out: list[bytes] = []
    while True:
        size_line, sep, rest = body.partition(b"\r\n")
        if not sep:
            raise FetchFailed("a chunk has no size line")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise FetchFailed("a chunk size is not hexadecimal") from None
        if size == 0:
            return b"".join(out)
        if len(rest) < size + 2 or rest[size : size + 2] != b"\r\n":
            raise FetchFailed("a chunk is cut short")
        out.append(rest[:size])
        body = rest[size + 2 :]
