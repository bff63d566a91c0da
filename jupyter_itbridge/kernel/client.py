"""Kernel -> server client: read the policy, file requests; offline drafts when unreachable.

Uses ``http.client`` with short timeouts: a notebook must never hang because the Jupyter server
is slow. Imported by the policy thread (only when a server URL is set) or on Send, never on the
kernel's main thread at start-up. The kernel only ever holds the per-process kernel token
(``JUPYTER_ITBRIDGE_TOKEN``), never a ticket-system credential.
"""

from __future__ import annotations

import http.client
import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from ..contract import ENV_TOKEN, ENV_URL, TOKEN_HEADER
from .policy_fetch import POLICY_TIMEOUT, policy_object

#: Seconds for a filing call (the policy call has its own, shorter one).
REQUEST_TIMEOUT = 5.0
#: The server's own lookup is bounded by ``c.ITBridge.package_facts_timeout`` (3 s by default).
FACTS_TIMEOUT = 4.0


class ServerUnavailable(Exception):
    """The server could not be reached (or refused the kernel token): keep the draft offline.

    ``str(err)`` is the technical detail (kept in the saved draft for IT); ``hint`` says what
    happened in words a notebook user understands (shown on the card).
    """

    def __init__(self, detail: str, hint: str = "the Jupyter server did not answer") -> None:
        super().__init__(detail)
        self.hint = hint


class ServerRejected(Exception):
    """The server answered with a 4xx about the content: the user has to change something."""

    def __init__(self, status: int, message: str) -> None:
        message = message or f"the Jupyter server refused it without saying why (HTTP {status})"
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


@dataclass
class SubmitResult:
    """What happened to one request the user sent from a card."""

    filed: bool
    response: dict[str, Any] = field(default_factory=dict)
    saved_path: str | None = None
    error: str | None = None  # technical detail (offline) or the server's message (rejected)
    hint: str = ""  # offline: why, in plain words


class ServerClient:
    """Talks to ``{base_url}itbridge/api/`` with the kernel token."""

    def __init__(
        self, url: str | None = None, token: str | None = None, environ: Any = None
    ) -> None:
        env = os.environ if environ is None else environ
        self.url = url if url is not None else env.get(ENV_URL, "")
        self.token = token if token is not None else env.get(ENV_TOKEN, "")
        if self.url and not self.url.endswith("/"):
            self.url += "/"

    @property
    def configured(self) -> bool:
        """True when this kernel was started by a Jupyter server running the extension."""
        return bool(self.url and self.token)

    def call(
        self, method: str, path: str, body: Any = None, timeout: float = REQUEST_TIMEOUT
    ) -> Any:
        """One JSON call. Raises ServerUnavailable or ServerRejected; returns the parsed body."""
        if not self.configured:
            raise ServerUnavailable(
                f"{ENV_URL} / {ENV_TOKEN} are not set in this kernel",
                "this kernel was not started by a Jupyter server that runs jupyter-itbridge",
            )
        target = urlsplit(urljoin(self.url, path))
        if target.scheme not in ("http", "https"):
            raise ServerUnavailable(
                f"unsupported URL scheme in {ENV_URL}: {target.scheme!r}",
                "the server address given to this kernel is not valid",
            )
        conn_cls = (
            http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
        )
        headers = {TOKEN_HEADER: self.token, "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        path_qs = target.path + (f"?{target.query}" if target.query else "")
        conn = conn_cls(target.hostname or "127.0.0.1", target.port, timeout=timeout)
        try:
            conn.request(method, path_qs, body=payload, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as err:
            raise ServerUnavailable(f"{type(err).__name__}: {err}") from None
        finally:
            conn.close()
        if status in (401, 403, 404) or status >= 500:
            # In all these cases the draft is safer on disk.
            raise ServerUnavailable(
                f"HTTP {status} from the Jupyter server: {_message(raw)}", _unavailable_hint(status)
            )
        if status >= 400:
            raise ServerRejected(status, _message(raw))
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ServerUnavailable(
                "the server answered something that is not JSON",
                "the Jupyter server gave an unexpected answer",
            ) from None

    def get_policy(self) -> dict[str, Any]:
        data = self.call("GET", "policy", timeout=POLICY_TIMEOUT)
        if not isinstance(data, dict):
            raise ServerUnavailable("GET policy did not return an object")
        return policy_object(data)

    def file_request(self, body: dict[str, Any]) -> dict[str, Any]:
        data = self.call("POST", "requests", body)
        return data if isinstance(data, dict) else {"response": data}

    def get_package_facts(self, subject: str) -> dict[str, Any] | None:
        """``GET packages/{subject}`` (the server reads the index, never the kernel); None
        when the server has no facts to give (404, unreachable, an older server)."""
        try:
            data = self.call("GET", f"packages/{quote(subject, safe='')}", timeout=FACTS_TIMEOUT)
        except (ServerUnavailable, ServerRejected):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("facts"), dict) else None

    def get_request(self, request_id: Any) -> dict[str, Any]:
        data = self.call("GET", f"requests/{request_id}")
        return data if isinstance(data, dict) else {"response": data}


def _unavailable_hint(status: int) -> str:
    """What an HTTP status that keeps the draft offline means, for the card."""
    if status in (401, 403):  # the kernel token changed: the server restarted since
        return "the Jupyter server was restarted after this kernel started"
    if status == 404:
        return "jupyter-itbridge is not enabled on this Jupyter server"
    return "the Jupyter server had an internal error"


def _message(raw: bytes) -> str:
    """The human part of an error body (jupyter-server sends ``{"message": ...}``)."""
    text = raw.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("reason") or data)[:300]
    return text[:300]


def submit(
    draft_body: dict[str, Any], request_uuid: str, client: ServerClient | None = None
) -> SubmitResult:
    """File one request; if the server cannot take it, save it under the outbox-drafts dir.

    ``draft_body`` is ``RequestDraft.to_dict()``; ``request_uuid`` is the card's idempotency
    key (sent as ``uuid``), so a retried or double-clicked send files one request only.
    """
    from ..drafts import save_draft

    client = client or ServerClient()
    body = {**draft_body, "uuid": request_uuid}
    try:
        response = client.file_request(body)
    except ServerRejected as err:
        return SubmitResult(filed=False, error=err.message)
    except ServerUnavailable as err:
        path = save_draft(draft_body, request_uuid, reason=str(err))
        return SubmitResult(filed=False, saved_path=path, error=str(err), hint=err.hint)
    return SubmitResult(filed=True, response=response)
