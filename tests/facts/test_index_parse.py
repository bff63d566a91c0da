"""Reading index answers: simple API pages, core metadata, vulnerability records, PACKAGES."""

from __future__ import annotations

from facts.loopback_indexes import CRAN_PACKAGES  # type: ignore[import-not-found]
from facts.wheels import Dist  # type: ignore[import-not-found]

from jupyter_itbridge import advisories
from jupyter_itbridge import index_parse as parse

DIST = Dist(
    "Fact_Pkg",
    "1.6.1",
    license_expression="BSD-3-Clause",
    requires_python=">=3.9",
    requires_dist=["numpy>=1.22", "requests; python_version >= '3.9'", 'pytest; extra == "test"'],
    project_urls={"Homepage": "https://f.example", "Source": "https://git.example/f"},
)


def test_core_metadata_from_the_wheel_and_the_sdist() -> None:
    for filename, data in ((DIST.wheel_name, DIST.wheel()), (DIST.sdist_name, DIST.sdist())):
        text = parse.metadata_from_archive(filename, data)
        assert text is not None, filename
        facts = parse.parse_core_metadata(text)
        assert facts["license"] == "BSD-3-Clause"
        assert facts["license_source"] == "License-Expression"
        assert facts["requires_python"] == ">=3.9"
        assert facts["dependencies"] == 2  # the extra's requirement is not a direct one
        assert facts["project_urls"] == {
            "Homepage": "https://f.example",
            "Source": "https://git.example/f",
        }
    assert parse.metadata_from_archive("x-1.0-py3-none-any.whl", b"not a zip") is None


def test_licence_falls_back_to_license_then_classifiers() -> None:
    legacy = Dist("a", "1", license="MIT License").metadata()
    assert parse.parse_core_metadata(legacy)["license"] == "MIT"
    classified = Dist(
        "a", "1", classifiers=["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"]
    ).metadata()
    facts = parse.parse_core_metadata(classified)
    assert facts["license"] == "GPL-3.0-only" and facts["license_source"] == "classifiers"
    text = Dist("a", "1", license="Copyright ACME Corp. All rights reserved.").metadata()
    facts = parse.parse_core_metadata(text)
    assert facts["license"] is None
    assert facts["license_note"].startswith("free text, not an SPDX id: Copyright ACME")


def test_simple_html_pep_503_with_pep_714_metadata_and_yanked() -> None:
    html = """<html><body>
    <a href="../../f/pkg-1.0-py3-none-any.whl#sha256=ab" data-core-metadata="sha256=cd"
       data-requires-python="&gt;=3.8">pkg-1.0-py3-none-any.whl</a>
    <a href="../../f/pkg-2.0.tar.gz#sha256=ef" data-dist-info-metadata="true">pkg-2.0.tar.gz</a>
    <a href="../../f/pkg-3.0-py3-none-any.whl" data-yanked="broken">pkg-3.0-py3-none-any.whl</a>
    <a href="../../f/pkg-4.0rc1-py3-none-any.whl">pkg-4.0rc1-py3-none-any.whl</a>
    </body></html>"""
    files = parse.parse_simple_html(html, "pkg", "https://idx.example/simple/pkg/")
    assert [str(f.version) for f in files] == ["1.0", "2.0", "3.0", "4.0rc1"]
    assert files[0].url == "https://idx.example/f/pkg-1.0-py3-none-any.whl#sha256=ab"
    assert files[0].core_metadata and files[0].requires_python == ">=3.8"
    assert files[1].core_metadata  # the pre-PEP 714 attribute name
    assert files[2].yanked
    latest, release = parse.pick_release(files)
    assert str(latest) == "2.0"  # 3.0 is yanked, 4.0rc1 a pre-release
    assert parse.metadata_source(release) is release[0]


def test_simple_json_pep_691() -> None:
    page = {
        "meta": {"api-version": "1.1"},
        "name": "pkg",
        "files": [
            {
                "filename": "pkg-1.0-py3-none-any.whl",
                "url": "https://files.example/pkg-1.0-py3-none-any.whl",
                "hashes": {"sha256": "ab"},
                "core-metadata": {"sha256": "cd"},
                "upload-time": "2026-01-01T00:00:00.000000Z",
            },
            {"filename": "pkg-1.0.tar.gz", "url": "pkg-1.0.tar.gz", "core-metadata": False},
            {"filename": "README", "url": "README"},
            "garbage",
        ],
    }
    files = parse.parse_simple_json(page, "pkg", "https://idx.example/simple/pkg/")
    assert [f.filename for f in files] == ["pkg-1.0-py3-none-any.whl", "pkg-1.0.tar.gz", "README"]
    assert files[0].core_metadata and not files[1].core_metadata
    assert files[1].url == "https://idx.example/simple/pkg/pkg-1.0.tar.gz"
    assert files[2].version is None
    assert parse.parse_simple_json(["not", "a", "page"], "pkg", "https://x/") == []


