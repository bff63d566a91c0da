"""Network blocks: proxy refusals, TLS interception (unknown CA), DNS and egress blocks.

Loopback destinations are never reported: a refused or unresolvable ``localhost`` is the user's
own service, not IT's network.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from .engine import Hit

_HOST_PATTERNS = (
    re.compile(r"Failed to resolve '(?P<h>[^']+)'"),
    re.compile(r"host='(?P<h>[^']+)'"),
    re.compile(r"(?:https?|wss?)://(?:[^/@\s]*@)?(?P<h>\[[^\]]+\]|[^/:\s'\"<>]+)"),
    re.compile(r"[Cc]onnection to (?P<h>[\w.-]+) timed out"),
)
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_TLS_HIGH = (
    "self-signed certificate in certificate chain",
    "self signed certificate in certificate chain",
    "unable to get local issuer certificate",
    "unable to get issuer certificate",
)
_TLS_LOW = (
    "certificate has expired",
    "hostname mismatch",
    "Hostname mismatch",
    "doesn't match",
    "IP address mismatch",
)


def find_host(text: str) -> str | None:
    for pattern in _HOST_PATTERNS:
        m = pattern.search(text)
        if m:
            return m.group("h").strip("[]")
    return None


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _host_parts(host: str | None) -> dict[str, Any]:
    if not host:
        return {"fmt": {}, "evidence": {}}
    return {
        "fmt": {
            "host": host,
            "to_host": f" to {host}",
            "host_q": f" '{host}'",
            "host_sp": f" {host}, ",
        },
        "evidence": {"host": host},
    }


def proxy(hit: Hit) -> dict[str, Any] | None:
    out = _host_parts(find_host(hit.record.message))
    status = hit.groups.get("status")
    if status:
        out["evidence"]["proxy_status"] = status
        if status not in ("403", "407"):
            out["confidence"] = "medium"
    return out


def tls(hit: Hit) -> dict[str, Any] | None:
    message = hit.record.message
    out = _host_parts(find_host(message))
    why = hit.groups.get("why") or ""
    out["evidence"]["tls_reason"] = why or None
    if any(s in message for s in _TLS_LOW):
        out["confidence"] = "low"  # the remote server's own certificate problem
    elif any(s in message for s in _TLS_HIGH) or "ssl certificate" in message:
        out["confidence"] = "high"
    else:
        out["confidence"] = "medium"
    return out


def dns(hit: Hit) -> dict[str, Any] | None:
    host = hit.groups.get("host") or find_host(hit.record.message)
    if host and (is_loopback(host) or _is_ip(host)):
        return None
    return _host_parts(host)


def egress(hit: Hit) -> dict[str, Any] | None:
    host = find_host(hit.record.message)
    if is_loopback(host):
        return None
    return _host_parts(host)
