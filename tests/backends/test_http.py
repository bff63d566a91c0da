"""The shared HTTP plumbing: Retry-After parsing, error mapping, no blind POST retries."""

from __future__ import annotations

import email.utils
import socket
import threading
import time

import pytest
import requests
from backends.fakes.base import FakeAPI, Reply

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.http import USER_AGENT, make_session
from jupyter_itbridge.backends.http_errors import (
    error_from_response,
    network_error,
    parse_retry_after,
)

pytestmark = pytest.mark.oldest  # requests/urllib3 at their lower bounds too (make test-oldest)


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    now = time.time()
    date = email.utils.formatdate(now + 90, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(90, abs=1.5)
    assert parse_retry_after(email.utils.formatdate(now - 50, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.fixture
def fake() -> FakeAPI:
    api = FakeAPI()
    api.route("GET", "/thing", lambda r: Reply(200, {"ok": True}))
    api.route("POST", "/thing", lambda r: Reply(201, {"ok": True}))
    api.start()
    yield api
    api.stop()


def _err(fake: FakeAPI, status: int, body=None, headers=None) -> BackendError:
    fake.fail_next(status, body, headers)
    resp = requests.get(f"{fake.url}/thing")
    return error_from_response(
        resp, secret_trait="RTBackend.token", action="create a ticket", target=""
    )


def test_error_mapping(fake: FakeAPI):
    e401 = _err(fake, 401, {"message": "Unauthorized"})
    assert (
        e401.admin_message == f"RTBackend.token was rejected by {fake.url} (HTTP 401): Unauthorized"
    )
    assert not e401.retryable and e401.status == 401
    e403 = _err(fake, 403)
    assert e403.admin_message == f"RTBackend.token was rejected by {fake.url} (HTTP 403)"
    e429 = _err(fake, 429, None, {"Retry-After": "30"})
    assert e429.retryable and e429.retry_after == 30.0 and "429" in e429.admin_message
    e500 = _err(fake, 500, "<html>oops</html>")
    assert e500.retryable and e500.retry_after is None and "HTTP 500" in e500.admin_message
    e503 = _err(fake, 503, None, {"Retry-After": "7"})
    assert e503.retryable and e503.retry_after == 7.0
    e404 = _err(fake, 404)
    assert not e404.retryable and "/thing" in e404.admin_message
    e400 = _err(fake, 400, {"errorMessages": ["Field 'x' is required"]})
    assert not e400.retryable and "Field 'x' is required" in e400.admin_message


def test_session_headers_and_timeout(fake: FakeAPI):
    session = make_session(timeout=3)
    session.get(f"{fake.url}/thing")
    assert fake.last().headers["user-agent"] == USER_AGENT
    assert session.default_timeout == 3  # type: ignore[attr-defined]


def _flaky_server(answers: int) -> tuple[socket.socket, list[bytes], threading.Thread]:
    """A raw server that reads each request and closes without answering (a read error)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    seen: list[bytes] = []

    def run() -> None:
        for _ in range(answers):
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            seen.append(conn.recv(65536).split(b" ", 1)[0])
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return srv, seen, thread


def _stop(srv: socket.socket, thread: threading.Thread) -> None:
    """Wake the accept() before closing: a thread left blocked on a closed descriptor would
    accept the connections of the next server that reuses the number (a later test's fake)."""
    srv.shutdown(socket.SHUT_RDWR)
    thread.join(5)
    srv.close()
    assert not thread.is_alive()


def test_post_is_never_resent_after_a_read_error_but_get_is():
    srv, seen, thread = _flaky_server(6)
    url = f"http://127.0.0.1:{srv.getsockname()[1]}/x"
    session = make_session(retries=2, backoff=0)
    with pytest.raises(requests.ConnectionError):
        session.post(url, json={"create": 1})
    time.sleep(0.2)
    assert seen == [b"POST"], "a create must not be sent twice by urllib3"
    with pytest.raises(requests.ConnectionError):
        session.get(url)
    time.sleep(0.2)
    assert seen == [b"POST", b"GET", b"GET", b"GET"]
    _stop(srv, thread)


def test_network_errors_are_one_retryable_sentence_naming_the_host_only():
    url = "https://rt.example/REST/2.0/queue/secret-path"
    cases = {
        requests.ConnectionError(): "Could not connect to https://rt.example while trying to "
        "read the queue; will retry",
        requests.ConnectTimeout(): "https://rt.example timed out while trying to read the "
        "queue; will retry",
        requests.exceptions.SSLError(): "The TLS certificate of https://rt.example was not "
        "trusted while trying to read the queue (behind a corporate CA? set "
        "RTBackend.ca_bundle); will retry",
    }
    for exc, sentence in cases.items():
        err = network_error(exc, url, "read the queue", "RTBackend.ca_bundle")
        assert err.admin_message == sentence and err.retryable
