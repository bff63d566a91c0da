"""A loopback HTTP "ticket system" that counts creates, and the backend that talks to it.

Used by the crash-safety test and the benchmark: the server process under test loads
``hub.loopback_tickets:LoopbackBackend`` (``c.ITBridge.backend``) and this process runs the
ticket system, so the count of creates per request UUID is observed from outside the server.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from traitlets import Unicode

from jupyter_itbridge.backends.base import Backend, BackendError, OutgoingRequest, TicketRef


class TicketSystem:
    """Threaded HTTP server on 127.0.0.1: ``GET /find?uuid=``, ``POST /tickets``.

    ``delay``: seconds every answer takes (a slow ticket system; the search answer is the
    state *before* the wait, as a real search index would give). ``victims``: create number ->
    a function giving the PID to SIGKILL right after that create is recorded.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.victims: dict[int, Callable[[], int | None]] = {}
        self.kills: list[int] = []
        self.lock = threading.Lock()
        self.creates: Counter[str] = Counter()
        self.tickets: dict[str, str] = {}
        self.accepting = True
        self.kill_at: set[int] = set()  # kill victim_pid right after the Nth create is recorded
        self.victim_pid: int | None = None
        self.total_creates = 0
        system = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                if not system.accepting:
                    self._send(503, {"error": "maintenance"}, {"Retry-After": "0.1"})
                    return
                uuid = (query.get("uuid") or [""])[0]
                with system.lock:
                    ticket = system.tickets.get(uuid)
                time.sleep(system.delay)
                self._send(200 if ticket else 404, {"id": ticket} if ticket else {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = json.loads(self.rfile.read(length) or b"{}")
                if not system.accepting:
                    self._send(503, {"error": "maintenance"}, {"Retry-After": "0.1"})
                    return
                with system.lock:
                    system.creates[data["uuid"]] += 1
                    system.total_creates += 1
                    ticket = f"TKT-{system.total_creates}"
                    system.tickets[data["uuid"]] = ticket
                    kill = system.total_creates in system.kill_at and system.victim_pid
                    victim = system.victims.pop(system.total_creates, None)
                if kill:  # crash the server between "ticket created" and "ticket stored"
                    os.kill(system.victim_pid, signal.SIGKILL)  # type: ignore[arg-type]
                    system.victim_pid = None
                    return
                pid = victim() if victim is not None else None
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    system.kills.append(pid)
                    return
                time.sleep(system.delay)
                self._send(201, {"id": ticket})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> TicketSystem:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class LoopbackBackend(Backend):
    """Backend for :class:`TicketSystem` (find by UUID before create, like RT or ServiceNow)."""

    name: ClassVar[str] = "loopback"
    can_find: ClassVar[bool] = True
    url = Unicode(os.environ.get("ITBRIDGE_LOOPBACK_URL", ""), help="ticket system URL").tag(
        config=True
    )

    def _call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return 404, {}
            retry_after = err.headers.get("Retry-After")
            raise BackendError(
                f"ticket system answered {err.code}",
                status=err.code,
                retry_after=float(retry_after) if retry_after else None,
            ) from None
        except OSError as err:
            raise BackendError(f"ticket system unreachable: {err}") from None

    def find(self, request_uuid: str) -> TicketRef | None:
        code, data = self._call("GET", "/find?uuid=" + urllib.parse.quote(request_uuid))
        return TicketRef(id=data["id"]) if code == 200 else None

    def create(self, request: OutgoingRequest) -> TicketRef:
        _, data = self._call("POST", "/tickets", {"uuid": request.uuid, "summary": request.summary})
        return TicketRef(id=data["id"])

    def comment(self, ref: TicketRef, text: str) -> None:
        return None
