"""Loopback servers the R scenarios talk to, all on 127.0.0.1 and stopped by the context
manager. The proxy, TLS and 404 servers are the Python detection tests' own
(``tests/detect/conftest.py``, loaded here by path so both suites use the same ones); the two
"CRAN" repositories are R's:

- ``firewall_cran``: a CRAN-like repository (``src/contrib/PACKAGES`` lists packages) that
  answers 403 for every package file, as a package firewall (Nexus, Artifactory, Posit
  Package Manager with curation) does for packages that are not approved;
- ``refusing_cran``: a repository that refuses this server altogether (403 on its index);
- ``closed_port``: nothing listens there (an unreachable repository).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

_DETECT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("itb_detect_servers", _DETECT / "conftest.py")
assert _spec is not None and _spec.loader is not None
servers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(servers)

INTERCEPTED_HOST = servers.INTERCEPTED_HOST
#: What the firewall repository lists (and then refuses to serve).
FIREWALL_PACKAGES = ("RSelenium", "leaflet", "arrow")


class _FirewallCran(servers._Quiet):
    def do_GET(self) -> None:
        if self.path.endswith("/src/contrib/PACKAGES"):
            body = "".join(
                f"Package: {name}\nVersion: 1.0.0\nNeedsCompilation: no\n\n"
                for name in FIREWALL_PACKAGES
            )
            self._send(200, body.encode())
        elif "/src/contrib/PACKAGES." in self.path:
            self._send(404, b"")  # R falls back from PACKAGES.rds / .gz to PACKAGES
        else:
            self._send(403, b"Forbidden by repository policy", reason="Forbidden")


class _RefusingCran(servers._Quiet):
    def do_GET(self) -> None:
        self._send(403, b"Forbidden", reason="Forbidden")


class _AuthProxy(servers._Quiet):
    """A proxy that wants credentials this environment does not have (407)."""

    def do_CONNECT(self) -> None:
        self.send_response(407, "Proxy Authentication Required")
        self.send_header("Proxy-Authenticate", 'Basic realm="corp"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_CONNECT


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def loopback_servers() -> Iterator[dict[str, Any]]:
    """Every server the scenarios name, as ``{name: port}``."""
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        cert, key = servers._self_signed(tmp)
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(cert, key)
        intercept_ctx = servers._interception_context(tmp, INTERCEPTED_HOST)
        started = {
            "firewall_cran": servers._Server(_FirewallCran),
            "refusing_cran": servers._Server(_RefusingCran),
            "proxy403": servers._Server(servers._RefusingProxy),
            "proxy407": servers._Server(_AuthProxy),
            "intercept": servers._Server(servers.intercepting_handler(intercept_ctx)),
            "tls": servers._Server(servers._NotFound, context=tls_ctx),
            "http404": servers._Server(servers._NotFound),
        }
        for server in started.values():
            stack.callback(server.close)
        ports: dict[str, Any] = {name: s.port for name, s in started.items()}
        ports["closed_port"] = _closed_port()
        yield ports


def odbc_config(directory: str) -> dict[str, str]:
    """An odbcinst.ini whose driver library is absent, and a DSN using it (ODBCSYSINI)."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "odbcinst.ini"), "w") as fh:
        fh.write(
            "[Ghost SQL Driver]\nDescription = a driver whose library is not installed\n"
            "Driver = /opt/ghost/lib/libghostodbc.so\n"
        )
    with open(os.path.join(directory, "odbc.ini"), "w") as fh:
        fh.write("[ghostdsn]\nDriver = Ghost SQL Driver\n")
    return {"ODBCSYSINI": directory}
