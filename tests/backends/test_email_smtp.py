"""EmailBackend against a real SMTP server (aiosmtpd) on loopback, with STARTTLS and AUTH."""

from __future__ import annotations

import email
import email.policy
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from backends.helpers import make_request
from loopback import free_port  # type: ignore[import-not-found]

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.email import EmailBackend


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"jupyter",
        b"smtp-pass",
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def smtp_plain():
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=free_port())
    ctl.start()
    yield inbox, ctl
    ctl.stop()


@pytest.fixture
def smtp_tls(tls_files):
    cert, key = tls_files
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    inbox = Inbox()
    ctl = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=ctx,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    ctl.start()
    yield inbox, ctl, cert
    ctl.stop()


def _port(ctl: Controller) -> int:
    return ctl.port


def test_headers_body_utf8_and_unique_ids(smtp_plain):
    inbox, ctl = smtp_plain
    be = EmailBackend(
        host="127.0.0.1",
        port=_port(ctl),
        starttls=False,
        from_addr="jupyter@corp.example",
        to_addrs=["it-help@corp.example"],
        user_domain="corp.example",
    )
    req = make_request("Bitte installieren: pyspark für Ärztedaten — 数据")
    ref1 = be.create(req)
    ref2 = be.create(make_request("second"))
    assert len(inbox.messages) == 2
    mail_from, rcpts, raw = inbox.messages[0]
    assert mail_from == "jupyter@corp.example" and rcpts == ["it-help@corp.example"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == f"[Jupyter] {req.summary} [itbridge:{req.uuid[:8]}]"
    assert msg["From"] == "Jupyter IT requests <jupyter@corp.example>"
    assert msg["To"] == "it-help@corp.example"
    assert msg["Reply-To"] == "alice@corp.example"
    assert msg["Date"] and msg["X-ITBridge-Request-ID"] == req.uuid
    assert "Auto-Submitted" not in msg  # RT-style desks must answer the user
    assert msg["Message-ID"] and msg["Message-ID"].endswith("@corp.example>")
    msg2 = email.message_from_bytes(inbox.messages[1][2], policy=email.policy.default)
    assert msg["Message-ID"] != msg2["Message-ID"]
    assert ref1.id == msg["Message-ID"].strip("<>") and ref1.id != ref2.id
    be.create(req)  # a resend (the first answer was lost) carries the same Message-ID
    msg3 = email.message_from_bytes(inbox.messages[2][2], policy=email.policy.default)
    assert msg3["Message-ID"] == msg["Message-ID"] == f"<itbridge.{req.uuid}@corp.example>"
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert "No module named 'pyspark'" in body and f"itbridge-request-id: {req.uuid}" in body


def test_starttls_and_auth(smtp_tls):
    inbox, ctl, cert = smtp_tls
    common = {
        "host": "127.0.0.1",
        "port": _port(ctl),
        "from_addr": "jupyter@corp.example",
        "to_addrs": ["it@corp.example"],
        "ca_bundle": str(cert),
        "username": "jupyter",
    }
    be = EmailBackend(password="smtp-pass", **common)
    assert "with AUTH" in be.check()
    be.create(make_request())
    assert len(inbox.messages) == 1
    with pytest.raises(BackendError) as err:
        EmailBackend(password="wrong-smtp-pass", **common).create(make_request())
    assert not err.value.retryable
    assert err.value.admin_message.startswith("EmailBackend.password was rejected by smtp://")
    assert "wrong-smtp-pass" not in err.value.admin_message
    untrusted = {**common, "ca_bundle": ""}
    with pytest.raises(BackendError, match="TLS with smtp://"):
        EmailBackend(password="smtp-pass", **untrusted).create(make_request())
    assert len(inbox.messages) == 1


def test_no_starttls_offered_fails_closed_and_down_is_retryable(smtp_plain):
    inbox, ctl = smtp_plain
    be = EmailBackend(
        host="127.0.0.1", port=_port(ctl), from_addr="a@b.example", to_addrs=["c@b.example"]
    )
    with pytest.raises(BackendError, match="does not offer STARTTLS") as err:
        be.create(make_request())
    assert not err.value.retryable and not inbox.messages
    down = EmailBackend(
        host="127.0.0.1",
        port=free_port(),
        starttls=False,  # nothing listens
        from_addr="a@b.example",
        to_addrs=["c@b.example"],
    )
    with pytest.raises(BackendError) as err:
        down.create(make_request())
    assert err.value.retryable and "will retry" in err.value.admin_message


def test_password_from_env_never_in_describe(monkeypatch):
    monkeypatch.setenv("ITBRIDGE_SMTP_PASSWORD", "env-smtp-secret")
    be = EmailBackend(host="smtp.corp.example", username="jupyter")
    assert be.password == "env-smtp-secret"
    assert "env-smtp-secret" not in str(be.describe())
