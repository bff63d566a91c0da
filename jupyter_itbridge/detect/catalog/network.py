"""Network blocks: proxy refusals and proxy authentication, TLS interception (an unknown CA),
DNS and egress blocks, and what download libraries and cloud SDKs say when they cannot reach
their service (Hugging Face hub, botocore, google-auth, azure-core).

The user's own services are never IT's network: loopback, private addresses, single-label and
``.local`` names, and cloud metadata endpoints (``metadata.google.internal``, which only
answers on that cloud) are vetoed by the checks in :mod:`jupyter_itbridge.detect.network`.
"""

from __future__ import annotations

from typing import Any

_PROXY_REFUSED: dict[str, Any] = {
    "kind": "network_blocked",
    "subject": "proxy",
    "title": "The organisation's web proxy refused the connection{to_host}.",
    "explanation": "Traffic from this server goes through a proxy, and the proxy did not "
    "allow this destination. Access to a new site is granted by {it_contact}.",
    "check": "network.proxy",
}

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "network.proxy_auth",
        "family": "network",
        "scope": "both",
        "message": r"Tunnel connection failed: 407|"
        r"407:? Proxy Authentication Required|407 Proxy Authori[sz]ation Required|"
        r"HTTP Error 407|Received HTTP code 407 from proxy",
        "kind": "network_blocked",
        "subject": "proxy",
        "title": "The web proxy requires authentication that this server does not have.",
        "explanation": "The organisation's proxy asks for a login (proxy credentials) that "
        "is not configured for this environment.",
        "check": "network.proxy",
        "example": "ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: "
        "407 Proxy Authentication Required'))",
    },
    {
        "id": "network.proxy_refused",
        "family": "network",
        "scope": "both",
        "message": r"Tunnel connection failed: (?P<status>\d{3})|"
        r"(?:Unable to connect|Cannot connect) to proxy",
        **_PROXY_REFUSED,
        "example": "ProxyError: HTTPSConnectionPool(host='api.example.com', port=443): Max "
        "retries exceeded (Caused by ProxyError('Unable to connect to proxy', OSError('Tunnel "
        "connection failed: 403 Forbidden')))",
    },
    {
        "id": "network.proxy_class",
        "family": "network",
        "types": ["ProxyError", "ProxyConnectionError"],
        "message": r"",
        **_PROXY_REFUSED,
        "example": "httpx.ProxyError: 403 Forbidden",
    },
    {
        "id": "network.tls_ca",
        "family": "network",
        "scope": "both",
        "message": r"CERTIFICATE_VERIFY_FAILED\]?(?: certificate verify failed: "
        r"(?P<why>[^(\n'\"]{0,200}[^(\n'\"\s]))?|"
        r"problem confirming the ssl certificate",
        "kind": "network_blocked",
        "subject": "tls-ca",
        "title": "A secure (HTTPS) connection{to_host} failed: its certificate is not trusted "
        "here.",
        "explanation": "Corporate networks often inspect HTTPS traffic and re-sign it with the "
        "organisation's own certificate authority. Python does not trust that authority "
        "until its CA bundle is installed (or REQUESTS_CA_BUNDLE / SSL_CERT_FILE point to it). "
        "Do not switch verification off: ask for the CA bundle.",
        "check": "network.tls",
        "example": "SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate in certificate chain (_ssl.c:1006)",
    },
    {
        "id": "network.dns",
        "family": "network",
        "scope": "both",
        "message": r"Failed to resolve '(?P<host>[^'\n]{1,300})'|NameResolutionError|"
        r"\[Errno -[235]\] (?:Name or service not known|Temporary failure in name resolution|"
        r"No address associated with hostname)|getaddrinfo failed|"
        r"nodename nor servname provided",
        "kind": "network_blocked",
        "subject": "dns",
        "title": "The host name{host_q} cannot be resolved from this server.",
        "explanation": "DNS lookups for outside hosts are blocked or unavailable here, or the "
        "name is misspelt. If the name is right, network access must be opened by "
        "{it_contact}.",
        "confidence": "medium",
        "check": "network.dns",
        "example": "NameResolutionError: Failed to resolve 'api.example.com' ([Errno -2] Name "
        "or service not known)",
    },
    {
        "id": "network.unreachable",
        "family": "network",
        "scope": "both",
        "message": r"\[Errno (?:101|113)\] (?:Network is unreachable|No route to host)",
        "kind": "network_blocked",
        "subject": "network",
        "title": "This server has no network route to{host_sp}the outside destination.",
        "explanation": "Outbound traffic is blocked by a firewall or there is no route; "
        "egress rules are set by {it_contact}.",
        "confidence": "medium",
        "check": "network.egress",
        "example": "URLError: <urlopen error [Errno 101] Network is unreachable>",
    },
    {
        "id": "network.download_hub",
        "family": "network",
        "scope": "both",
        "message": r"We couldn't connect to '(?P<url>[^'\n]{1,300})' to load th|"
        r"cannot find the requested files in the (?:local|disk) cache|"
        r"Connection error, and we cannot find the requested files in the cached path",
        "kind": "network_blocked",
        "subject": "network",
        "title": "The model hub{to_host} cannot be reached from this server, and the files are "
        "not cached here.",
        "explanation": "The library tried to download a model or data set and could not connect "
        "(a firewall, a proxy or no internet access). Access to the hub, or a local copy or "
        "mirror of the model, is provided by {it_contact}.",
        "confidence": "medium",
        "check": "network.download",
        "example": "OSError: We couldn't connect to 'https://huggingface.co' to load this file, "
        "couldn't find it in the cached files and it looks like bert-base-uncased is not the "
        "path to a directory containing a file named config.json.",
    },
    {
        "id": "network.cloud_endpoint",
        "family": "network",
        "scope": "both",
        "message": r"Could not connect to the endpoint URL: \"(?P<url>[^\"\n]{1,500})\"",
        "kind": "network_blocked",
        "subject": "network",
        "title": "The cloud service{to_host} cannot be reached from this server.",
        "explanation": "The cloud SDK could not open a connection to its endpoint: outbound "
        "traffic is blocked, needs the proxy, or the service is down. Egress to cloud "
        "endpoints is opened by {it_contact}.",
        "confidence": "medium",
        "check": "network.download",
        "example": "EndpointConnectionError: Could not connect to the endpoint URL: "
        '"https://sts.amazonaws.com/"',
    },
    {
        "id": "network.connect_timeout",
        "family": "network",
        "scope": "both",
        "message": r"ConnectTimeout|connect timeout=|\[Errno 110\] Connection timed out",
        "kind": "network_blocked",
        "subject": "network",
        "title": "The connection{to_host} timed out; a firewall may be dropping it.",
        "explanation": "A connection that times out (rather than being refused) is often a "
        "firewall silently dropping traffic, but it can also be a slow or down server.",
        "confidence": "low",
        "check": "network.egress",
        "example": "ConnectTimeoutError: Connection to x timed out. (connect timeout=10)",
    },
]
