"""The card's line, the body's "Package facts" section and "What IT must install" (pure)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jupyter_itbridge.facts_format import age_words, facts_line, facts_section, python_spec
from jupyter_itbridge.findings import RequestDraft, render_body
from jupyter_itbridge.install_needs import what_to_install

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
FACTS = {
    "configured": True,
    "available": True,
    "ecosystem": "pypi",
    "name": "factpkg",
    "index": "https://pypi.corp.example/simple/",
    "fetched_at": "2026-12-01T11:00:00Z",
    "summary": "Facts for the request",
    "license": "BSD-3-Clause",
    "license_source": "License-Expression",
    "latest_version": "1.6.1",
    "released_at": "2026-11-16T09:00:00Z",
    "requires_python": ">=3.9",
    "dependencies": 2,
    "project_urls": {"Homepage": "https://factpkg.example.org"},
    "vulnerabilities": [
        {
            "id": "PYSEC-2021-9",
            "aliases": ["CVE-2021-3281"],
            "fixed_in": ["1.5.0"],
            "link": "https://osv.dev/vulnerability/PYSEC-2021-9",
            "affects_target": False,
        }
    ],
    "vulnerabilities_checked": True,
    "vulnerability_sources": ["OSV"],
    "notes": [],
}


def test_the_issue_example_line() -> None:
    assert facts_line(FACTS, NOW) == (
        "Licence BSD-3-Clause · latest 1.6.1 (2 weeks ago) · Python >= 3.9 · "
        "1 known vulnerability, fixed in 1.5.0"
    )


def test_line_variants() -> None:
    affected = {
        **FACTS,
        "requested_version": "1.4.0",
        "vulnerabilities": [{**FACTS["vulnerabilities"][0], "affects_target": True}],
    }
    assert facts_line(affected, NOW).endswith("1 known vulnerability in 1.4.0, fixed in 1.5.0")
    clean = {**FACTS, "vulnerabilities": []}
    assert facts_line(clean, NOW).endswith("· no known vulnerabilities")
    unchecked = {**clean, "vulnerabilities_checked": False, "license": None}
    assert facts_line(unchecked, NOW) == (
        "Licence not stated · latest 1.6.1 (2 weeks ago) · Python >= 3.9"
    )
    down = {"available": False, "name": "x", "error": "the package index did not answer in 3 s"}
    assert (
        facts_line(down)
        == "Package facts could not be read: the package index did not answer in 3 s."
    )
    assert facts_line({"available": False, "name": "nopkg", "not_found": True}) == (
        "The package index has no package named 'nopkg'."
    )
    assert facts_line({"configured": False, "available": False}) == ""


@pytest.mark.parametrize(
    ("days", "words"),
    [(0, "today"), (1, "1 day"), (6, "6 days"), (7, "1 week"), (45, "1 month"), (800, "2 years")],
)
def test_age_words(days, words) -> None:
    from datetime import timedelta

    assert age_words(NOW - timedelta(days=days, hours=1), NOW) == words


def test_python_spec_reads_like_people_write_it() -> None:
    assert python_spec(">=3.8,<4") == ">= 3.8, < 4"
    assert python_spec("~=3.10") == "~= 3.10"


def test_body_section_is_rendered_from_the_facts_alone() -> None:
    policy = {"rule": "license_rules['BSD-*'] = 'review'", "message": "Needs review."}
    draft = RequestDraft(
        summary="The package 'factpkg' is not installed.",
        justification="For project Atlas",
        kind="missing_package",
        subject="factpkg",
        package_facts={"facts": FACTS, "policy": policy},
    )
    body = render_body(draft, "uuid-1234")
    section = body.split("Package facts\n-------------\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        "Package: factpkg (PyPI), index https://pypi.corp.example/simple/",
        "Summary: Facts for the request",
        "Licence: BSD-3-Clause (from License-Expression)",
        "Latest version: 1.6.1, released 2026-11-16 (2 weeks old on 2026-12-01)",
        "Requires Python: >= 3.9",
        "Direct dependencies: 2",
        "Homepage: https://factpkg.example.org",
        "Known vulnerabilities: 1 known vulnerability, fixed in 1.5.0 (sources: OSV)",
        "  - PYSEC-2021-9 (CVE-2021-3281): fixed in 1.5.0; "
        "https://osv.dev/vulnerability/PYSEC-2021-9",
        "Policy: license_rules['BSD-*'] = 'review': Needs review.",
        "Facts read from the index: 2026-12-01 11:00 UTC",
    ]
    # rendered again later: the same text (ages count to when the facts were read)
    assert render_body(RequestDraft.from_dict(draft.to_dict()), "uuid-1234") == body
    assert body.index("Package facts") < body.index("Justification")


def test_body_when_the_index_could_not_be_read() -> None:
    facts = {
        "available": False,
        "ecosystem": "pypi",
        "name": "factpkg",
        "index": "http://127.0.0.1:1/simple/",
        "fetched_at": "2026-12-01T11:00:00Z",
        "error": "the package index could not be reached (connection refused)",
    }
    lines = facts_section({"facts": facts, "policy": None})
    assert lines[3:5] == [
        "Package facts could not be read: the package index could not be reached "
        "(connection refused).",
        "Checked: 2026-12-01 11:00 UTC",
    ]


def test_section_survives_whatever_json_a_client_sent() -> None:
    odd = {
        "facts": {
            "available": True,
            "vulnerabilities": ["[... 3 more items removed]", {"id": 1, "fixed_in": "x"}],
            "project_urls": ["not", "a", "dict"],
            "notes": "not a list",
            "vulnerability_sources": [{"x": 1}],
            "fetched_at": 12,
            "released_at": "yesterday",
        },
        "policy": "no",
    }
    text = "\n".join(facts_section(odd))
    assert "Package facts" in text and "Policy: no licence or vulnerability rule matched" in text
    assert facts_section({"facts": "x"}) == [] and facts_section(None) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("subject", "evidence", "environment", "expected"),
    [
        (
            "oracle-client",
            {"message": 'DPI-1047: Cannot locate a 64-bit Oracle Client library: "libclntsh.so"'},
            {"package oracledb": "2.5.1"},
            "Oracle Instant Client (Basic or Basic Light package) 64-bit, on this server's "
            "library path (ldconfig or LD_LIBRARY_PATH), version 11.2 to 23 (python-oracledb "
            "2.5.1 in thick mode can use Oracle Client libraries 11.2 through 23).",
        ),
        (
            "oracle-client",
            {
                "message": "DPI-1050: Oracle Client library is at version 11.1 but version "
                "11.2 or higher is needed",
                "oracle_code": "DPI-1050",
            },
            {},
            "Oracle Instant Client (Basic or Basic Light package) of the same architecture as "
            "Python, on this server's library path (ldconfig or LD_LIBRARY_PATH), version 11.2 "
            "or later (the error says 11.1 was found).",
        ),
        (
            "odbc-driver:ODBC Driver 17 for SQL Server",
            {},
            {},
            "Microsoft ODBC Driver 17 for SQL Server (package msodbcsql17 from Microsoft's "
            "repository), registered in odbcinst.ini as 'ODBC Driver 17 for SQL Server'.",
        ),
        (
            "odbc-driver:PostgreSQL Unicode",
            {},
            {},
            "The PostgreSQL ODBC driver psqlODBC (Debian/Ubuntu: odbc-postgresql), registered "
            "in odbcinst.ini as 'PostgreSQL Unicode'.",
        ),
        (
            "odbc-driver:Acme Warehouse",
            {},
            {},
            "The ODBC driver registered in odbcinst.ini as 'Acme Warehouse'.",
        ),
        (
            "odbc-driver:libmsodbcsql-18.so",
            {"driver_path": "/opt/microsoft/msodbcsql18/lib64/libmsodbcsql-18.so"},
            {},
            "The ODBC driver library /opt/microsoft/msodbcsql18/lib64/libmsodbcsql-18.so: "
            "odbcinst.ini names it, but the file is missing or cannot be loaded.",
        ),
        (
            "odbc-driver-manager",
            {},
            {},
            "The unixODBC driver manager (Debian/Ubuntu: unixodbc; RHEL/Fedora: unixODBC), "
            "which pyodbc loads as libodbc.so.2.",
        ),
        (
            "jdbc-driver:oracle.jdbc.OracleDriver",
            {},
            {},
            "Oracle's JDBC driver (ojdbc8.jar or ojdbc11.jar), on the Java classpath, and a "
            "Java runtime.",
        ),
    ],
)
def test_what_it_must_install(subject, evidence, environment, expected) -> None:
    assert what_to_install("missing_driver", subject, evidence, environment) == expected


def test_install_line_in_the_body_only_for_drivers() -> None:
    assert what_to_install("missing_package", "pandas") is None
    assert what_to_install("missing_driver", "something-new") is None
    draft = RequestDraft(
        summary="The ODBC driver 'ODBC Driver 18 for SQL Server' is not installed.",
        kind="missing_driver",
        subject="odbc-driver:ODBC Driver 18 for SQL Server",
        environment={"package pyodbc": "5.1.0"},
    )
    body = render_body(draft)
    assert (
        "What IT must install: Microsoft ODBC Driver 18 for SQL Server (package msodbcsql18 "
        "from Microsoft's repository), registered in odbcinst.ini as 'ODBC Driver 18 for SQL "
        "Server'." in body
    )
