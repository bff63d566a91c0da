"""``GET packages/{name}`` as an endpoint (kernel token, bad input, no index configured) and the
facts the server writes into filed requests (its own, never a client's)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from facts.loopback_indexes import PyPIShaped  # type: ignore[import-not-found]

from jupyter_itbridge.contract import TOKEN_HEADER
from jupyter_itbridge.findings import Finding
from jupyter_itbridge.kernel.card import package_facts
from jupyter_itbridge.kernel.card_state import CardState
from jupyter_itbridge.kernel.client import ServerClient
from jupyter_itbridge.policy import ITBridgePolicy
from jupyter_itbridge.server.service import RequestService

FINDING = {"kind": "missing_package", "subject": "vulnpkg", "title": "vulnpkg is missing"}


@pytest.fixture
def facts_policy(pypi_shaped: PyPIShaped) -> dict[str, Any]:
    return {"package_index_url": pypi_shaped.index_url, "license_rules": {"Apache-*": "review"}}


async def test_the_kernel_token_may_ask(api, itbridge) -> None:
    status, data = await api(
        "GET",
        "packages/vulnpkg",
        headers={"Authorization": "", TOKEN_HEADER: itbridge.kernel_token},
    )
    assert status == 200 and data["available"] is True
    assert (await api("GET", "packages/vulnpkg", headers={"Authorization": ""}))[0] == 403


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("packages/not a name", None, "'not a name' is not a valid pypi package name."),
        ("packages/-dash", None, "'-dash' is not a valid pypi package name."),
        ("packages/vulnpkg", {"ecosystem": "npm"}, "Unknown ecosystem 'npm'"),
        ("packages/vulnpkg", {"version": "1 or 2"}, "'version' must be a version"),
        ("packages/cran:data.table", {"ecosystem": "pypi"}, "names a cran package"),
        ("packages/cran:1abc", None, "is not a valid cran package name"),
        ("packages/" + "a" * 300, None, "is not a valid pypi package name"),
    ],
)
async def test_bad_input_is_a_400_naming_the_problem(api, path, params, message) -> None:
    status, data = await api("GET", path, params=params)
    assert status == 400, data
    assert message in data["message"]


async def test_a_client_cannot_put_facts_into_a_body(api, pypi_shaped) -> None:
    forged = {"facts": {"available": True, "name": "vulnpkg", "license": "MIT"}, "policy": None}
    # a request that is not about a package: the facts are dropped
    status, record = await api(
        "POST",
        "requests",
        body={"summary": "Need a GPU", "justification": "Training.", "package_facts": forged},
    )
    assert status == 201 and "Package facts" not in record["body"]
    assert record["draft"]["package_facts"] is None
    # a package request: the server's own facts replace them, and the user is told
    status, record = await api(
        "POST",
        "requests",
        body={"finding": FINDING, "justification": "Atlas.", "package_facts": forged},
    )
    assert status == 201, record
    assert "Licence: Apache-2.0 (from License-Expression)" in record["body"]
    assert "Licence: MIT" not in record["body"]
    assert record["notices"] == [
        "The package facts were read again from the index when the request was filed."
    ]


async def test_the_previewed_facts_are_kept_byte_for_byte(api) -> None:
    _, answer = await api("GET", "packages/vulnpkg")
    shown = {"facts": copy.deepcopy(answer["facts"]), "policy": answer["policy"]}
    shown["facts"]["fetched_at"] = "2026-01-01T00:00:00Z"  # read earlier, same facts
    status, record = await api(
        "POST",
        "requests",
        body={"finding": FINDING, "justification": "Atlas.", "package_facts": shown},
    )
    assert status == 201, record
    assert record["notices"] == []
    assert "Facts read from the index: 2026-01-01 00:00 UTC" in record["body"]
    assert record["draft"]["package_facts"] == shown


async def test_the_relay_renders_forwarded_facts_as_they_came() -> None:
    """The hub relay re-prepares the forwarded draft: the facts travel inside it."""
    facts = {
        "available": True,
        "ecosystem": "pypi",
        "name": "vulnpkg",
        "index": "https://pypi.corp.example/simple/",
        "fetched_at": "2026-12-01T10:00:00Z",
        "license": "Apache-2.0",
        "latest_version": "1.6.1",
    }
    draft = {"summary": "vulnpkg", **{k: FINDING[k] for k in ("kind", "subject")}}
    prepared = RequestService.prepare({**draft, "package_facts": {"facts": facts}}, None)
    assert "Package: vulnpkg (PyPI), index https://pypi.corp.example/simple/" in prepared.body
    assert prepared.fields["package_facts"]["facts"] == facts


class TestNoIndexConfigured:
    @pytest.fixture
    def facts_policy(self) -> dict[str, Any]:
        return {}

    async def test_no_index_no_facts_no_line(self, api) -> None:
        status, data = await api("GET", "packages/vulnpkg")
        assert status == 200
        assert data["available"] is False and data["line"] == "" and data["policy"] is None
        assert data["facts"]["error"] == "c.ITBridgePolicy.package_index_url is not set"
        status, record = await api(
            "POST", "requests", body={"finding": FINDING, "justification": "Atlas."}
        )
        assert status == 201 and "Package facts" not in record["body"]


async def test_the_kernel_card_asks_the_server_and_previews_the_body(api, itbridge) -> None:
    """What the kernel does on a failing cell, with its real client against this server."""
    client = ServerClient(itbridge.api_url, itbridge.kernel_token)
    policy = ITBridgePolicy(**(await api("GET", "policy"))[1]["policy"])
    finding = Finding(**FINDING)
    loop = asyncio.get_running_loop()  # the client blocks: off the loop that serves it
    answer = await loop.run_in_executor(None, package_facts, finding, policy, client)
    assert answer is not None and answer["line"].startswith("Licence Apache-2.0 · latest 1.6.1")
    from jupyter_itbridge.findings import RequestDraft

    draft = RequestDraft.from_finding(finding)
    draft.justification = "Atlas."
    draft.package_facts = {"facts": answer["facts"], "policy": answer["policy"]}
    state = CardState(finding, draft, policy, facts=answer)
    assert state.facts_line == answer["line"]
    assert (
        state.facts_notice == "This licence (Apache-2.0) needs legal review: expect a longer wait."
    )
    bundle = state.bundle()
    assert answer["line"] in bundle["text/plain"]
    assert 'class="jp-ITBridge-facts"' in bundle["text/html"]
    preview = state.preview()
    assert "Package facts\n-------------\n" in preview
    # filed as the card files it: the stored body is the preview
    status, record = await api(
        "POST", "requests", body={**state.redacted_draft().to_dict(), "uuid": state.request_uuid}
    )
    assert status == 201, record
    assert record["body"] == preview
    # no index in the policy: the kernel does not even ask
    assert package_facts(finding, ITBridgePolicy(), client) is None
    assert package_facts(Finding("missing_driver", "libpq", "x"), policy, client) is None
