"""WebhookBackend against loopback receivers: generic (HMAC verified), Slack, Teams."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest
from backends.fakes.base import FakeAPI, Recorded, Reply
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.webhook import WebhookBackend

SECRET = "whsec-loopback-test"
HOOK = "/hooks/T000/B000/XXXXsecretpathXXXX"


class Receiver(FakeAPI):
    """Accepts the POST the way each service does (Slack 200 'ok', Teams 202, ours 204)."""

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", HOOK, self.receive)
        self.verified: list[bool] = []

    def receive(self, req: Recorded) -> Reply:
        sig = req.headers.get("x-itbridge-signature", "")
        want = "sha256=" + hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
        self.verified.append(hmac.compare_digest(sig, want))
        if "blocks" in req.json:
            return Reply(200, "ok")
        if req.json.get("type") == "message":
            return Reply(202)
        return Reply(204)


@pytest.fixture
def receiver():
    rec = Receiver().start()
    yield rec
    rec.stop()


def test_generic_payload_is_signed(receiver: Receiver, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    be = WebhookBackend(url=receiver.url + HOOK, secret=SECRET, retries=0)
    req = make_request("Install pyspark — ünïcode")
    ref = be.create(req)
    sent = receiver.last()
    assert receiver.verified == [True]
    assert sent.headers["content-type"] == "application/json; charset=utf-8"
    assert sent.headers["idempotency-key"] == req.uuid == ref.id
    data = json.loads(sent.body.decode("utf-8"))
    assert data["event"] == "itbridge.request.created"
    assert (data["request_id"], data["summary"], data["body"]) == (req.uuid, req.summary, req.body)
    assert data["kind"] == "missing_package" and data["user"] == "alice"
    assert SECRET not in caplog.text and "secretpath" not in caplog.text
    assert "secretpath" not in str(be.describe()) and be.describe()["signed"] is True


def test_tampered_body_fails_verification(receiver: Receiver):
    """The receiver's check is real: a wrong key does not verify."""
    WebhookBackend(url=receiver.url + HOOK, secret="other-key", retries=0).create(make_request())
    assert receiver.verified == [False]


def test_slack_blocks(receiver: Receiver):
    be = WebhookBackend(url=receiver.url + HOOK, flavor="slack", retries=0)
    req = make_request("Need <script> & pyspark")
    be.create(req)
    data = receiver.last().json
    assert data["text"] == f"IT request: {req.summary}"
    header, section, context = data["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": req.summary, "emoji": False},
    }
    assert section["text"]["type"] == "mrkdwn"
    assert "No module named 'pyspark'" in section["text"]["text"]
    assert any(req.uuid in e["text"] for e in context["elements"])
    assert "x-itbridge-signature" not in receiver.last().headers  # no secret configured


def test_teams_adaptive_card(receiver: Receiver):
    be = WebhookBackend(url=receiver.url + HOOK, flavor="teams", retries=0)
    req = make_request()
    be.create(req)
    data = receiver.last().json
    assert data["type"] == "message"
    (att,) = data["attachments"]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = att["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    texts = [b.get("text") for b in card["body"]]
    assert req.summary in texts and req.body in texts
    facts = {
        f["title"]: f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]
    }
    assert facts == {"From": "alice", "Urgency": "normal", "Request": req.uuid}


def test_errors_never_show_the_hook_path(receiver: Receiver):
    be = WebhookBackend(url=receiver.url + HOOK, flavor="slack", retries=0)
    receiver.fail_next(404, "no_service")
    with pytest.raises(BackendError) as err:
        be.create(make_request())
    assert not err.value.retryable and "create a new webhook" in err.value.admin_message
    receiver.fail_next(429, "rate_limited", {"Retry-After": "3"})
    with pytest.raises(BackendError) as err:
        be.create(make_request())
    assert err.value.retryable and err.value.retry_after == 3.0
    receiver.fail_next(500)
    with pytest.raises(BackendError) as err:
        be.create(make_request())
    assert err.value.retryable
    assert "secretpath" not in err.value.admin_message


def test_url_and_secret_from_env(monkeypatch, receiver: Receiver):
    monkeypatch.setenv("ITBRIDGE_WEBHOOK_URL", receiver.url + HOOK)
    monkeypatch.setenv("ITBRIDGE_WEBHOOK_SECRET", SECRET)
    WebhookBackend(retries=0).create(make_request())
    assert receiver.verified == [True]


def test_retry_carries_the_same_delivery_id(receiver: Receiver):
    """At-least-once: a try whose answer was lost is posted again with the same id."""
    be = WebhookBackend(url=receiver.url + HOOK, secret=SECRET, retries=0)
    req = make_request()
    receiver.fail_next(502)
    with pytest.raises(BackendError):
        be.create(req)
    be.create(req)
    first, second = [r for r in receiver.requests if r.method == "POST"]
    assert first.headers["x-itbridge-delivery-id"] == second.headers["x-itbridge-delivery-id"]
    assert second.headers["x-itbridge-delivery-id"] == req.uuid
    assert json.loads(second.body)["delivery_id"] == req.uuid
