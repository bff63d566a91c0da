"""Fetching package facts from the organisation's index, CRAN mirror and vulnerability source.

Blocking code with one deadline per lookup (connect, read and every chunk count against it),
run in the facts service's thread pool, never on the event loop. Only the server runs this:
kernels ask ``GET packages/{name}``. What the answers mean is ``index_parse``'s business.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from packaging.utils import canonicalize_name

from .. import advisories
from .. import index_parse as parse
from ..facts_format import iso_now

#: Largest answer read: a simple page of a project with thousands of files is a few MB.
MAX_PAGE_BYTES = 32 << 20
#: A wheel or sdist downloaded only to read its metadata (no PEP 658 on this index).
MAX_ARCHIVE_BYTES = 16 << 20
MAX_OSV_PAGES = 3
USER_AGENT = "jupyter-itbridge (package facts)"


class LookupFailed(Exception):
    """The source could not answer; ``str(err)`` says why, in words for the card and IT."""


class NotFound(Exception):
    """The index answered that it has no such package (HTTP 404)."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise LookupFailed("the index answered something that is not JSON") from None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def public_url(url: str) -> str:
    """``url`` without credentials (``https://user:token@host/...`` -> ``https://host/...``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _why(err: requests.RequestException) -> str:
    text = str(err)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "NameResolution" in text or "getaddrinfo" in text:
        return "host name not found"
    if isinstance(err, requests.exceptions.SSLError):
        return "TLS certificate not trusted"
    if isinstance(err, requests.exceptions.ProxyError):
        return "refused by the proxy"
    return type(err).__name__


_local = threading.local()


def _session() -> requests.Session:
    """One session per worker thread: connection reuse without sharing a Session across threads."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
    return session


@dataclass
class Fetcher:
    """HTTP with one deadline for a whole lookup."""

    timeout: float
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.timeout

    def _left(self, what: str) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LookupFailed(f"{what} did not answer within {self.timeout:g} s")
        return left

    def request(
        self,
        method: str,
        url: str,
        what: str,
        *,
        accept: str = "*/*",
        body: Any = None,
        max_bytes: int = MAX_PAGE_BYTES,
    ) -> Reply:
        left = self._left(what)
        try:
            resp = _session().request(
                method,
                url,
                headers={"Accept": accept},
                json=body,
                timeout=(min(left, 5.0), left),
                stream=True,
            )
            chunks, size = [], 0
            with resp:
                if int(resp.headers.get("content-length") or 0) > max_bytes:
                    raise LookupFailed(f"{what} sent more than {max_bytes >> 20} MiB")
                for chunk in resp.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise LookupFailed(f"{what} sent more than {max_bytes >> 20} MiB")
                    chunks.append(chunk)
                    self._left(what)
        except requests.exceptions.Timeout:
            raise LookupFailed(f"{what} did not answer within {self.timeout:g} s") from None
        except requests.RequestException as err:
            raise LookupFailed(f"{what} could not be reached ({_why(err)})") from None
        headers = {k.lower(): v for k, v in resp.headers.items()}
        return Reply(resp.status_code, headers, b"".join(chunks), resp.url)


def _checked(reply: Reply, what: str) -> Reply:
    if reply.status in (401, 403, 407):
        raise LookupFailed(f"{what} refused access (HTTP {reply.status})")
    if reply.status >= 400:
        raise LookupFailed(f"{what} answered HTTP {reply.status}")
    return reply


def _last_modified(reply: Reply) -> str | None:
    value = reply.headers.get("last-modified")
    try:
        when = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return when.isoformat(timespec="seconds").replace("+00:00", "Z") if when else None


