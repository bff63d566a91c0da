"""``jupyter itbridge doctor`` says precisely what is wrong, as a one-shot check.

Each test failed on the code before this change: refused and unresolvable hosts gave the
same sentence, ending "will retry"; a missing token or password was only found by
connecting; a URL that is not RT pasted the HTML page into the message; "(1 requests)"; the
server started with an unusable backend and said nothing.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli.conftest import cli  # type: ignore[import-not-found]  # noqa: F401
from kernel.kernel_http_fixtures import Recorder  # type: ignore[import-not-found]

from jupyter_itbridge.backends.rt import RTBackend
from jupyter_itbridge.cli.doctor import check_backend, check_store

PAGE = (
    "<!DOCTYPE html><html><head><title>Corporate SSO - Sign in</title></head>"
    "<body><form><input name=user></form></body></html>"
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def html_server() -> Iterator[str]:
    """Answers every call with an HTML login page (a proxy or SSO in front of the wrong URL)."""
    server = Recorder(lambda *_: (404, PAGE.encode(), "text/html; charset=utf-8"))
    try:
        yield server.url.rstrip("/")
    finally:
        server.close()


def _rt(url: str, **kw: Any) -> RTBackend:
    return RTBackend(url=url, token="t0ken-for-the-test", retries=0, timeout=5.0, **kw)


def test_refused_and_unresolvable_hosts_are_told_apart_and_never_promise_a_retry() -> None:
    port = _closed_port()
    ok, refused = check_backend(_rt(f"http://127.0.0.1:{port}"))
    assert not ok
    assert refused == (
        f"Could not connect to http://127.0.0.1:{port} while trying to read the queue: "
        "connection refused (nothing listens there)."
    )
    ok, dns = check_backend(_rt("http://rt.does-not-exist.invalid"))
    assert not ok
    assert dns.startswith("The host name 'rt.does-not-exist.invalid' of ")
    assert "does not resolve (DNS)" in dns
    assert "retry" not in refused + dns


def test_a_missing_token_or_password_is_named_before_connecting() -> None:
    port = _closed_port()  # nothing is called: the answer comes before any connection
    ok, message = check_backend(RTBackend(url=f"http://127.0.0.1:{port}", retries=0))
    assert not ok and message.startswith("No credential for the ticket system: set ")
    ok, message = check_backend(RTBackend(url=f"http://127.0.0.1:{port}", user="svc-itbridge"))
    assert (
        not ok and message == "c.RTBackend.user is set to 'svc-itbridge' but its password is empty."
    )
    ok, message = check_backend(RTBackend(token="x"))
    assert not ok and message.startswith("c.RTBackend.url is not set")


def test_a_url_that_is_not_rt_is_named_without_its_html(html_server: str) -> None:
    ok, message = check_backend(_rt(html_server))
    assert not ok
    assert "<" not in message and "input" not in message
    assert "an HTML page titled 'Corporate SSO - Sign in'" in message


def test_one_request_is_singular(tmp_path: Path) -> None:
    from jupyter_itbridge.backends.local import LocalBackend
    from jupyter_itbridge.server.service import RequestService
    from jupyter_itbridge.server.store import Store

    path = tmp_path / "store.sqlite3"
    store = Store(str(path))
    RequestService(store, LocalBackend()).file("alice", {"summary": "Need libpq"})
    store.close()
    ok, message = check_store(str(path))
    assert ok and "(1 request: 1 queued)" in message, message


def test_doctor_cli_one_shot_wording(cli: Any) -> None:  # noqa: F811
    port = _closed_port()
    cli.write_config(
        f'c.ITBridge.backend = "rt"\nc.RTBackend.url = "http://127.0.0.1:{port}"\n'
        'c.RTBackend.token = "t"\nc.RTBackend.retries = 0\n'
    )
    res = cli.run("doctor")
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1] == (
        f"jupyter itbridge doctor: Could not connect to http://127.0.0.1:{port} while trying "
        "to read the queue: connection refused (nothing listens there)."
    )


def test_server_start_warns_about_an_unusable_backend(tmp_path: Path) -> None:
    from hub.server_proc import ServerProcess  # type: ignore[import-not-found]

    server = ServerProcess(tmp_path, {"backend": "rt", "store_path": str(tmp_path / "s.db")})
    server.start(timeout=120)  # a loaded machine starts servers slowly
    try:
        log = (tmp_path / "server.log").read_text()
    finally:
        server.stop()
    assert "jupyter-itbridge: backend 'rt' cannot deliver yet: c.RTBackend.url is not set" in log
