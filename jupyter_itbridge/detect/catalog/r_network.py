"""Network blocks as R's HTTP stacks report them. curl, httr, httr2 and ``download.file``
(method ``libcurl``, R's default) all speak libcurl's words: "CONNECT tunnel failed, response
403" (curl 7.7x+; older: "Received HTTP code 407 from proxy after CONNECT"), "SSL certificate
problem: ...", "Could not resolve host: ...". ``download.file`` and ``url()`` raise only
"cannot open URL"; the reason is in their warning on stderr ("URL '...': status was
'Couldn't resolve host name'"). ``install.packages`` never raises: "unable to access index for
repository ..." on stderr says R cannot read its package repository at all.

The user's own services stay quiet exactly as for Python (loopback, private addresses,
single-label and ``.local`` names; see :mod:`jupyter_itbridge.detect.network`); a refused
connection or an HTTP status from the remote service (404, an API's 403) is never a card.
"""

from __future__ import annotations

from typing import Any

from .network import SIGNATURES as _PY

_PY_BY_ID = {sig["id"]: sig for sig in _PY}
_PROXY = {k: _PY_BY_ID["network.proxy_refused"][k] for k in ("kind", "subject", "explanation")}

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "r.network.proxy_connect",
        "family": "r-network",
        "scope": "both",
        "message": r"CONNECT tunnel failed, response (?P<status>\d{3})|"
        r"Received HTTP code (?P<status2>\d{3}) from proxy after CONNECT|Proxy CONNECT aborted",
        **_PROXY,
        "title": _PY_BY_ID["network.proxy_refused"]["title"],
        "check": "r.network.proxy",
        "example": "Error in curl::curl_fetch_memory(url, handle = handle): CONNECT tunnel "
        "failed, response 403",
    },
    {
        # download.file()/url() through a proxy that refuses CONNECT: libcurl's error 22 comes
        # back before any response of the destination, so R cannot show a status of its own
        # (a destination's 4xx reads "HTTP status was '404 Not Found'" instead). Measured.
        "id": "r.network.proxy_download",
        "family": "r-network",
        "scope": "both",
        "message": r"status was 'HTTP response code said error'",
        **_PROXY,
        "title": _PY_BY_ID["network.proxy_refused"]["title"],
        "confidence": "medium",
        "check": "r.network.proxy",
        "example": 'Warning message in download.file("https://cran.example.com/x.csv", '
        "tempfile()):\n\"URL 'https://cran.example.com/x.csv': status was 'HTTP response code "
        "said error'\"",
    },
    {
        "id": "r.network.proxy_resolve",
        "family": "r-network",
        "scope": "both",
        "message": r"Could not resolve proxy: (?P<proxy>[^\s'\";]{1,300})|"
        r"[Cc]ouldn't resolve proxy name",
        **_PROXY,
        "title": "The web proxy configured for this server{proxy_q} cannot be found.",
        "explanation": "R is set to use a proxy (http_proxy / https_proxy) whose name does not "
        "resolve here. The proxy settings of this environment are {it_contact}'s.",
        "confidence": "medium",
        "check": "r.network.proxy",
        "example": "Could not resolve proxy: proxy.corp.example",
    },
    {
        "id": "r.network.tls",
        "family": "r-network",
        "scope": "both",
        "message": r"SSL certificate problem: |SSL peer certificate or SSH remote key was not OK|"
        r"Peer certificate cannot be authenticated with given CA certificates|"
        r"server certificate verification failed|"
        r"schannel: (?:CertGetCertificateChain trust error|SEC_E_UNTRUSTED_ROOT)",
        "kind": "network_blocked",
        "subject": "tls-ca",
        "title": _PY_BY_ID["network.tls_ca"]["title"],
        "explanation": "Corporate networks often inspect HTTPS traffic and re-sign it with the "
        "organisation's own certificate authority, which curl (and so R) does not trust until "
        "its CA bundle is installed (or CURL_CA_BUNDLE points to it). Do not switch "
        "verification off: ask for the CA bundle.",
        "check": "r.network.tls",
        "example": "SSL peer certificate or SSH remote key was not OK: [pypi.example.com] SSL "
        "certificate problem: self-signed certificate in certificate chain",
    },
    {
        "id": "r.network.dns",
        "family": "r-network",
        "scope": "both",
        "message": r"Could not resolve host: (?P<host>[^\s'\";]{1,300})|"
        r"[Cc]ouldn't resolve host name",
        **{k: _PY_BY_ID["network.dns"][k] for k in ("kind", "subject", "title", "explanation")},
        "confidence": "medium",
        "check": "network.dns",
        "example": 'Error in curl::curl_fetch_memory("https://api.example.com"): Could not '
        "resolve host: api.example.com",
    },
    {
        "id": "r.network.timeout",
        "family": "r-network",
        "scope": "both",
        "message": r"Timeout was reached|Connection timed out after \d{1,12} milli|"
        r"Operation timed out after \d{1,12} milli",
        **{
            k: _PY_BY_ID["network.connect_timeout"][k]
            for k in ("kind", "subject", "title", "explanation", "confidence")
        },
        "check": "network.egress",
        "example": "Timeout was reached: [api.example.com] Connection timed out after 10001 "
        "milliseconds",
    },
    {
        "id": "r.network.repository",
        "family": "r-network",
        "scope": "both",
        "message": r"unable to access index for repository (?P<url>[^\s'\"]{1,2000})",
        "kind": "network_blocked",
        "subject": "package-index",
        "title": "R cannot read its package repository{at_url}.",
        "explanation": "install.packages() could not download the repository's index, so "
        "nothing can be installed from it: the repository refuses this server, or a proxy, "
        "firewall or TLS inspection is in the way. The repository this environment installs "
        "from is configured by {it_contact}.",
        "confidence": "medium",
        "check": "r.network.repository",
        "example": 'Warning message:\n"unable to access index for repository '
        "https://cran.corp.example/src/contrib:\n  cannot open URL "
        "'https://cran.corp.example/src/contrib/PACKAGES'\"",
    },
    {
        # Debian's R sets a CRAN mirror; images that keep R's "@CRAN@" placeholder fail
        # in a kernel (not interactive: no mirror menu).
        "id": "r.network.no_mirror",
        "family": "r-network",
        "message": r"trying to use CRAN without setting a mirror",
        "kind": "network_blocked",
        "subject": "package-index",
        "title": "No R package repository is configured for this environment.",
        "explanation": "R's 'repos' option still holds the '@CRAN@' placeholder, so "
        "install.packages() does not know where to install from. The repository for this "
        "environment (Rprofile.site) is set by {it_contact}.",
        "confidence": "medium",
        "check": "r.network.no_mirror",
        "example": "Error in contrib.url(repos, type): trying to use CRAN without setting a mirror",
    },
]
