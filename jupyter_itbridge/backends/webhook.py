"""Webhooks: generic signed JSON, Slack incoming webhooks, Teams Workflows (Adaptive Card).

A webhook URL from Slack or Teams *is* a credential (anyone holding it can post), so the URL is
treated like a secret: read from an env var by default, never logged, only its host is shown.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from traitlets import Enum, Unicode

from .base import BackendError, OutgoingRequest, TicketRef, env_default
from .http import HTTPBackend
from .http_errors import origin

SIGNATURE_HEADER = "X-ITBridge-Signature"
#: The delivery id header: one value per request, on every try (see docs/backends.md).
DELIVERY_HEADER = "X-ITBridge-Delivery-ID"


class _RedactSecretPaths(logging.Filter):
    """urllib3 logs request paths at DEBUG; a Slack/Teams webhook path is a credential."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.paths:
            msg = record.getMessage()
            hidden = msg
            for path in self.paths:
                hidden = hidden.replace(path, "/<webhook path redacted>")
            if hidden != msg:
                record.msg, record.args = hidden, ()
        return True


_REDACT = _RedactSecretPaths()
logging.getLogger("urllib3.connectionpool").addFilter(_REDACT)


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>`` HMAC of the exact body bytes (verify with ``hmac.compare_digest``)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _mrkdwn(text: str) -> str:
    """Slack mrkdwn needs only &, <, > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def generic_payload(request: OutgoingRequest) -> dict[str, Any]:
    return {
        "event": "itbridge.request.created",
        "request_id": request.uuid,
        "delivery_id": request.uuid,  # the same on every try: receivers drop repeats by it
        "summary": request.summary,
        "body": request.body,
        "user": request.user,
        "kind": request.kind,
        "subject": request.subject,
        "fingerprint": request.fingerprint,
        "urgency": request.urgency,
        "sent_at": int(time.time()),
    }


def slack_payload(request: OutgoingRequest) -> dict[str, Any]:
    """Blocks for a readable message; ``text`` is the notification/fallback line."""
    body = request.body if len(request.body) <= 2900 else request.body[:2890] + "\n…"
    context = [f"*Urgency:* {request.urgency}", f"*Request:* `{request.uuid}`"]
    if request.user:
        context.insert(0, f"*From:* {_mrkdwn(request.user)}")
    return {
        "text": f"IT request: {request.summary}",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": request.summary[:150], "emoji": False},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": f"```{_mrkdwn(body)}```"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in context]},
        ],
    }


def teams_payload(request: OutgoingRequest) -> dict[str, Any]:
    """A Teams Workflows ("Post to a channel when a webhook request is received") message."""
    facts = [
        {"title": "Urgency", "value": request.urgency},
        {"title": "Request", "value": request.uuid},
    ]
    if request.user:
        facts.insert(0, {"title": "From", "value": request.user})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": request.summary,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            },
            {"type": "FactSet", "facts": facts},
            {"type": "TextBlock", "text": request.body, "wrap": True, "fontType": "Monospace"},
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


class WebhookBackend(HTTPBackend):
    """Posts each request to a webhook; no find/status (a webhook is fire-and-forget)."""

    name = "webhook"
    #: A webhook is one-way: nothing comes back (``can_message`` stays False).
    messages_hint = "IT's replies do not come back here; IT will contact you directly."
    can_find = False
    can_sync = False

    flavor = Enum(
        ["generic", "slack", "teams"],
        "generic",
        help="""Payload shape: ``generic`` (our JSON, signed with ``secret``), ``slack`` (an
        incoming-webhook message with blocks) or ``teams`` (an Adaptive Card for a Teams
        Workflows webhook).""",
    ).tag(config=True)

    secret = Unicode(
        help="""HMAC key for ``generic``: each POST carries ``X-ITBridge-Signature:
        sha256=<hex HMAC-SHA256 of the raw body>``. Default: ``ITBRIDGE_WEBHOOK_SECRET``.
        Never logged or shown.""",
    ).tag(config=True)

    _url_env = env_default("url", "ITBRIDGE_WEBHOOK_URL")
    _secret_env = env_default("secret", "ITBRIDGE_WEBHOOK_SECRET")

    def secret_trait(self) -> str:
        return "WebhookBackend.url" if self.flavor != "generic" else "WebhookBackend.secret"

    def payload(self, request: OutgoingRequest) -> dict[str, Any]:
        if self.flavor == "slack":
            return slack_payload(request)
        if self.flavor == "teams":
            return teams_payload(request)
        return generic_payload(request)

    def create(self, request: OutgoingRequest) -> TicketRef:
        path = urlsplit(self.url).path
        if len(path) > 1:
            _REDACT.paths.add(path)
        body = json.dumps(self.payload(request), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": request.uuid,
            DELIVERY_HEADER: request.uuid,  # stable across retries (delivery is at-least-once)
        }
        if self.flavor == "generic":
            headers["X-ITBridge-Request-ID"] = request.uuid
            if self.secret:
                headers[SIGNATURE_HEADER] = sign(self.secret, body)
        try:
            self.call(
                "POST",
                self.url,
                data=body,
                headers=headers,
                action="post the webhook",
                ok=(200, 201, 202, 204),
            )
        except BackendError as exc:
            if exc.status in (404, 410) and self.flavor != "generic":
                # Slack answers 404 no_service / 410 channel_is_archived for a dead webhook.
                raise BackendError(
                    f"WebhookBackend.url no longer exists on {origin(self.url)} "
                    f"(HTTP {exc.status}): create a new webhook.",
                    retryable=False,
                    status=exc.status,
                ) from None
            raise
        return TicketRef(id=request.uuid, url=None)

    def check(self) -> str:
        self.require_url()
        return (
            f"webhook: {self.flavor} webhook on {origin(self.url)} configured "
            "(not called: a test post would reach the channel)."
        )

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "flavor": self.flavor,
            "host": origin(self.url) if self.url else None,
            "signed": bool(self.secret),
        }
