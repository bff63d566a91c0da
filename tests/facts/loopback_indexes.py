"""Loopback package indexes with the documented shapes, for what devpi cannot show.

- :class:`PyPIShaped`: the PEP 691 JSON simple API (api-version 1.1: PEP 700 ``upload-time``
  and ``versions``; PEP 714 ``core-metadata``), the PEP 503 HTML form when asked for HTML, PEP
  658 ``.metadata`` files, and PyPI's JSON API ``/pypi/<name>/json`` and
  ``/pypi/<name>/<version>/json`` with ``vulnerabilities`` exactly as
  https://docs.pypi.org/api/json/ documents them (``aliases``, ``details``, ``summary``,
  ``fixed_in``, ``id``, ``link``, ``source``, ``withdrawn``; the project endpoint lists the
  latest release's).
- :class:`OSVShaped`: ``POST /v1/query`` as https://google.github.io/osv.dev/post-v1-query/
  documents it (``vulns`` with ``affected[].ranges[].events``, pagination by
  ``next_page_token`` / ``page_token``).
- :class:`CranShaped`: a CRAN-style repository's ``src/contrib/PACKAGES`` (and ``.gz``), and
  the tarballs' ``Last-Modified`` (HEAD).

Every server counts requests per path and can be made slow.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from facts.wheels import Dist  # type: ignore[import-not-found]


class Loopback:
    """A threaded HTTP server on 127.0.0.1 that routes to ``handle(method, path, headers,
    body) -> (status, headers, body)``."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.delay = 0.0  # seconds every answer waits (a slow index)
        self.lock = threading.Lock()
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body are two writes: without TCP_NODELAY, Nagle and the client's
            # delayed ACK add ~40 ms to every keep-alive answer (real servers do not)
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _do(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                with app.lock:
                    app.hits[f"{self.command} {path}"] += 1
                if app.delay:
                    time.sleep(app.delay)
                status, headers, payload = app.handle(self.command, path, self.headers, body)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except OSError:  # the client gave up (a timeout test)
                    pass

            do_GET = do_POST = do_HEAD = _do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, prefix: str) -> int:
        with self.lock:
            return sum(n for key, n in self.hits.items() if key.startswith(prefix))

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        raise NotImplementedError


def _json(data: Any, ctype: str = "application/json") -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": ctype}, json.dumps(data).encode()


#: A CRAN ``PACKAGES`` as CRAN writes it (continuation lines indented by 8 spaces).
CRAN_PACKAGES = """Package: data.table
Version: 1.16.4
Depends: R (>= 3.3.0)
Imports: methods
Suggests: bit64 (>= 4.0.0), bit (>= 4.0.4), R.utils, xts, zoo (>=
        1.8-1), yaml, knitr, markdown
License: MPL-2.0 | file LICENSE
MD5sum: 3e8b6c0e9c3d2b1a2f0e4d5c6b7a8f90
NeedsCompilation: yes

Package: httr2
Version: 1.0.7
Depends: R (>= 4.0)
Imports: cli (>= 3.0.0), curl (>= 6.0.1), glue, lifecycle, magrittr,
        openssl, R6, rappdirs, rlang (>= 1.1.0), vctrs (>= 0.6.3),
        withr
License: MIT + file LICENSE
NeedsCompilation: no

Package: agplr
Version: 0.2-1
License: AGPL-3
NeedsCompilation: no
"""


NOT_FOUND = (404, {"Content-Type": "text/plain"}, b"Not Found")


