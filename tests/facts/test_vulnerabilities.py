"""Known vulnerabilities from PyPI's JSON API (https://docs.pypi.org/api/json/) and an OSV
database (https://google.github.io/osv.dev/post-v1-query/), both loopback servers with the
documented shapes; the vulnerability rule; PEP 658 metadata and PEP 700 upload times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from facts.loopback_indexes import OSVShaped, PyPIShaped  # type: ignore[import-not-found]

from jupyter_itbridge.facts_format import age_words, parse_time

#: OSV's record of the same advisory PyPI lists as PYSEC-2021-9, plus one withdrawn and one
#: for another package; one per page to exercise the pagination.
OSV_RECORDS = [
    {
        "id": "GHSA-fvgf-6h6h-3322",
        "summary": "Directory traversal in the archive extractor",
        "aliases": ["CVE-2021-3281", "PYSEC-2021-9"],
        "modified": "2024-02-16T08:00:00Z",
        "published": "2021-02-02T00:00:00Z",
        "affected": [
            {
                "package": {"name": "vulnpkg", "ecosystem": "PyPI", "purl": "pkg:pypi/vulnpkg"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5.0"}]}
                ],
                "versions": ["1.3.0", "1.4.0"],
            }
        ],
        "schema_version": "1.4.0",
    },
    {
        "id": "GHSA-wwww-0000-0000",
        "withdrawn": "2024-03-01T00:00:00Z",
        "affected": [
            {
                "package": {"name": "vulnpkg", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }
        ],
    },
    {
        "id": "GHSA-late-0000-0001",
        "aliases": ["CVE-2026-0001"],
        "affected": [
            {
                "package": {"name": "vulnpkg", "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "1.6.0"}, {"fixed": "1.6.2"}]}
                ],
            }
        ],
    },
]


@pytest.fixture(scope="module")
def osv() -> Iterator[OSVShaped]:
    server = OSVShaped(OSV_RECORDS, page_size=1)
    yield server
    server.stop()


@pytest.fixture
def facts_policy(pypi_shaped: PyPIShaped) -> dict[str, Any]:
    return {"package_index_url": pypi_shaped.index_url, "vulnerability_rule": "warn"}


async def test_pypi_json_api_vulnerabilities_of_the_latest_release(api, pypi_shaped) -> None:
    metadata = "GET /files/vulnpkg-1.6.1-py3-none-any.whl"
    wheels_before = pypi_shaped.hits[metadata]
    status, data = await api("GET", "packages/vulnpkg")
    assert status == 200, data
    facts = data["facts"]
    # the project endpoint lists the latest release's vulnerabilities: only a withdrawn one
    assert facts["vulnerabilities"] == []
    assert facts["vulnerabilities_checked"] is True
    assert facts["vulnerability_sources"] == ["PyPI JSON API"]
    assert facts["license"] == "Apache-2.0"
    # PEP 700 upload-time and PEP 658 metadata: the wheel itself is never downloaded
    assert facts["released_at"] == "2026-11-17T12:30:00.000000Z"
    assert pypi_shaped.hits[metadata] == wheels_before
    assert pypi_shaped.hits[metadata + ".metadata"] >= 1
    age = age_words(parse_time(facts["released_at"]), datetime.now(timezone.utc))
    assert data["line"] == (
        f"Licence Apache-2.0 · latest 1.6.1 ({age} ago) · Python >= 3.9 · no known vulnerabilities"
    )
    assert data["policy"] is None


async def test_the_version_asked_for_has_a_known_vulnerability(api) -> None:
    status, data = await api("GET", "packages/vulnpkg", params={"version": "1.4.0"})
    assert status == 200, data
    facts = data["facts"]
    assert facts["requested_version"] == "1.4.0"
    (vuln,) = facts["vulnerabilities"]  # the withdrawn one is dropped
    assert vuln["id"] == "PYSEC-2021-9"
    assert vuln["aliases"] == ["CVE-2021-3281", "GHSA-fvgf-6h6h-3322"]
    assert vuln["fixed_in"] == ["1.5.0"] and vuln["affects_target"] is True
    assert data["line"].endswith("· 1 known vulnerability in 1.4.0, fixed in 1.5.0")
    assert data["policy"] == {
        "action": "warn",
        "rule": "vulnerability_rule = 'warn' (PYSEC-2021-9 affects 1.4.0)",
        "message": "Version 1.4.0 has a known vulnerability (PYSEC-2021-9), fixed in 1.5.0: IT "
        "may install a fixed version instead.",
    }


async def test_a_version_the_index_does_not_have_is_noted(api) -> None:
    _, data = await api("GET", "packages/vulnpkg", params={"version": "9.9"})
    assert data["facts"]["notes"] == ["the index has no release 9.9 of this package"]
    assert data["facts"]["vulnerabilities_checked"] is False  # PyPI: 404 for that release
    _, same = await api("GET", "packages/vulnpkg", params={"version": "1.4"})
    assert same["facts"]["notes"] == []  # 1.4 is 1.4.0 (PEP 440)


class TestOSV:
    @pytest.fixture
    def facts_policy(self, pypi_shaped: PyPIShaped, osv: OSVShaped) -> dict[str, Any]:
        return {
            "package_index_url": pypi_shaped.index_url,
            "vulnerability_db_url": osv.url,
            "vulnerability_rule": "deny",
        }

    async def test_every_advisory_of_the_package_with_fixed_in(self, api, osv) -> None:
        asked = len(osv.queries)
        status, data = await api("GET", "packages/vulnpkg")
        assert status == 200, data
        # paginated: one record per page, three pages, every query for this package
        queries = osv.queries[asked:]
        assert [q.get("page_token") for q in queries] == [None, "1", "2"]
        assert all(q["package"] == {"name": "vulnpkg", "ecosystem": "PyPI"} for q in queries)
        facts = data["facts"]
        assert facts["vulnerability_sources"] == ["PyPI JSON API", "OSV"]
        by_id = {v["id"]: v for v in facts["vulnerabilities"]}
        assert set(by_id) == {"GHSA-fvgf-6h6h-3322", "GHSA-late-0000-0001"}  # withdrawn: gone
        assert by_id["GHSA-fvgf-6h6h-3322"]["affects_target"] is False  # fixed in 1.5.0
        assert by_id["GHSA-late-0000-0001"]["affects_target"] is True  # 1.6.0 <= 1.6.1 < 1.6.2
        assert data["line"].endswith("· 2 known vulnerabilities (1 in 1.6.1), fixed in 1.6.2")
        assert data["policy"]["action"] == "deny"
        assert data["policy"]["message"] == (
            "Version 1.6.1 has a known vulnerability (GHSA-late-0000-0001), fixed in 1.6.2: your "
            "organisation does not install versions with known vulnerabilities; ask for 1.6.2 or "
            "later."
        )

    async def test_pypi_and_osv_records_of_one_advisory_merge(self, api) -> None:
        _, data = await api("GET", "packages/vulnpkg", params={"version": "1.4.0"})
        ids = [v["id"] for v in data["facts"]["vulnerabilities"]]
        # PyPI's and OSV's records of one advisory: one entry; the later one is known too
        assert ids == ["PYSEC-2021-9", "GHSA-late-0000-0001"]
        assert [v["affects_target"] for v in data["facts"]["vulnerabilities"]] == [True, False]
        assert data["facts"]["vulnerabilities"][0]["aliases"] == [
            "CVE-2021-3281",
            "GHSA-fvgf-6h6h-3322",
        ]

    async def test_the_filed_body_lists_them_with_the_rule(self, api) -> None:
        finding = {"kind": "missing_package", "subject": "vulnpkg", "title": "vulnpkg missing"}
        status, record = await api(
            "POST", "requests", body={"finding": finding, "justification": "Atlas."}
        )
        assert status == 201, record
        body = record["body"]
        assert (
            "Known vulnerabilities: 2 known vulnerabilities (1 in 1.6.1), fixed in 1.6.2 "
            "(sources: PyPI JSON API, OSV)" in body
        )
        assert (
            "  - GHSA-late-0000-0001 (CVE-2026-0001): fixed in 1.6.2 - affects 1.6.1; "
            "https://osv.dev/vulnerability/GHSA-late-0000-0001" in body
        )
        assert "Policy: vulnerability_rule = 'deny' (GHSA-late-0000-0001 affects 1.6.1)" in body