OSV_PAGE = {
    "vulns": [
        {
            "id": "GHSA-1",
            "aliases": ["CVE-1", "PYSEC-1"],
            "affected": [
                {
                    "package": {"name": "Fact_Pkg", "ecosystem": "PyPI"},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [
                                {"introduced": "0"},
                                {"fixed": "1.2"},
                                {"introduced": "2.0"},
                                {"fixed": "2.3.1"},
                            ],
                        }
                    ],
                },
                {"package": {"name": "other", "ecosystem": "PyPI"}, "ranges": []},
            ],
        },
        {
            "id": "GHSA-2",
            "affected": [
                {
                    "package": {"name": "fact-pkg", "ecosystem": "PyPI"},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": "1.5"}, {"last_affected": "1.6.1"}],
                        }
                    ],
                }
            ],
        },
        {"id": "GHSA-3", "withdrawn": "2024-01-01T00:00:00Z", "affected": []},
        {
            "id": "GHSA-4",
            "affected": [
                {"package": {"name": "fact-pkg", "ecosystem": "PyPI"}, "versions": ["0.9"]}
            ],
        },
    ]
}


def test_osv_ranges_decide_whether_the_version_is_affected() -> None:
    def affected(version: str) -> dict[str, bool]:
        found = advisories.osv_vulnerabilities([OSV_PAGE], "fact-pkg", "PyPI", version)
        return {v["id"]: v["affects_target"] for v in found}

    assert affected("1.1") == {"GHSA-1": True, "GHSA-2": False, "GHSA-4": False}
    assert affected("1.2") == {"GHSA-1": False, "GHSA-2": False, "GHSA-4": False}
    assert affected("1.6.1")["GHSA-2"] is True
    assert affected("1.7")["GHSA-2"] is False
    assert affected("2.2") == {"GHSA-1": True, "GHSA-2": False, "GHSA-4": False}
    assert affected("0.9")["GHSA-4"] is True
    found = advisories.osv_vulnerabilities([OSV_PAGE], "fact-pkg", "PyPI", "2.4")
    assert found[0]["fixed_in"] == ["1.2", "2.3.1"]
    assert "GHSA-3" not in {v["id"] for v in found}


def test_pypi_vulnerabilities_drop_withdrawn_and_merge_with_osv_by_alias() -> None:
    data = {
        "vulnerabilities": [
            {"id": "PYSEC-1", "aliases": ["CVE-1"], "fixed_in": ["1.2"], "withdrawn": None},
            {"id": "PYSEC-9", "aliases": [], "fixed_in": [], "withdrawn": "2022-06-28T16:39:06Z"},
        ]
    }
    pypi = advisories.pypi_vulnerabilities(data)
    assert [v["id"] for v in pypi] == ["PYSEC-1"]
    osv = advisories.osv_vulnerabilities([OSV_PAGE], "fact-pkg", "PyPI", "3.0")
    merged = advisories.merge_vulnerabilities(pypi, osv)
    assert [v["id"] for v in merged] == ["PYSEC-1", "GHSA-2", "GHSA-4"]
    assert merged[0]["fixed_in"] == ["1.2", "2.3.1"]
    assert merged[0]["aliases"] == ["CVE-1", "GHSA-1"]  # one advisory: the shared alias CVE-1


def test_cran_packages_dcf() -> None:
    records = parse.parse_dcf(CRAN_PACKAGES)
    assert set(records) == {"data.table", "httr2", "agplr"}
    assert records["httr2"]["Imports"].endswith("vctrs (>= 0.6.3), withr")  # continuation lines
    dt = parse.cran_facts(records["data.table"])
    assert dt["license"] == "MPL-2.0" and dt["license_note"].endswith("MPL-2.0 | file LICENSE")
    assert dt["depends_r"] == "R >= 3.3.0"
    assert dt["dependencies"] == 1 and dt["needs_compilation"] is True
    httr2 = parse.cran_facts(records["httr2"])
    assert httr2["license"] == "MIT" and httr2["dependencies"] == 11
    assert httr2["needs_compilation"] is False
    agplr = parse.cran_facts(records["agplr"])
    assert agplr["license"] == "AGPL-3.0-only" and "depends_r" not in agplr
    assert agplr["dependencies"] == 0 and agplr["latest_version"] == "0.2-1"
