"""R packages: facts from a CRAN-style repository's ``src/contrib/PACKAGES`` (loopback), named
``cran:<package>`` (the subject R findings carry) or with ``?ecosystem=cran``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from facts.loopback_indexes import (  # type: ignore[import-not-found]
    CRAN_PACKAGES,
    CranShaped,
    OSVShaped,
)

RELEASED = time.time() - 3 * 86400


@pytest.fixture(scope="module")
def cran() -> Iterator[CranShaped]:
    server = CranShaped(CRAN_PACKAGES, RELEASED)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def osv() -> Iterator[OSVShaped]:
    record = {
        "id": "RSEC-2023-8",
        "aliases": ["CVE-2023-0001"],
        "affected": [
            {
                "package": {"name": "httr2", "ecosystem": "CRAN"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}
                ],
            }
        ],
    }
    server = OSVShaped([record])
    yield server
    server.stop()


@pytest.fixture
def facts_policy(cran: CranShaped, osv: OSVShaped) -> dict[str, Any]:
    return {
        "cran_url": cran.url,
        "vulnerability_db_url": osv.url,
        "license_rules": {"AGPL-*": "deny"},
    }


async def test_r_package_facts_from_packages(api, cran) -> None:
    status, data = await api("GET", "packages/cran:data.table")
    assert status == 200, data
    facts = data["facts"]
    assert facts["ecosystem"] == "cran" and facts["name"] == "data.table"
    assert facts["latest_version"] == "1.16.4"
    assert facts["license"] == "MPL-2.0"
    assert facts["license_note"] == "as written in PACKAGES: MPL-2.0 | file LICENSE"
    assert facts["depends_r"] == "R >= 3.3.0"
    assert facts["dependencies"] == 1 and facts["needs_compilation"] is True
    assert facts["released_at"]  # the tarball's Last-Modified
    assert data["line"] == (
        "Licence MPL-2.0 · latest 1.16.4 (3 days ago) · R >= 3.3.0 · needs compilation · "
        "no known vulnerabilities"
    )


async def test_the_index_is_read_once_for_many_packages(api, cran) -> None:
    before = cran.count("GET /src/contrib/PACKAGES")
    for name in ("cran:httr2", "cran:agplr", "cran:data.table"):
        assert (await api("GET", f"packages/{name}"))[0] == 200
    assert cran.count("GET /src/contrib/PACKAGES") == before + 1  # PACKAGES.gz, once


async def test_ecosystem_parameter_rules_and_osv_for_cran(api) -> None:
    status, data = await api("GET", "packages/httr2", params={"ecosystem": "cran"})
    assert status == 200, data
    facts = data["facts"]
    assert facts["license"] == "MIT" and facts["dependencies"] == 11
    (vuln,) = facts["vulnerabilities"]
    assert vuln["id"] == "RSEC-2023-8" and vuln["affects_target"] is False
    assert data["line"].endswith("· R >= 4.0 · 1 known vulnerability, fixed in 1.0.0")
    _, agplr = await api("GET", "packages/cran:agplr")
    assert agplr["facts"]["license"] == "AGPL-3.0-only"
    assert agplr["policy"]["action"] == "deny"
    status, missing = await api("GET", "packages/cran:notanrpackage")
    assert status == 404
    assert missing["message"] == "The package index has no package named 'notanrpackage'."


async def test_an_r_request_carries_the_facts(api) -> None:
    finding = {
        "kind": "missing_package",
        "subject": "cran:httr2",
        "title": "The R package 'httr2' is not installed.",
    }
    status, record = await api(
        "POST", "requests", body={"finding": finding, "justification": "API client for Atlas."}
    )
    assert status == 201, record
    assert "Package: httr2 (CRAN), index http://127.0.0.1:" in record["body"]
    assert "Depends: R >= 4.0" in record["body"]
    assert "Needs compilation: no" in record["body"]


class TestPlainPackages:
    """A repository without ``PACKAGES.gz`` is read from ``PACKAGES``."""

    @pytest.fixture(scope="class")
    def plain(self) -> Iterator[CranShaped]:
        server = CranShaped(CRAN_PACKAGES, RELEASED, gz=False)
        yield server
        server.stop()

    @pytest.fixture
    def facts_policy(self, plain: CranShaped) -> dict[str, Any]:
        return {"cran_url": plain.url}

    async def test_plain_packages(self, api, plain) -> None:
        status, data = await api("GET", "packages/cran:httr2")
        assert status == 200 and data["facts"]["latest_version"] == "1.0.7"
        assert plain.count("GET /src/contrib/PACKAGES.gz") == 1
        assert plain.count("GET /src/contrib/PACKAGES") == 2  # .gz (404), then the plain one
        assert data["facts"]["vulnerabilities_checked"] is False  # no OSV configured
