"""An index that is not there, refuses, or is slow: the card says the facts could not be read,
the user can still file (the body says so too), nothing waits longer than the timeout, and the
event loop keeps serving meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from facts.loopback_indexes import Loopback, PyPIShaped, Refusing  # type: ignore[import-not-found]
from loopback import free_port  # type: ignore[import-not-found]

TIMEOUT = 0.6
FINDING = {
    "kind": "missing_package",
    "subject": "vulnpkg",
    "title": "The package 'vulnpkg' is not installed in this environment.",
}


@pytest.fixture
def index(request: Any) -> Iterator[tuple[str, Loopback | None]]:
    """``(index URL, server or None)`` for the parametrised kind of broken index."""
    kind = request.param
    if kind == "closed-port":
        yield f"http://127.0.0.1:{free_port()}/simple/", None
        return
    server: Loopback = Refusing(403) if kind == "refusing" else PyPIShaped()
    if kind == "slow":
        server.delay = 5.0  # far longer than the lookup may take
    yield f"{server.url}/simple/", server
    server.stop()


@pytest.fixture
def facts_policy(index: tuple[str, Any]) -> dict[str, Any]:
    return {"package_index_url": index[0]}


@pytest.fixture
def facts_settings() -> dict[str, Any]:
    return {"package_facts_timeout": TIMEOUT, "package_facts_error_ttl": 30.0}


EXPECTED = {
    "closed-port": "Package facts could not be read: the package index could not be reached "
    "(connection refused).",
    "refusing": "Package facts could not be read: the package index refused access (HTTP 403).",
    "slow": f"Package facts could not be read: the package index did not answer within "
    f"{TIMEOUT:g} s.",
}


@pytest.mark.parametrize("index", list(EXPECTED), indirect=True)
async def test_broken_index_gives_a_line_and_filing_still_works(api, index, request) -> None:
    kind = request.node.callspec.params["index"]
    started = time.monotonic()
    status, data = await api("GET", "packages/vulnpkg")
    took = time.monotonic() - started
    assert status == 200, data
    assert data["available"] is False
    assert data["line"] == EXPECTED[kind]
    assert took < TIMEOUT + 1.0, took

    # the user files anyway; the body tells IT why there are no facts
    status, record = await api(
        "POST", "requests", body={"finding": FINDING, "justification": "Project Atlas."}
    )
    assert status == 201, record
    assert "Package facts\n-------------\n" in record["body"]
    assert EXPECTED[kind] in record["body"]

    # remembered for package_facts_error_ttl: the broken index is not asked again
    server = index[1]
    asked = server.count("GET /simple/vulnpkg/") if server else 0
    started = time.monotonic()
    assert (await api("GET", "packages/vulnpkg"))[1]["line"] == EXPECTED[kind]
    assert time.monotonic() - started < 0.5
    if server:
        assert server.count("GET /simple/vulnpkg/") == asked


@pytest.mark.parametrize("index", ["slow"], indirect=True)
async def test_a_slow_index_never_blocks_the_event_loop(api, index) -> None:
    lookup = asyncio.ensure_future(api("GET", "packages/vulnpkg"))
    await asyncio.sleep(0.1)  # the lookup is waiting on the slow index now
    health_times = []
    for _ in range(5):
        started = time.monotonic()
        status, _ = await api("GET", "health")
        health_times.append(time.monotonic() - started)
        assert status == 200
    assert not lookup.done()  # health answered while the lookup was still waiting
    assert max(health_times) < 0.3, health_times
    status, data = await lookup
    assert status == 200 and data["available"] is False


@pytest.mark.parametrize("index", ["slow"], indirect=True)
async def test_concurrent_callers_of_a_slow_index_share_one_fetch(api, index) -> None:
    server = index[1]
    started = time.monotonic()
    replies = await asyncio.gather(*(api("GET", "packages/vulnpkg") for _ in range(6)))
    assert time.monotonic() - started < TIMEOUT + 1.0
    assert {r[1]["line"] for r in replies} == {EXPECTED["slow"]}
    assert server.count("GET /simple/vulnpkg/") == 1
