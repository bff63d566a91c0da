"""A tiny loopback HTTP server for contract tests of ticket-system APIs.

Each fake (ServiceNow, Jira, GitHub, GitLab) subclasses :class:`FakeAPI` and implements the
documented endpoints it needs with ``route``. The server records every request (method, path,
headers, JSON body) so tests can assert request shapes, and can be told to fail the next calls
(401/403/404/429/500) to test our error mapping.

A create's answer can be lost (our read timeout, a server killed after the ticket system
committed): ``reply_delays`` answers a committed create late, ``commit_delays`` commits it late
(the ticket system still works on it when the client gives up, and finishes anyway), and
``on_create`` runs right after the commit (a test kills the filing process there). Each fake
says which requests create (``is_create``) and calls ``created`` after committing.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def q(self, name: str) -> str | None:
        vals = self.query.get(name)
        return vals[0] if vals else None


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Reply]


class FakeAPI:
    """Routes + state + recorder + fault injection, served on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Recorded] = []
        self.faults: list[Reply] = []
        self.lock = threading.Lock()
        #: Per create: seconds between the commit and the answer (answered after a timeout).
        self.reply_delays: list[float] = []
        #: Per create: seconds of work before the commit (still working when the client
        #: gives up; the record lands anyway).
        self.commit_delays: list[float] = []
        #: Called with the new record right after a create committed.
        self.on_create: Callable[[Any], None] | None = None
        #: An OpenAPI check (``openapi_check.OpenAPICheck``): what a request or an answer
        #: breaks of the described API lands in ``invalid`` (the fixture fails the test).
        self.validator: Any = None
        self.invalid: list[str] = []
        self._busy = threading.Condition()
        self._in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- setup ---------------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def fail_next(
        self, status: int, body: Any = None, headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        self.faults += [Reply(status, body, headers or {}) for _ in range(times)]

    def is_create(self, rec: Recorded) -> bool:
        """True for the request that files a ticket (subclasses say which)."""
        return False

    def created(self, record: Any) -> None:
        """Subclasses call this right after a create committed (runs ``on_create``)."""
        if self.on_create is not None:
            self.on_create(record)

    def serve(self, rec: Recorded) -> Reply:
        """One request, with the lost-answer delays of a create (outside ``lock``, so other
        calls, e.g. the retry's search, are answered meanwhile)."""
        create = self.is_create(rec)
        with self._busy:
            self._in_flight += 1
        try:
            if self.validator is not None:
                self._note(self.validator(rec))
            if create and self.commit_delays:
                time.sleep(self.commit_delays.pop(0))
            reply = self.dispatch(rec)
            if self.validator is not None:
                self._note(self.validator.response(rec, reply.status, reply.body, reply.headers))
            if create and reply.status in (200, 201) and self.reply_delays:
                time.sleep(self.reply_delays.pop(0))
            return reply
        finally:
            with self._busy:
                self._in_flight -= 1
                self._busy.notify_all()

    def _note(self, problem: str | None) -> None:
        if problem:
            with self.lock:
                self.invalid.append(problem)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every request received so far is finished (a create the client gave up
        on included), so a test counts what finally landed."""
        with self._busy:
            if not self._busy.wait_for(lambda: self._in_flight == 0, timeout):
                raise TimeoutError(f"{self._in_flight} requests still in flight")

    def authorized(self, req: Recorded) -> Reply | None:
        """Return a 401 Reply when the request's credentials are wrong (subclasses decide)."""
        return None

    # -- serving -------------------------------------------------------------------------------
    def start(self, ssl_context: ssl.SSLContext | None = None) -> FakeAPI:
        """Serve on 127.0.0.1 (over TLS with ``ssl_context``: the corporate-network tests)."""
        app = self
        self._scheme = "https" if ssl_context else "http"

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _do(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                rec = Recorded(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                reply = app.serve(rec)
                payload = (
                    b""
                    if reply.body is None
                    else (
                        reply.body.encode()
                        if isinstance(reply.body, str)
                        else json.dumps(reply.body).encode()
                    )
                )
                self.send_response(reply.status)
                ctype = "text/plain" if isinstance(reply.body, str) else "application/json"
                self.send_header("Content-Type", reply.headers.pop("Content-Type", ctype))
                for key, val in reply.headers.items():
                    self.send_header(key, val)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _do

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        if ssl_context:
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"{getattr(self, '_scheme', 'http')}://127.0.0.1:{self._server.server_address[1]}"

    def dispatch(self, rec: Recorded) -> Reply:
        with self.lock:
            self.requests.append(rec)
            if self.faults:
                return self.faults.pop(0)
            denied = self.authorized(rec)
            if denied:
                return denied
            for method, pattern, handler in self.routes:
                match = pattern.match(rec.path)
                if method == rec.method and match:
                    return handler(rec, **match.groupdict())
            return self.not_found(rec)

    def not_found(self, rec: Recorded) -> Reply:
        return Reply(404, {"message": "Not Found"})

    # -- test helpers --------------------------------------------------------------------------
    def last(self, method: str | None = None) -> Recorded:
        items = [r for r in self.requests if method is None or r.method == method]
        return items[-1]

    def count(self, method: str, path_re: str = ".*") -> int:
        return sum(1 for r in self.requests if r.method == method and re.match(path_re, r.path))
