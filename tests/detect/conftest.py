"""Fixtures for detection tests: run code in a child process and diagnose the REAL error there,
and tiny loopback servers (HTTP 404, a refusing proxy, a self-signed TLS server, a proxy that
intercepts TLS like a corporate inspection proxy, a package firewall) that the tests start on
127.0.0.1 and stop themselves."""

from __future__ import annotations

import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jupyter_itbridge.findings import Finding

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD_HARNESS = """
import json, os, sys, traceback
sys.path.insert(0, {repo!r})
from jupyter_itbridge.policy import ITBridgePolicy
policy = ITBridgePolicy.from_dict(json.loads(os.environ.get("ITB_POLICY", "{{}}")))
{setup}
try:
{body}
except BaseException as exc:
    from jupyter_itbridge.detect import diagnose
    out = {{
        "ename": type(exc).__name__,
        "evalue": str(exc),
        "traceback": traceback.format_exception(exc),
        "findings": [f.to_dict() for f in diagnose(exc, policy)],
    }}
    print("ITB-RESULT" + json.dumps(out))
else:
    print("ITB-RESULT" + json.dumps(None))
"""


def parse_child(stdout: str) -> dict[str, Any] | None:
    for line in stdout.splitlines():
        if line.startswith("ITB-RESULT"):
            return json.loads(line[len("ITB-RESULT") :])
    raise AssertionError(f"child printed no result:\n{stdout}")


@pytest.fixture
def run_child() -> Callable[..., dict[str, Any]]:
    """Run ``body`` (raising code) in a fresh interpreter; return the error and its findings.

    ``prefix`` wraps the interpreter (e.g. ``unshare -m sh -c``), ``setup`` runs before the try.
    """

    def run(
        body: str,
        setup: str = "",
        policy: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        wrapper: Callable[[list[str]], list[str]] | None = None,
        timeout: float = 120,
    ) -> dict[str, Any]:
        code = CHILD_HARNESS.format(
            repo=REPO,
            setup=textwrap.dedent(setup),
            body=textwrap.indent(textwrap.dedent(body), "    "),
        )
        cmd = [sys.executable, "-c", code]
        if wrapper is not None:
            cmd = wrapper(cmd)
        full_env = {**os.environ, "ITB_POLICY": json.dumps(policy or {}), **(env or {})}
        res = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd,
            timeout=timeout,
            check=False,
        )
        result = parse_child(res.stdout + "\n" + res.stderr)
        assert result is not None, f"the code did not raise:\n{res.stdout}\n{res.stderr}"
        result["objects"] = [Finding.from_dict(f) for f in result["findings"]]
        return result

    return run


class _Server:
    def __init__(
        self,
        handler: type[http.server.BaseHTTPRequestHandler],
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes = b"", reason: str | None = None, ctype: str = "text/plain"
    ) -> None:
        self.send_response(status, reason)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _NotFound(_Quiet):
    def do_GET(self) -> None:
        self._send(404, b'{"detail": "Not Found"}', ctype="application/json")


class _RefusingProxy(_Quiet):
    """An HTTP proxy that refuses every CONNECT with 403, like a corporate proxy's deny list."""

    def do_CONNECT(self) -> None:
        self._send(403, b"Forbidden by policy", reason="Forbidden")

    def do_GET(self) -> None:
        self._send(403, b"Forbidden by policy", reason="Forbidden")


class _PackageFirewall(_Quiet):
    """A PEP 503 index: lists 'quarpkg' but quarantines its file (Sonatype-style 403), and
    answers 403 for every other project page."""

    def do_GET(self) -> None:
        if self.path.startswith("/packages/"):
            self._send(
                403, b"Requested item is quarantined", reason="Requested item is quarantined"
            )
        elif self.path.rstrip("/") == "/simple/quarpkg":
            body = (
                b'<html><body><a href="/packages/quarpkg/1.0/quarpkg-1.0.tar.gz'
                b'#sha256=00">quarpkg-1.0.tar.gz</a></body></html>'
            )
            self._send(200, body, ctype="text/html")
        else:
            self._send(403, b"", reason="Forbidden")


@pytest.fixture
def http_404() -> Iterator[int]:
    server = _Server(_NotFound)
    yield server.port
    server.close()


@pytest.fixture
def refusing_proxy() -> Iterator[int]:
    server = _Server(_RefusingProxy)
    yield server.port
    server.close()


@pytest.fixture
def package_firewall() -> Iterator[int]:
    server = _Server(_PackageFirewall)
    yield server.port
    server.close()


def _issue(subject_cn: str, issuer_cn: str | None, san: list[Any], issuer_key: Any = None):
    """A certificate (and its key) for ``san``; self-signed unless an issuer key is given."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn or subject_cn)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    if issuer_key is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    return builder.sign(issuer_key or key, hashes.SHA256()), key


def _pem(cert: Any, key: Any) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM), key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _self_signed(tmp: str) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 made with ``cryptography``."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "intercepting-proxy.corp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


@pytest.fixture
def tls_server() -> Iterator[int]:
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = _self_signed(tmp)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server = _Server(_NotFound, context=ctx)
        yield server.port
        server.close()


def _interception_context(tmp: str, host: str) -> ssl.SSLContext:
    """What an inspection proxy presents: a certificate for ``host`` signed on the fly by the
    organisation's own CA, sent together with that CA (which this client does not trust)."""
    from cryptography import x509

    ca_cert, ca_key = _issue("Corp TLS Inspection CA", None, [])
    leaf, leaf_key = _issue(host, "Corp TLS Inspection CA", [x509.DNSName(host)], ca_key)
    leaf_pem, key_pem = _pem(leaf, leaf_key)
    ca_pem, _ = _pem(ca_cert, ca_key)
    chain, key_path = os.path.join(tmp, "chain.pem"), os.path.join(tmp, "leaf-key.pem")
    with open(chain, "wb") as fh:
        fh.write(leaf_pem + ca_pem)
    with open(key_path, "wb") as fh:
        fh.write(key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key_path)
    return ctx


INTERCEPTED_HOST = "pypi.example.com"


@pytest.fixture
def intercepting_proxy() -> Iterator[int]:
    """An HTTP proxy that accepts CONNECT and then speaks TLS itself with a re-signed
    certificate, as corporate TLS inspection does. It never connects anywhere."""
    with tempfile.TemporaryDirectory() as tmp:
        server = _Server(intercepting_handler(_interception_context(tmp, INTERCEPTED_HOST)))
        yield server.port
        server.close()


def intercepting_handler(ctx: ssl.SSLContext) -> type[http.server.BaseHTTPRequestHandler]:
    """CONNECT accepted, then TLS with ``ctx``'s re-signed certificate (the R tests use it too)."""

    class Intercept(_Quiet):
        def do_CONNECT(self) -> None:
            self.send_response(200, "Connection established")
            self.end_headers()
            try:
                with ctx.wrap_socket(self.connection, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass  # the client rejects the certificate: that is the point
            self.close_connection = True

    return Intercept