def pypi_json_url(index_url: str, name: str, version: str | None) -> str | None:
    """Where PyPI's JSON API lives next to a simple index (``.../simple`` -> ``.../pypi``):
    pypi.org, Artifactory and Nexus lay it out so. None when the URL does not say."""
    base = index_url.rstrip("/")
    for suffix in ("/+simple", "/simple"):
        if base.endswith(suffix):
            root = base[: -len(suffix)]
            tail = f"{name}/{version}/json" if version else f"{name}/json"
            return f"{root}/pypi/{tail}"
    return None


def osv_query_url(db_url: str) -> str:
    base = db_url.rstrip("/")
    return base if base.endswith("/v1/query") else f"{base}/v1/query"


def base_facts(ecosystem: str, name: str, index: str, version: str | None) -> dict[str, Any]:
    return {
        "configured": True,
        "ecosystem": ecosystem,
        "name": name,
        "index": public_url(index),
        "fetched_at": iso_now(),
        "available": True,
        "requested_version": version,
        "vulnerabilities": [],
        "vulnerabilities_checked": False,
        "vulnerability_sources": [],
        "notes": [],
    }


def _core_metadata(fetch: Fetcher, facts: dict[str, Any], release: list[parse.IndexFile]) -> None:
    source = parse.metadata_source(release)
    if source is None:
        facts["notes"].append("the index lists no file to read the metadata from")
        return
    url = source.url.split("#", 1)[0]
    try:
        if source.core_metadata:
            reply = _checked(fetch.request("GET", url + ".metadata", "the index"), "the index")
            text: str | None = reply.body.decode("utf-8", "replace")
        else:
            reply = _checked(
                fetch.request("GET", url, "the index", max_bytes=MAX_ARCHIVE_BYTES), "the index"
            )
            text = parse.metadata_from_archive(source.filename, reply.body)
    except LookupFailed as err:
        facts["notes"].append(f"the package metadata could not be read: {err}")
        return
    if text is None:
        facts["notes"].append(f"{source.filename} holds no readable metadata")
        return
    facts.update(parse.parse_core_metadata(text))
    facts["released_at"] = facts.get("released_at") or _last_modified(reply)


def _pypi_json(fetch: Fetcher, facts: dict[str, Any], index_url: str, name: str) -> None:
    version = facts.get("requested_version")
    url = pypi_json_url(index_url, name, version)
    if url is None:
        return
    try:
        reply = fetch.request("GET", url, "the index's JSON API", accept="application/json")
    except LookupFailed as err:
        facts["notes"].append(f"known vulnerabilities could not be read: {err}")
        return
    if reply.status != 200 or reply.content_type != "application/json":
        return  # this index does not offer PyPI's JSON API (devpi, pypiserver): not an error
    try:
        data = reply.json()
    except LookupFailed:
        return
    facts["vulnerabilities"] = advisories.pypi_vulnerabilities(data)
    facts["vulnerabilities_checked"] = True
    facts["vulnerability_sources"].append("PyPI JSON API")
    for key, value in parse.pypi_json_info(data).items():
        if not facts.get(key):
            facts[key] = value
    if not version and not facts.get("released_at"):
        facts["released_at"] = parse.pypi_release_time(data)


def osv_lookup(
    fetch: Fetcher, facts: dict[str, Any], db_url: str, name: str, ecosystem: str
) -> None:
    """All of the package's advisories from an OSV-shaped ``POST /v1/query`` (paginated)."""
    pages: list[Any] = []
    token = None
    try:
        for _ in range(MAX_OSV_PAGES):
            query: dict[str, Any] = {"package": {"name": name, "ecosystem": ecosystem}}
            if token:
                query["page_token"] = token
            what = "the vulnerability database"
            reply = _checked(fetch.request("POST", osv_query_url(db_url), what, body=query), what)
            page = reply.json()
            pages.append(page)
            token = page.get("next_page_token") if isinstance(page, dict) else None
            if not token:
                break
    except LookupFailed as err:
        facts["notes"].append(f"the vulnerability database could not be read: {err}")
        return
    target = facts.get("requested_version") or facts.get("latest_version")
    found = advisories.osv_vulnerabilities(pages, name, ecosystem, target)
    facts["vulnerabilities"] = advisories.merge_vulnerabilities(facts["vulnerabilities"], found)
    facts["vulnerabilities_checked"] = True
    facts["vulnerability_sources"].append("OSV")


