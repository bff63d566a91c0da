"""Reading what package indexes answer: the simple API (PEP 691 JSON, PEP 503 HTML), core
metadata (PEP 658/714, or a wheel's/sdist's own), PyPI's JSON API ``info`` and CRAN's
``PACKAGES`` file (known vulnerabilities: :mod:`.advisories`). Pure: bytes and dicts in, facts
out; the fetching is ``server/index_client.py``.

Why pure: each format has unpleasant corners (HTML-only indexes, ``data-dist-info-metadata``
before PEP 714, legacy licence fields, DCF continuation lines); they are tested on their own,
with the documented shapes.
"""

from __future__ import annotations

import email.parser
import io
import re
import tarfile
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .license_rules import classifier_license, free_text_license

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
#: PEP 691 content negotiation: JSON first, the HTML forms as fallbacks.
SIMPLE_ACCEPT = f"{SIMPLE_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
MAX_URLS = 6


@dataclass
class IndexFile:
    """One distribution file of the simple API."""

    filename: str
    url: str
    version: Version | None
    core_metadata: bool = False
    requires_python: str | None = None
    upload_time: str | None = None
    yanked: bool = False

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


def file_version(filename: str, project: str) -> Version | None:
    """The version in a wheel or sdist filename (None for other files or odd names)."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return version if name == canonicalize_name(project) else None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None


def _flag(value: Any) -> bool:
    """PEP 691/714: ``core-metadata`` is ``true``, a dict of hashes, or false/absent."""
    return bool(value) and value != "false"


def parse_simple_json(data: Any, project: str, page_url: str) -> list[IndexFile]:
    """A PEP 691 project page (``files`` with ``core-metadata``, PEP 700 ``upload-time``)."""
    files = data.get("files") if isinstance(data, dict) else None
    out = []
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("filename"), str):
            continue
        name = item["filename"]
        metadata = item.get("core-metadata", item.get("dist-info-metadata"))
        out.append(
            IndexFile(
                filename=name,
                url=urljoin(page_url, str(item.get("url") or name)),
                version=file_version(name, project),
                core_metadata=_flag(metadata),
                requires_python=item.get("requires-python") or None,
                upload_time=item.get("upload-time") or None,
                yanked=bool(item.get("yanked")),
            )
        )
    return out


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, "".join(self._text).strip()))
            self._open = None


def parse_simple_html(text: str, project: str, page_url: str) -> list[IndexFile]:
    """A PEP 503 project page; PEP 658/714 ``data-core-metadata`` (or the older name)."""
    parser = _Anchors()
    parser.feed(text)
    out = []
    for attrs, label in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url = urljoin(page_url, href)
        name = label or url.split("#", 1)[0].rsplit("/", 1)[-1]
        metadata = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        out.append(
            IndexFile(
                filename=name,
                url=url,
                version=file_version(name, project),
                core_metadata=metadata is not None and metadata != "false",
                requires_python=attrs.get("data-requires-python") or None,
                yanked="data-yanked" in attrs,
            )
        )
    return out


def pick_release(files: list[IndexFile]) -> tuple[Version | None, list[IndexFile]]:
    """The latest release (final and not yanked, if there is one) and its files.

    The facts are always the latest release's; a version the user asked for is what the
    vulnerability rule looks at (``fetch_pypi``).
    """
    versions = {f.version for f in files if f.version is not None}
    usable = {f.version for f in files if f.version is not None and not f.yanked}
    final = {v for v in usable if not v.is_prerelease and not v.is_devrelease}
    pool = final or usable or versions
    if not pool:
        return None, []
    latest = max(pool)
    return latest, [f for f in files if f.version == latest]


def has_release(files: list[IndexFile], version: str) -> bool:
    """Whether ``version`` (PEP 440: ``1.4`` is ``1.4.0``) is among the files' versions."""
    try:
        wanted = Version(version)
    except InvalidVersion:
        return False
    return any(f.version == wanted for f in files)


def metadata_source(release: list[IndexFile]) -> IndexFile | None:
    """Which file's metadata to read: a wheel with PEP 658 metadata, then any wheel, then
    an sdist (Metadata 2.2+ sdists carry reliable ``PKG-INFO``)."""
    for wanted in (
        lambda f: f.core_metadata and f.is_wheel,
        lambda f: f.core_metadata,
        lambda f: f.is_wheel,
        lambda f: True,
    ):
        for item in release:
            if wanted(item):
                return item
    return None


def metadata_from_archive(filename: str, data: bytes) -> str | None:
    """``*.dist-info/METADATA`` of a wheel, or ``PKG-INFO`` of an sdist, as text."""
    try:
        if filename.endswith(".whl"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    if re.fullmatch(r"[^/]+\.dist-info/METADATA", name):
                        return archive.read(name).decode("utf-8", "replace")
        elif filename.endswith(".tar.gz"):
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                for member in archive:
                    if re.fullmatch(r"[^/]+/PKG-INFO", member.name) and member.isfile():
                        handle = archive.extractfile(member)
                        return handle.read().decode("utf-8", "replace") if handle else None
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError):
        return None
    return None


def _direct(requirement: str) -> bool:
    """A ``Requires-Dist`` that is not only for an extra (``pytest; extra == "test"``)."""
    try:
        marker = Requirement(requirement).marker
    except InvalidRequirement:
        return "extra" not in requirement.partition(";")[2]
    return marker is None or "extra" not in str(marker)


