"""Network checks for libcurl's words (curl, httr, httr2, ``download.file``), with the same
rules as Python's (:mod:`jupyter_itbridge.detect.network`): the user's own services are never
IT's network, and a certificate error is TLS interception only when its words say the chain
is signed by an unknown authority."""

from __future__ import annotations

import re
from typing import Any

from ..blocked import host_only
from ..network import find_host, host_parts, is_loopback, is_metadata_host, tls_parts
from ..record import Hit
from .packages import package_in_install_call

#: curl 7.7x+ names the host in brackets: "[pypi.example.com] SSL certificate problem: ...".
_CURL_HOST = re.compile(
    r"\[(?P<h>[A-Za-z0-9][A-Za-z0-9.-]{0,252}|[0-9A-Fa-f:.]{2,45})(?::\d{1,5})?\] SSL"
)
_PROBLEM = re.compile(r"SSL certificate problem: (?P<why>[^\n'\"]{0,200}[^\n'\"\s])")
_NOT_AVAILABLE = re.compile(r"package '(?P<pkg>[A-Za-z][A-Za-z0-9.]{0,100})' is not available")


def host_of(hit: Hit) -> str | None:
    """The destination: curl's bracket, a URL in the message, else in the calls and stderr
    (``httr::GET("https://...")`` names it when ``curl_fetch_memory(url)`` does not)."""
    message = hit.record.message
    m = _CURL_HOST.search(message)
    return (m.group("h") if m else None) or find_host(message) or find_host(hit.record.context)


def tls(hit: Hit) -> dict[str, Any] | None:
    message = hit.record.message
    problem = _PROBLEM.search(message)
    return tls_parts(message, host_of(hit), problem.group("why") if problem else "")


def proxy(hit: Hit) -> dict[str, Any] | None:
    """A proxy refused CONNECT (403: a deny list; 407: it wants credentials)."""
    out = host_parts(host_of(hit))
    status = hit.groups.get("status") or hit.groups.get("status2")
    proxy_name = hit.groups.get("proxy")
    if proxy_name:
        out["fmt"]["proxy_q"] = f" ({proxy_name})"
        out["evidence"]["proxy"] = proxy_name
    if status:
        out["evidence"]["proxy_status"] = status
        if status == "407":
            out["title"] = "The web proxy requires authentication that this server does not have."
            out["explanation"] = (
                "The organisation's proxy asks for a login (proxy credentials) that is not "
                "configured for this environment."
            )
        elif status != "403":
            out["confidence"] = "medium"
    return out


def repository(hit: Hit) -> dict[str, Any] | None:
    """install.packages() could not read the repository index (refused, unreachable, a proxy,
    TLS inspection: R's warning does not say which). The repository is the environment's
    configured source of packages, so even a loopback one is IT's (unlike a user's service),
    except a cloud metadata host, which is no repository."""
    url = hit.groups["url"].rstrip(":")
    host = find_host(url)
    if is_metadata_host(host):
        return None
    out = host_parts(host)
    out["fmt"]["at_url"] = f" ({host_only(url)})"
    out["evidence"]["repository"] = host_only(url)
    if is_loopback(host):
        out["evidence"]["decision"] = "a repository on this machine"
    context = hit.record.context or ""
    wanted = package_in_install_call(context)
    if wanted is None:
        m = _NOT_AVAILABLE.search(context)
        wanted = m.group("pkg") if m else None
    if wanted:
        out["evidence"]["r_package"] = wanted
    return out


def no_mirror(hit: Hit) -> dict[str, Any] | None:
    """In self-service mode with the organisation's repository known, the user may set it."""
    url = hit.policy.cran_url
    if hit.policy.install_mode != "self-service" or not url:
        return {}
    return {
        "self_service": {
            "title": "Use your organisation's R repository",
            "command": f'options(repos = c(CRAN = "{url}"))',
        },
        "policy_rule": "install_mode.self-service",
    }
