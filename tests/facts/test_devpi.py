"""Package facts from a real devpi-server with wheels built in the test: the facts, the cache
(counted in devpi's own request log), a package the index does not have, the licence rules,
and a filed request whose stored body carries them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from facts.devpi_index import Devpi  # type: ignore[import-not-found]

from jupyter_itbridge.facts_format import parse_time

pytestmark = pytest.mark.slow  # devpi starts once per session (a few seconds)

SIMPLE = "/root/dev/+simple/{}/"


@pytest.fixture
def facts_policy(devpi: Devpi) -> dict[str, Any]:
    return {
        "package_index_url": devpi.index_url,
        "license_rules": {"AGPL-3.0-only": "deny", "GPL-*": "review"},
    }


async def test_facts_from_the_uploaded_wheel(api, devpi) -> None:
    status, data = await api("GET", "packages/factpkg")
    assert status == 200, data
    facts = data["facts"]
    assert data["available"] is True and data["name"] == "factpkg"
    assert facts["latest_version"] == "1.6.1"  # not 1.4.0, uploaded too
    assert facts["license"] == "BSD-3-Clause"
    assert facts["license_source"] == "License-Expression"
    assert facts["summary"] == "Facts for the request to IT"
    assert facts["requires_python"] == ">=3.9"
    assert facts["dependencies"] == 2  # numpy, requests; not the "test" extra's pytest
    assert facts["project_urls"] == {
        "Homepage": "https://factpkg.example.org",
        "Source": "https://git.example.org/factpkg",
    }
    assert facts["index"] == devpi.index_url
    # devpi gives no PEP 700 upload-time: the date is the file's Last-Modified (the upload)
    released = parse_time(facts["released_at"])
    assert released is not None
    assert datetime.now(timezone.utc) - released < timedelta(hours=2)
    # devpi offers no PyPI JSON API: vulnerabilities were not checked, and the line says nothing
    assert facts["vulnerabilities_checked"] is False
    assert data["line"] == "Licence BSD-3-Clause · latest 1.6.1 (today) · Python >= 3.9"
    assert data["policy"] is None


async def test_a_second_call_does_not_reach_the_index(api, devpi) -> None:
    path = SIMPLE.format("dualpkg")
    before = devpi.hits(path)
    first = await api("GET", "packages/dualpkg")
    assert devpi.hits(path) == before + 1
    again = [await api("GET", "packages/dualpkg") for _ in range(3)]
    together = await asyncio.gather(*(api("GET", "packages/dualpkg") for _ in range(5)))
    assert devpi.hits(path) == before + 1
    assert all(reply == first for reply in [*again, *together])


async def test_concurrent_first_calls_share_one_fetch(api, devpi) -> None:
    path = SIMPLE.format("gplpkg")
    before = devpi.hits(path)
    replies = await asyncio.gather(*(api("GET", "packages/gplpkg") for _ in range(8)))
    assert {status for status, _ in replies} == {200}
    assert devpi.hits(path) == before + 1


async def test_a_package_the_index_does_not_have(api, devpi) -> None:
    status, data = await api("GET", "packages/no-such-package-anywhere")
    assert status == 404
    assert data["message"] == "The package index has no package named 'no-such-package-anywhere'."
    path = SIMPLE.format("no-such-package-anywhere")
    seen = devpi.hits(path)
    assert (await api("GET", "packages/No_Such.Package-anywhere"))[0] == 404
    assert devpi.hits(path) == seen  # the negative answer is cached (names PEP 503-normalised)


async def test_licence_rules_from_real_metadata(api, devpi) -> None:
    _, gpl = await api("GET", "packages/gplpkg")
    assert gpl["facts"]["license"] == "GPL-3.0-or-later"  # License, read as SPDX
    assert gpl["policy"] == {
        "action": "review",
        "rule": "license_rules['GPL-*'] = 'review' (licence GPL-3.0-or-later)",
        "message": "This licence (GPL-3.0-or-later) needs legal review: expect a longer wait.",
    }
    assert gpl["line"].startswith("Licence GPL-3.0-or-later · latest 2.0 (today) · Python >= 3.10")
    _, agpl = await api("GET", "packages/agplpkg")
    assert agpl["policy"]["action"] == "deny"
    assert agpl["policy"]["message"].startswith(
        "Your organisation's licence policy does not allow AGPL-3.0-only"
    )
    _, dual = await api("GET", "packages/dualpkg")
    assert dual["facts"]["license"] == "MIT OR GPL-3.0-only" and dual["policy"] is None


async def test_a_filed_request_carries_the_facts(api, devpi, itbridge) -> None:
    finding = {
        "kind": "missing_package",
        "subject": "gplpkg",
        "title": "The package 'gplpkg' is not installed in this environment.",
    }
    status, record = await api(
        "POST",
        "requests",
        body={"finding": finding, "justification": "Needed for the Atlas project."},
    )
    assert status == 201, record
    body = record["body"]
    assert "Package facts\n-------------\n" in body
    assert f"Package: gplpkg (PyPI), index {devpi.index_url}" in body
    assert "Licence: GPL-3.0-or-later (from License)" in body
    assert "Latest version: 2.0, released " in body
    assert "Requires Python: >= 3.10" in body
    assert "Known vulnerabilities: not checked (no vulnerability source answered)" in body
    assert (
        "Policy: license_rules['GPL-*'] = 'review' (licence GPL-3.0-or-later): This licence "
        "(GPL-3.0-or-later) needs legal review: expect a longer wait." in body
    )
    stored = itbridge.service.store.get_request(record["uuid"])
    assert stored["body"] == body
    assert stored["draft"]["package_facts"]["facts"]["license"] == "GPL-3.0-or-later"
    assert record["notices"] == []
