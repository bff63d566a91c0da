"""Network blocks: proxy refusals, TLS interception (unknown CA), DNS and egress blocks, and
download libraries that cannot reach their service.

The user's own services are never reported: a refused, unresolvable or self-signed
``localhost``, private address (10/8, 172.16/12, 192.168/16, link-local), single-label or
``.local`` name is their service, not IT's network. Cloud metadata hosts
(``metadata.google.internal``, ``169.254.169.254``) only answer on their cloud: failing to
reach one means "not on that cloud / no credentials configured", not a network block.
"""

from __future__ import annotations

import ipaddress
import linecache
import re
from typing import Any

from .record import Hit

_HOST_PATTERNS = (
    re.compile(r"Failed to resolve '(?P<h>[^'\n]{1,300})'"),
    re.compile(r"host='(?P<h>[^'\n]{1,300})'"),
    re.compile(
        r"(?:https?|wss?)://(?:[^/@\s]{0,300}@)?(?P<h>\[[^\]\n]{1,100}\]|[^/:\s'\"<>]{1,300})"
    ),
    re.compile(r"[Cc]onnection to (?P<h>[\w.-]{1,300}) timed out"),
    re.compile(r"server at \"(?P<h>[^\"\n]{1,300})\""),
)
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "169.254.169.254", "fd00:ec2::254"}
_OWN_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa")
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
    "no alternative certificate subject name matches",  # curl
    "does not match target host name",  # curl
)


_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?|[0-9A-Fa-f:.]{2,45}")


def find_host(text: str) -> str | None:
    """The first well-formed host name or address the text names (an f-string placeholder
    such as ``{HOST}`` in a source line is no host)."""
    for pattern in _HOST_PATTERNS:
        for m in pattern.finditer(text):
            host = m.group("h").strip("[]")
            if _HOSTNAME.fullmatch(host):
                return host
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


def is_own_service(host: str | None) -> bool:
    """Loopback, private or link-local addresses, single-label and ``.local`` names: a
    service of the user's own (or of their machine), never the organisation's network."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    if is_loopback(host) or ("." not in host and ":" not in host):
        return True
    if host.endswith(_OWN_SUFFIXES):
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return addr.is_private or addr.is_link_local


def is_metadata_host(host: str | None) -> bool:
    return host is not None and host.lower().rstrip(".") in _METADATA_HOSTS


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def host_parts(host: str | None) -> dict[str, Any]:
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
    out = host_parts(_host_of(hit))
    status = hit.groups.get("status")
    if status:
        out["evidence"]["proxy_status"] = status
        if status not in ("403", "407"):
            out["confidence"] = "medium"
    return out


def _host_of(hit: Hit) -> str | None:
    """The destination, from this error or (a chained cause says less) the rest of its chain."""
    return find_host(hit.record.message) or find_host(hit.record.context)


def _host_in_source(hit: Hit) -> str | None:
    """Last resort for a live exception that names no host (urllib's ``URLError`` does not):
    a URL literal in the failing source lines, read with ``linecache`` (no import, no I/O
    beyond the source files the traceback already points to)."""
    lines: list[str] = []
    for exc in (hit.record.exc, hit.record.root):
        tb = getattr(exc, "__traceback__", None)
        while tb is not None and len(lines) < 64:
            code = tb.tb_frame.f_code
            lines.append(linecache.getline(code.co_filename, tb.tb_lineno)[:2000])
            tb = tb.tb_next
    for line in lines:
        host = find_host(line)
        if host:
            return host
    return None


def tls(hit: Hit) -> dict[str, Any] | None:
    host = _host_of(hit) or _host_in_source(hit)
    return tls_parts(hit.record.message, host, hit.groups.get("why") or "")


def tls_parts(message: str, host: str | None, why: str) -> dict[str, Any]:
    """How sure a certificate error is TLS interception, from its words and host (Python's
    ssl module and curl word the reasons alike)."""
    if is_own_service(host):
        # A self-signed certificate on the user's own local service is theirs, not a sign of
        # TLS interception (which re-signs outside hosts).
        return {"confidence": "low", "evidence": {"host": host, "decision": "own service"}}
    out = host_parts(host)
    out["evidence"]["tls_reason"] = why or None
    if any(s in message for s in _TLS_LOW):
        out["confidence"] = "low"  # the remote server's own certificate problem
    elif any(s in message for s in _TLS_HIGH) or "ssl certificate" in message:
        out["confidence"] = "high"
    else:
        out["confidence"] = "medium"
    return out


def dns(hit: Hit) -> dict[str, Any] | None:
    host = hit.groups.get("host") or _host_of(hit)
    if host and (is_own_service(host) or _is_ip(host) or is_metadata_host(host)):
        return None
    return host_parts(host)


def egress(hit: Hit) -> dict[str, Any] | None:
    host = _host_of(hit)
    if is_loopback(host) or is_metadata_host(host):
        return None
    return host_parts(host)


def download(hit: Hit) -> dict[str, Any] | None:
    """A download library or cloud SDK could not connect: only outside services count."""
    url = hit.groups.get("url") or ""
    host = find_host(url) if url else _host_of(hit)
    if is_own_service(host) or is_metadata_host(host):
        return None
    return host_parts(host)
