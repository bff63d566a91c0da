"""Outgoing calls on a corporate network: through an authenticating proxy, to a TLS server whose
CA is only in the configured bundle and which requires a client certificate (mutual TLS).

Real sockets, real TLS, a real CONNECT proxy (tests/backends/corpnet.py); the ticket systems
are the ServiceNow and Jira fakes served over HTTPS.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends.corpnet import CA, ConnectProxy, Issued
from backends.fakes.jira import FakeJira
from backends.fakes.servicenow import FakeServiceNow
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.github import GitHubBackend
from jupyter_itbridge.backends.gitlab import GitLabBackend
from jupyter_itbridge.backends.jira import JiraBackend
from jupyter_itbridge.backends.rt import RTBackend
from jupyter_itbridge.backends.servicenow import ServiceNowBackend

PROXY_PASSWORD = "pr0xy-s3cret"


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path | Issued | CA]:
    server_ca = CA(tmp_path, "corp-server-ca")
    client_ca = CA(tmp_path, "corp-client-ca")
    return {
        "server_ca": server_ca,
        "server": server_ca.issue("snow.corp.example", server=True),
        "client_ca": client_ca,
        "client": client_ca.issue("jupyter-itbridge", server=False),
    }


def _tls(pki: dict) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["server"].cert, pki["server"].key)
    ctx.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: only our client certificate gets in
    ctx.load_verify_locations(pki["client_ca"].pem)
    return ctx


@pytest.fixture
def snow_tls(pki: dict) -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow()
    fake.start(ssl_context=_tls(pki))
    yield fake
    fake.stop()


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    p = ConnectProxy("itbridge", PROXY_PASSWORD).start()
    yield p
    p.stop()


@pytest.fixture(autouse=True)
def _clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)


def snow(fake: FakeServiceNow, pki: dict, **kw: object) -> ServiceNowBackend:
    opts = {
        "url": fake.url,
        "user": fake.user,
        "password": fake.password,
        "retries": 0,
        "ca_bundle": str(pki["server_ca"].pem),
        "client_cert": str(pki["client"].cert),
        "client_key": str(pki["client"].key),
    }
    return ServiceNowBackend(**(opts | kw))


def test_proxy_with_auth_private_ca_and_client_certificate(
    snow_tls: FakeServiceNow, pki: dict, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ITBRIDGE_PROXY_PASSWORD", PROXY_PASSWORD)
    be = snow(snow_tls, pki, proxy=f"http://itbridge@127.0.0.1:{proxy.port}")
    req = make_request()
    ref = be.create(req)
    assert be.find(req.uuid) == ref
    assert proxy.connects and all(t == snow_tls.url[len("https://") :] for t, _ in proxy.connects)
    assert all(auth.startswith("Basic ") for _, auth in proxy.connects)
    assert PROXY_PASSWORD not in str(be.describe())


def test_https_proxy_from_the_environment(
    snow_tls: FakeServiceNow, pki: dict, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HTTPS_PROXY", f"http://itbridge:{PROXY_PASSWORD}@127.0.0.1:{proxy.port}")
    be = snow(snow_tls, pki)
    be.check()
    assert len(proxy.connects) == 1


def test_no_proxy_applies_to_the_configured_proxy_too(
    snow_tls: FakeServiceNow, pki: dict, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ITBRIDGE_PROXY_PASSWORD", PROXY_PASSWORD)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    be = snow(snow_tls, pki, proxy=f"http://itbridge@127.0.0.1:{proxy.port}")
    be.check()
    assert proxy.connects == [], "NO_PROXY was ignored for the configured proxy"


def test_wrong_proxy_password_names_the_proxy_never_the_password(
    snow_tls: FakeServiceNow, pki: dict, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ITBRIDGE_PROXY_PASSWORD", "wrong-pr0xy-pw")
    be = snow(snow_tls, pki, proxy=f"http://itbridge@127.0.0.1:{proxy.port}")
    with pytest.raises(BackendError) as err:
        be.check()
    msg = err.value.admin_message
    assert "proxy" in msg and "refused the credentials" in msg and err.value.retryable
    assert "wrong-pr0xy-pw" not in msg and "itbridge@" not in msg


def test_ca_only_in_the_bundle_and_client_certificate_required(snow_tls: FakeServiceNow, pki: dict):
    with pytest.raises(BackendError) as err:
        snow(snow_tls, pki, ca_bundle="").check()  # system CAs do not know the corporate CA
    assert "not trusted" in err.value.admin_message
    assert "ServiceNowBackend.ca_bundle" in err.value.admin_message
    with pytest.raises(BackendError):
        snow(snow_tls, pki, client_cert="", client_key="").check()  # mutual TLS refuses us
    assert "readable" in snow(snow_tls, pki).check()


def test_jira_over_the_same_network(pki: dict, proxy: ConnectProxy, monkeypatch):
    fake = FakeJira()
    fake.start(ssl_context=_tls(pki))
    try:
        monkeypatch.setenv("ITBRIDGE_PROXY_PASSWORD", PROXY_PASSWORD)
        be = JiraBackend(
            url=fake.url,
            token=fake.pat,
            project="IT",
            retries=0,
            proxy=f"http://itbridge@127.0.0.1:{proxy.port}",
            ca_bundle=str(pki["server_ca"].pem),
            client_cert=str(pki["client"].cert),
            client_key=str(pki["client"].key),
        )
        req = make_request()
        ref = be.create(req)
        assert be.find(req.uuid) == ref and len(proxy.connects) >= 1
    finally:
        fake.stop()


@pytest.mark.parametrize(
    "cls", [RTBackend, ServiceNowBackend, JiraBackend, GitHubBackend, GitLabBackend]
)
def test_every_http_backend_has_the_network_options(cls: type):
    traits = cls.class_trait_names(config=True)
    for name in ("proxy", "proxy_password", "ca_bundle", "client_cert", "client_key"):
        assert name in traits, f"{cls.__name__}.{name}"
        assert cls.class_traits()[name].help


def test_basic_pairs_for_masking(monkeypatch):
    """Admin-message masking needs every Basic pair we send: ours and the proxy's."""
    monkeypatch.setenv("ITBRIDGE_PROXY_PASSWORD", PROXY_PASSWORD)
    be = ServiceNowBackend(
        url="https://snow.example", user="itb", password="pw1", proxy="http://prx%40corp@p:3128"
    )
    assert be.basic_pairs() == [("itb", "pw1"), ("prx@corp", PROXY_PASSWORD)]
    assert "prx@corp:" + PROXY_PASSWORD not in str(be.describe())
