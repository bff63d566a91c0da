"""``POST preview``: the frontend card's "What will be sent" is the body filing stores."""

from __future__ import annotations

from typing import Any

from jupyter_itbridge.contract import TOKEN_HEADER
from jupyter_itbridge.findings import Finding, RequestDraft

FINDING = Finding(
    kind="missing_package",
    subject="cran:arrow",
    title="The R package 'arrow' is not installed here.",
    explanation="library(arrow) found no package called 'arrow'.",
    evidence={"message": "Error in library(arrow): there is no package called 'arrow'"},
)


def _draft(**over: Any) -> dict[str, Any]:
    data = RequestDraft.from_finding(
        FINDING, {"kernel": "IRkernel 1.3.2", "R": "4.2.2", "DB_PASSWORD": "hunter2"}
    ).to_dict()
    data["justification"] = "Parquet files from the lake; connect with postgres://bob:s3cret@db/x"
    data.update(over)
    return data


async def test_preview_is_exactly_the_stored_body_and_stores_nothing(api: Any) -> None:
    body = {**_draft(), "uuid": "card-preview-0001"}
    code, preview = await api("POST", "preview", body)
    assert code == 200, preview
    assert preview["uuid"] == "card-preview-0001" and preview["notices"] == []
    # redacted by the server: the URL password and the env secret never reach the browser
    assert "s3cret" not in preview["body"] and "hunter2" not in preview["body"]
    assert "itbridge-request-id: card-preview-0001" in preview["body"]
    code, listing = await api("GET", "requests")
    assert code == 200 and listing["requests"] == []  # a preview files nothing

    code, filed = await api("POST", "requests", body)
    assert code == 201, filed
    assert filed["body"] == preview["body"]  # what the user saw is what is stored


async def test_preview_bounds_and_errors_are_4xx(api: Any) -> None:
    code, long = await api("POST", "preview", _draft(summary="x" * 400))
    assert code == 200 and any("'summary' was truncated" in n for n in long["notices"])
    for bad in ({"summary": ""}, {"summary": "x", "urgency": "asap"}, [1], {"uuid": 5}):
        code, err = await api("POST", "preview", bad)
        assert code == 400, (bad, err)
        assert err["message"]
    code, err = await api("POST", "preview", {"summary": "x", "uuid": "12345678"})
    assert code == 400 and "plain number" in err["message"]


async def test_preview_refuses_the_kernel_token(api: Any, itbridge: Any) -> None:
    code, _ = await api("POST", "preview", _draft(), headers={TOKEN_HEADER: itbridge.kernel_token})
    assert code == 403