def fetch_pypi(
    index_url: str, name: str, version: str | None, db_url: str, timeout: float
) -> dict[str, Any]:
    """Facts of a Python package from a simple index (PEP 691 JSON or PEP 503 HTML).

    Raises NotFound (HTTP 404) or LookupFailed (unreachable, refused, too slow). Later steps
    (metadata, JSON API, OSV) failing leave a note and keep what was read.
    """
    fetch = Fetcher(timeout)
    page_url = f"{index_url.rstrip('/')}/{canonicalize_name(name)}/"
    reply = fetch.request("GET", page_url, "the package index", accept=parse.SIMPLE_ACCEPT)
    if reply.status == 404:
        raise NotFound(name)
    _checked(reply, "the package index")
    facts = base_facts("pypi", name, index_url, version)
    if reply.content_type == parse.SIMPLE_JSON or reply.content_type.endswith("+json"):
        data = reply.json()
        files = parse.parse_simple_json(data, name, reply.url)
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            facts["name"] = data["name"]
    else:
        files = parse.parse_simple_html(reply.body.decode("utf-8", "replace"), name, reply.url)
    latest, release = parse.pick_release(files)
    if version and not parse.has_release(files, version):
        facts["notes"].append(f"the index has no release {version} of this package")
    if latest is None:
        facts["notes"].append("the index lists no release files for this package")
    else:
        facts["latest_version"] = str(latest)
        uploads = [f.upload_time for f in release if f.upload_time]
        facts["released_at"] = min(uploads) if uploads else None
        facts["requires_python"] = next(
            (f.requires_python for f in release if f.requires_python), None
        )
        _core_metadata(fetch, facts, release)
    _pypi_json(fetch, facts, index_url, name)
    if db_url:
        osv_lookup(fetch, facts, db_url, name, "PyPI")
    return facts


def fetch_cran_index(cran_url: str, timeout: float) -> dict[str, dict[str, str]]:
    """``src/contrib/PACKAGES.gz`` (else ``PACKAGES``) of a CRAN-style repository, parsed."""
    fetch = Fetcher(timeout)
    base = f"{cran_url.rstrip('/')}/src/contrib/PACKAGES"
    what = "the CRAN repository"
    reply = fetch.request("GET", base + ".gz", what)
    if reply.status == 200:
        try:
            text = gzip.decompress(reply.body).decode("utf-8", "replace")
        except (OSError, EOFError):
            raise LookupFailed(f"{what} sent a PACKAGES.gz that is not gzip") from None
    else:
        text = _checked(fetch.request("GET", base, what), what).body.decode("utf-8", "replace")
    return parse.parse_dcf(text)


def fetch_cran_details(
    cran_url: str, record: dict[str, str], version: str | None, db_url: str, timeout: float
) -> dict[str, Any]:
    """Facts of an R package from its ``PACKAGES`` record, its tarball's date, and OSV."""
    facts = base_facts("cran", record["Package"], cran_url, version)
    facts.update(parse.cran_facts(record))
    fetch = Fetcher(timeout)
    if facts.get("latest_version"):
        tarball = (
            f"{cran_url.rstrip('/')}/src/contrib/{record['Package']}_{facts['latest_version']}"
        )
        tarball += ".tar.gz"
        try:
            reply = fetch.request("HEAD", tarball, "the CRAN repository")
            if reply.status == 200:
                facts["released_at"] = _last_modified(reply)
        except LookupFailed as err:
            facts["notes"].append(f"the release date could not be read: {err}")
    if db_url:
        osv_lookup(fetch, facts, db_url, record["Package"], "CRAN")
    return facts
