"""network_blocked from REAL failures against loopback servers the tests start: a proxy that
refuses CONNECT with 403, a proxy that intercepts TLS with the organisation's own CA, a package
firewall; and a real DNS failure for a ``.invalid`` host (RFC 6761: guaranteed never to
resolve). A self-signed certificate on the user's own local service is NOT reported."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
import urllib.error
import urllib.request

import pytest
from conftest import INTERCEPTED_HOST
from itb_helpers import only

from jupyter_itbridge.detect import diagnose, diagnose_output, diagnose_text


def both(exc: BaseException):
    return diagnose(exc), diagnose_text(
        type(exc).__name__, str(exc), traceback.format_exception(exc)
    )


def test_requests_proxy_refusal(refusing_proxy: int) -> None:
    import requests

    proxy = f"http://ana:s3cret@127.0.0.1:{refusing_proxy}"
    with pytest.raises(requests.exceptions.ProxyError) as info:
        requests.get("https://api.example.com/v1", proxies={"https": proxy}, timeout=5)
    assert "Tunnel connection failed: 403" in str(info.value)
    for findings in both(info.value):
        f = only(findings)
        assert (f.kind, f.subject, f.confidence) == ("network_blocked", "proxy", "high")
        assert f.evidence["host"] == "api.example.com"
        assert "s3cret" not in repr(f.to_dict())


def test_httpx_proxy_refusal(refusing_proxy: int) -> None:
    import httpx

    with (
        pytest.raises(httpx.ProxyError) as info,
        httpx.Client(proxy=f"http://127.0.0.1:{refusing_proxy}", timeout=5) as client,
    ):
        client.get("https://api.example.com/v1")
    for findings in both(info.value):
        f = only(findings)
        assert (f.kind, f.subject) == ("network_blocked", "proxy")


def test_urllib_proxy_refusal(refusing_proxy: int) -> None:
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"https": f"http://127.0.0.1:{refusing_proxy}"})
    )
    with pytest.raises(urllib.error.URLError) as info:
        opener.open("https://api.example.com/v1", timeout=5)
    assert "Tunnel connection failed: 403" in str(info.value)
    for findings in both(info.value):
        assert only(findings).subject == "proxy"


def test_tls_interception_by_a_proxy(intercepting_proxy: int) -> None:
    import requests

    proxies = {"https": f"http://127.0.0.1:{intercepting_proxy}"}
    with pytest.raises(requests.exceptions.SSLError) as info:
        requests.get(f"https://{INTERCEPTED_HOST}/simple/", proxies=proxies, timeout=5)
    assert "self-signed certificate in certificate chain" in str(info.value)  # the real text
    for findings in both(info.value):
        f = only(findings)
        assert (f.kind, f.subject, f.confidence) == ("network_blocked", "tls-ca", "high")
        assert f.evidence["host"] == INTERCEPTED_HOST
        assert "certificate chain" in (f.evidence["tls_reason"] or "")


def test_urllib_tls_interception(intercepting_proxy: int) -> None:
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"https": f"http://127.0.0.1:{intercepting_proxy}"})
    )
    with pytest.raises(urllib.error.URLError) as info:
        opener.open(f"https://{INTERCEPTED_HOST}/simple/", timeout=5)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    for findings in both(info.value):
        assert only(findings).subject == "tls-ca"


def test_self_signed_certificate_of_the_users_own_local_service(tls_server: int) -> None:
    """Their own dev server on 127.0.0.1 with a self-signed certificate: not interception."""
    import requests

    with pytest.raises(requests.exceptions.SSLError) as info:
        requests.get(f"https://127.0.0.1:{tls_server}/", timeout=5)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    for findings in both(info.value):
        assert [f for f in findings if f.shown] == []
    with pytest.raises(urllib.error.URLError) as info2:
        urllib.request.urlopen(f"https://127.0.0.1:{tls_server}/", timeout=5)
    for findings in both(info2.value):
        assert [f for f in findings if f.shown] == []
    assert any(f.subject == "tls-ca" for f in diagnose(info2.value))  # kept, at low


def test_dns_failure_for_external_host() -> None:
    import requests

    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get("https://data.example.invalid/api", timeout=5)
    assert "NameResolutionError" in str(info.value) or "resolve" in str(info.value)
    for findings in both(info.value):
        f = only(findings)
        assert (f.kind, f.subject) == ("network_blocked", "dns")
        assert f.evidence["host"] == "data.example.invalid"


def test_urllib_dns_failure() -> None:
    with pytest.raises(urllib.error.URLError) as info:
        urllib.request.urlopen("http://data.example.invalid/", timeout=5)
    assert only(diagnose(info.value)).subject == "dns"


def test_pip_through_a_package_firewall(package_firewall: int, tmp_path) -> None:
    """Real pip against a loopback index: a quarantined file (Sonatype text) and a 403 page."""
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INPUT": "1"}
    base = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--isolated",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "-d",
        str(tmp_path),
        "--index-url",
        f"http://127.0.0.1:{package_firewall}/simple",
    ]
    quarantined = subprocess.run(
        [*base, "quarpkg"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    out = quarantined.stdout + quarantined.stderr
    assert quarantined.returncode != 0 and "quarantined" in out.lower()
    f = only(diagnose_output(out))
    assert (f.kind, f.subject) == ("blocked_package", "quarpkg")
    assert f.evidence["signature"] == "blocked.pip_quarantined"

    refused = subprocess.run(
        [*base, "-vv", "somepkg"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    out = refused.stdout + refused.stderr
    assert "Could not fetch URL" in out and ": 403" in out
    shown = [f for f in diagnose_output(out) if f.shown]
    assert [(f.kind, f.subject) for f in shown] == [("blocked_package", "somepkg")]
