"""The kernel's start-up ``GET policy`` over a plain socket, against real HTTP servers.

The light path must read what the full client reads (a Tornado server as Jupyter runs it, a
chunked answer), and anything it cannot read must end in the full client or the config files,
never in a broken policy.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kernel_http_fixtures import Recorder  # type: ignore[import-not-found]

from jupyter_itbridge.kernel.policy_fetch import FetchFailed, _policy_of, fetch_policy
from jupyter_itbridge.kernel.policy_source import load_policy

TOKEN = "kernel-token-xyz"
POLICY = {"blocked_packages": {"openai": "no"}, "install_mode": "self-service"}


def _respond(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
    if headers.get("X-ITBridge-Token") != TOKEN:
        return 403, {"message": "Invalid kernel token."}
    if path == "/itbridge/api/policy":
        return 200, {"policy": POLICY}
    return 404, {"message": "no"}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder(_respond)
    yield rec
    rec.close()


@pytest.fixture
def tornado_url() -> Iterator[str]:
    """A real Tornado application (what jupyter_server serves with), chunking its answer."""
    import tornado.web

    class Policy(tornado.web.RequestHandler):
        async def get(self) -> None:
            if self.request.headers.get("X-ITBridge-Token") != TOKEN:
                raise tornado.web.HTTPError(403)
            text = json.dumps({"policy": POLICY})
            self.write(text[:10])
            await self.flush()  # a flush before finish: no Content-Length, the answer ends at EOF
            self.write(text[10:])

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        app = tornado.web.Application([(r"/base/itbridge/api/policy", Policy)])
        server = app.listen(0, address="127.0.0.1")
        port.append(next(iter(server._sockets.values())).getsockname()[1])
        ready.set()
        loop.run_forever()
        server.stop()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    yield f"http://127.0.0.1:{port[0]}/base/itbridge/api/"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_light_fetch_reads_the_policy_with_the_token(recorder: Recorder) -> None:
    policy = fetch_policy(recorder.url + "itbridge/api/", TOKEN, 1.5)
    assert policy == POLICY
    call = recorder.calls[0]
    assert call["path"] == "/itbridge/api/policy"
    assert call["headers"]["X-ITBridge-Token"] == TOKEN


def test_light_fetch_reads_a_real_tornado_answer(tornado_url: str) -> None:
    assert fetch_policy(tornado_url, TOKEN, 1.5) == POLICY
    with pytest.raises(FetchFailed, match="403"):
        fetch_policy(tornado_url, "wrong", 1.5)


def test_kernel_start_uses_the_light_path_and_not_http_client(recorder: Recorder) -> None:
    """``load_policy`` with the server's environment: the policy arrives, and the start-up
    imported neither ``http.client`` nor the ``idna`` codec a ``str`` host lookup loads (~5 ms
    together; checked in a fresh interpreter, where nothing else had loaded them)."""
    import subprocess

    code = (
        "import sys\n"
        "from jupyter_itbridge.kernel.policy_source import load_policy\n"
        "policy, origin = load_policy(lazy=True)\n"
        "heavy = [m for m in ('http.client', 'encodings.idna', 'stringprep') if m in sys.modules]\n"
        "print(origin, policy.blocked_entry('openai')['reason'], heavy)\n"
    )
    env = {
        "JUPYTER_ITBRIDGE_URL": recorder.url + "itbridge/api/",
        "JUPYTER_ITBRIDGE_TOKEN": TOKEN,
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["server", "no", "[]"]


def test_refused_token_falls_back_to_the_full_client_then_the_files(
    recorder: Recorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "jupyter_server_config.json").write_text(
        json.dumps({"ITBridgePolicy": {"it_contact": "Data Platform"}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("JUPYTER_ITBRIDGE_URL", recorder.url + "itbridge/api/")
    monkeypatch.setenv("JUPYTER_ITBRIDGE_TOKEN", "stale-token")
    policy, origin = load_policy(lazy=True)
    assert origin == "config" and policy.it_contact == "Data Platform"
    # the light path, then the full client: both asked, both refused
    assert [c["path"] for c in recorder.calls] == ["/itbridge/api/policy"] * 2


def test_unreachable_server_goes_to_the_files_without_a_second_try(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as closed:  # a port that was free a moment ago: nothing listens
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("JUPYTER_ITBRIDGE_URL", f"http://127.0.0.1:{port}/itbridge/api/")
    monkeypatch.setenv("JUPYTER_ITBRIDGE_TOKEN", TOKEN)
    calls: list[str] = []
    from jupyter_itbridge.kernel import client

    monkeypatch.setattr(client.ServerClient, "get_policy", lambda self: calls.append("full"))
    assert load_policy(lazy=True) == (None, "config")
    assert calls == []


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (b"HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n", "302"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{}", "Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{}", "cut short"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "hexadecimal"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json", "end of headers"),
        (b"HTTP/1.1 200 OK\r\n\r\n[1, 2]", "not return an object"),
        (b"garbage\r\n\r\n{}", "garbage"),
    ],
)
def test_answers_the_light_path_does_not_read(answer: bytes, why: str) -> None:
    with pytest.raises(FetchFailed, match=why):
        _policy_of(answer)


def test_chunked_answer_is_decoded() -> None:
    text = json.dumps({"policy": POLICY}).encode()
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
        + f"{10:x};ext=1\r\n".encode()
        + text[:10]
        + b"\r\n"
        + f"{len(text) - 10:x}\r\n".encode()
        + text[10:]
        + b"\r\n0\r\n\r\n"
    )
    assert _policy_of(answer) == POLICY


def test_https_and_line_breaks_are_left_to_the_full_client() -> None:
    with pytest.raises(FetchFailed, match="https"):
        fetch_policy("https://127.0.0.1:1/itbridge/api/", TOKEN, 1.5)
    with pytest.raises(FetchFailed, match="line break"):
        fetch_policy("http://127.0.0.1:1/itbridge/api/", "a\r\nX-Evil: 1", 1.5)