def parse_core_metadata(text: str) -> dict[str, Any]:
    """Core metadata (RFC 822 style) -> the facts we show."""
    msg = email.parser.Parser().parsestr(text, headersonly=True)

    def one(key: str) -> str | None:
        value = msg.get(key)
        return " ".join(str(value).split()) if value and str(value).strip() != "UNKNOWN" else None

    facts: dict[str, Any] = {"summary": one("Summary"), "requires_python": one("Requires-Python")}
    expression = one("License-Expression")
    legacy = msg.get("License")
    classifiers = [str(c) for c in msg.get_all("Classifier") or []]
    if expression:
        facts.update(license=expression, license_source="License-Expression")
    elif legacy and (spdx := free_text_license(str(legacy))):
        facts.update(license=spdx, license_source="License")
    elif spdx := classifier_license(classifiers):
        facts.update(license=spdx, license_source="classifiers")
    elif legacy and str(legacy).strip() and str(legacy).strip() != "UNKNOWN":
        first = str(legacy).strip().splitlines()[0][:120]
        facts.update(license=None, license_note=f"free text, not an SPDX id: {first}")
    requires = [str(r) for r in msg.get_all("Requires-Dist") or []]
    facts["dependencies"] = sum(1 for r in requires if _direct(r))
    urls: dict[str, str] = {}
    if one("Home-page"):
        urls["Homepage"] = str(one("Home-page"))
    for entry in msg.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        if url.strip().startswith(("http://", "https://")):
            urls[label.strip()[:60] or "URL"] = url.strip()
    facts["project_urls"] = dict(list(urls.items())[:MAX_URLS])
    return facts


def pypi_json_info(data: Any) -> dict[str, Any]:
    """Facts PyPI's JSON API ``info`` gives (used where the core metadata could not be read)."""
    info = data.get("info") if isinstance(data, dict) else None
    if not isinstance(info, dict):
        return {}
    out: dict[str, Any] = {}
    if info.get("summary"):
        out["summary"] = str(info["summary"])
    if info.get("requires_python"):
        out["requires_python"] = str(info["requires_python"])
    if info.get("license_expression"):
        out.update(license=str(info["license_expression"]), license_source="License-Expression")
    elif isinstance(info.get("classifiers"), list):
        spdx = classifier_license([str(c) for c in info["classifiers"]])
        if spdx:
            out.update(license=spdx, license_source="classifiers")
    urls = info.get("project_urls")
    if isinstance(urls, dict):
        out["project_urls"] = {str(k)[:60]: str(v) for k, v in list(urls.items())[:MAX_URLS]}
    return out


def pypi_release_time(data: Any) -> str | None:
    """The latest release's earliest upload (``urls[].upload_time_iso_8601``)."""
    urls = data.get("urls") if isinstance(data, dict) else None
    times = [
        str(u["upload_time_iso_8601"])
        for u in (urls if isinstance(urls, list) else [])
        if isinstance(u, dict) and u.get("upload_time_iso_8601")
    ]
    return min(times) if times else None


# -- CRAN ``src/contrib/PACKAGES`` (Debian control file format) -------------------------------


def parse_dcf(text: str) -> dict[str, dict[str, str]]:
    """``PACKAGES``: records separated by blank lines, ``Field: value`` with indented
    continuation lines. Keyed by ``Package`` (the last record of a name wins)."""
    records: dict[str, dict[str, str]] = {}
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
        record: dict[str, str] = {}
        field = None
        for line in block.split("\n"):
            if line[:1] in (" ", "\t") and field:
                record[field] += " " + line.strip()
            elif ":" in line:
                field, _, value = line.partition(":")
                field = field.strip()
                record[field] = value.strip()
        if record.get("Package"):
            records[record["Package"]] = record
    return records


def _r_names(field: str) -> list[str]:
    """``Rcpp (>= 1.0), methods`` -> ``["Rcpp", "methods"]`` (``R`` itself excluded)."""
    names = [re.sub(r"\(.*?\)", "", part).strip() for part in field.split(",")]
    return [n for n in names if n and n != "R"]


def cran_facts(record: dict[str, str]) -> dict[str, Any]:
    """The facts one ``PACKAGES`` record gives (License, Version, Depends, Imports, ...)."""
    from .license_rules import r_license

    licence = record.get("License", "").strip()
    facts: dict[str, Any] = {
        "name": record["Package"],
        "latest_version": record.get("Version") or None,
        "license": r_license(licence) if licence else None,
        "license_source": "PACKAGES License" if licence else None,
    }
    if licence and (facts["license"] is None or "file" in licence.lower()):
        facts["license_note"] = f"as written in PACKAGES: {licence[:160]}"
    depends = record.get("Depends", "")
    r_version = re.search(r"\bR\s*\(([^)]*)\)", depends)
    if r_version:
        facts["depends_r"] = f"R {' '.join(r_version.group(1).split())}"
    packages = _r_names(depends) + _r_names(record.get("Imports", ""))
    packages += _r_names(record.get("LinkingTo", ""))
    facts["dependencies"] = len(dict.fromkeys(packages))
    compiled = record.get("NeedsCompilation", "").strip().lower()
    facts["needs_compilation"] = {"yes": True, "no": False}.get(compiled)
    return facts