class PyPIShaped(Loopback):
    """``/simple/<name>/``, ``/files/<file>[.metadata]``, ``/pypi/<name>[/<version>]/json``."""

    def __init__(self) -> None:
        super().__init__()
        self.releases: dict[str, list[tuple[Dist, str]]] = {}  # name -> [(dist, upload time)]
        self.vulnerabilities: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.files: dict[str, bytes] = {}
        self.json_api = True

    @property
    def index_url(self) -> str:
        return f"{self.url}/simple/"

    def add(self, dist: Dist, uploaded: str, vulnerabilities: list[dict] | None = None) -> None:
        self.releases.setdefault(dist.name.lower(), []).append((dist, uploaded))
        self.files[dist.wheel_name] = dist.wheel()
        self.vulnerabilities[(dist.name.lower(), dist.version)] = vulnerabilities or []

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["simple"] and len(parts) == 2:
            return self._simple(parts[1], headers.get("Accept", ""))
        if parts[:1] == ["files"] and len(parts) == 2:
            name = parts[1]
            if name.endswith(".metadata"):
                for releases in self.releases.values():
                    for dist, _ in releases:
                        if dist.wheel_name + ".metadata" == name:
                            return 200, {"Content-Type": "text/plain"}, dist.metadata().encode()
            if name in self.files:
                return 200, {"Content-Type": "application/octet-stream"}, self.files[name]
        if parts[:1] == ["pypi"] and parts[-1] == "json" and self.json_api:
            return self._json_api(parts[1], parts[2] if len(parts) == 4 else None)
        return NOT_FOUND

    def _simple(self, name: str, accept: str) -> tuple[int, dict, bytes]:
        releases = self.releases.get(name)
        if releases is None:
            return NOT_FOUND
        files = []
        for dist, uploaded in releases:
            data = self.files[dist.wheel_name]
            files.append(
                {
                    "filename": dist.wheel_name,
                    "url": f"../../files/{dist.wheel_name}",
                    "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
                    "requires-python": dist.requires_python,
                    "core-metadata": {
                        "sha256": hashlib.sha256(dist.metadata().encode()).hexdigest()
                    },
                    "size": len(data),
                    "upload-time": uploaded,
                    "yanked": False,
                }
            )
        if "application/vnd.pypi.simple.v1+json" not in accept:
            links = "".join(
                f'<a href="{f["url"]}" data-core-metadata="sha256={f["core-metadata"]["sha256"]}"'
                f' data-requires-python="{f["requires-python"] or ""}">{f["filename"]}</a><br>'
                for f in files
            )
            return 200, {"Content-Type": "text/html"}, f"<html><body>{links}</body></html>".encode()
        page = {
            "meta": {"api-version": "1.1"},
            "name": releases[0][0].name,
            "versions": [d.version for d, _ in releases],
            "files": files,
        }
        return _json(page, "application/vnd.pypi.simple.v1+json")

    def _json_api(self, name: str, version: str | None) -> tuple[int, dict, bytes]:
        releases = self.releases.get(name.lower())
        if not releases:
            return NOT_FOUND
        chosen = [r for r in releases if r[0].version == version] if version else [releases[-1]]
        if not chosen:
            return NOT_FOUND
        dist, uploaded = chosen[0]
        info = {
            "name": dist.name,
            "version": dist.version,
            "summary": dist.summary,
            "license": dist.license or "",
            "license_expression": dist.license_expression,
            "classifiers": dist.classifiers,
            "requires_python": dist.requires_python,
            "requires_dist": dist.requires_dist,
            "project_urls": dist.project_urls,
            "yanked": False,
        }
        urls = [
            {
                "filename": dist.wheel_name,
                "upload_time_iso_8601": uploaded.replace("+00:00", "Z"),
                "url": f"{self.url}/files/{dist.wheel_name}",
                "yanked": False,
            }
        ]
        data: dict[str, Any] = {
            "info": info,
            "last_serial": 1,
            "urls": urls,
            "vulnerabilities": self.vulnerabilities[(name.lower(), dist.version)],
        }
        if version is None:
            data["releases"] = {d.version: [] for d, _ in releases}
        return _json(data)


class OSVShaped(Loopback):
    """``POST /v1/query`` over a list of OSV records, ``page_size`` per page."""

    def __init__(self, vulns: list[dict[str, Any]], page_size: int = 1000) -> None:
        super().__init__()
        self.vulns = vulns
        self.page_size = page_size
        self.queries: list[dict[str, Any]] = []

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        if method != "POST" or path != "/v1/query":
            return NOT_FOUND
        query = json.loads(body or b"{}")
        self.queries.append(query)
        package = query.get("package") or {}
        mine = [
            v
            for v in self.vulns
            if any(
                a["package"]["name"] == package.get("name")
                and a["package"]["ecosystem"] == package.get("ecosystem")
                for a in v["affected"]
            )
        ]
        start = int(query.get("page_token") or 0)
        page: dict[str, Any] = {"vulns": mine[start : start + self.page_size]}
        if start + self.page_size < len(mine):
            page["next_page_token"] = str(start + self.page_size)
        if not page["vulns"]:
            page = {}  # OSV answers {} when nothing matches
        return _json(page)


class CranShaped(Loopback):
    """``/src/contrib/PACKAGES[.gz]`` and ``HEAD /src/contrib/<pkg>_<version>.tar.gz``."""

    def __init__(self, packages: str, released: float, gz: bool = True) -> None:
        super().__init__()
        self.packages = packages
        self.released = released
        self.gz = gz

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        if path == "/src/contrib/PACKAGES.gz" and self.gz:
            return (
                200,
                {"Content-Type": "application/x-gzip"},
                gzip.compress(self.packages.encode()),
            )
        if path == "/src/contrib/PACKAGES":
            return 200, {"Content-Type": "text/plain"}, self.packages.encode()
        if path.startswith("/src/contrib/") and path.endswith(".tar.gz"):
            stamp = formatdate(self.released, usegmt=True)
            return 200, {"Content-Type": "application/x-gzip", "Last-Modified": stamp}, b"x" * 10
        return NOT_FOUND


class Refusing(Loopback):
    """Answers every request with one status (a firewall's 403, a broken index's 500)."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        return self.status, {"Content-Type": "text/plain"}, b"refused"
