"""The card says each thing once: the Summary is not the title, Details is not the
explanation, and the body IT receives still carries both once.

Why: the card's headline is the finding's title and its explanation is shown under it; the
Summary field held the title again and Details the explanation again (issue #12, point 4).
Covered on every path that composes a request: the kernel card (every catalog example), the
server's prefilled "more memory" request, and ``POST diagnose`` for the frontend card.
"""

from __future__ import annotations

from typing import Any

import pytest
from conversation.test_preview_is_sent import ENV, _findings  # type: ignore[import-not-found]

from jupyter_itbridge.detect.catalog import R_SIGNATURES, SIGNATURES
from jupyter_itbridge.findings import Finding, RequestDraft, render_body
from jupyter_itbridge.kernel.card import build_draft
from jupyter_itbridge.kernel.card_state import CardState
from jupyter_itbridge.server.incident_rules import memory_request_draft
from jupyter_itbridge.summaries import request_summary


def _says_each_once(finding: Finding, draft: RequestDraft, body: str) -> None:
    assert draft.summary.strip() and draft.summary != finding.title
    assert finding.explanation not in draft.description
    assert body.splitlines()[0] == draft.summary
    assert body.count(finding.title) == 1, body
    if finding.explanation:
        assert body.count(finding.explanation) == 1, body


@pytest.mark.parametrize("sig", SIGNATURES, ids=[s["id"] for s in SIGNATURES])
def test_kernel_card_summary_and_details_do_not_repeat(sig: dict[str, Any]) -> None:
    for finding in _findings(sig):
        draft = build_draft(finding)
        draft.environment = ENV
        card = CardState(finding, draft)
        _says_each_once(finding, draft, card.preview())
        assert card.payload()["draft"]["summary"] == draft.summary


def test_every_catalog_kind_and_subject_has_a_request_summary() -> None:
    """Every built-in signature (Python and R) gets words for IT, never a raw catalog id."""
    for sig in (*SIGNATURES, *R_SIGNATURES):
        subject = sig["subject"].format_map(_Filled())
        summary = request_summary(sig["kind"], subject, "title")
        assert summary != "title" and len(summary) <= 200, sig["id"]
        assert ":" not in summary.split(" ", 1)[1].replace("notebook:", ""), (sig["id"], summary)


class _Filled(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "x-1"


def test_summaries_read_as_requests() -> None:
    assert request_summary("missing_package", "sklearn") == "Install the package 'sklearn'"
    assert request_summary("blocked_package", "cran:RSelenium") == "Allow the R package 'RSelenium'"
    assert (
        request_summary("missing_driver", "odbc-driver:ODBC Driver 18 for SQL Server")
        == "Set up the ODBC driver 'ODBC Driver 18 for SQL Server' on this server"
    )
    assert request_summary("resource_limit", "memory") == "More memory for my notebook"
    # an unknown kind (or no subject) keeps the title rather than inventing words
    assert request_summary("other", "x", "The title.") == "The title."
    assert request_summary("missing_package", " ", "The title.") == "The title."


def test_the_server_memory_request_details_leave_the_explanation_to_the_body() -> None:
    explanation = "The kernel process was stopped by the system's out-of-memory killer."
    fields = memory_request_draft(
        title="My kernel was stopped for running out of memory",
        explanation=explanation,
        limit_bytes=4 * 2**30,
        used_bytes=4 * 2**30 - 2**20,
        limit_source="cgroup v2",
        notebook_path="big.ipynb",
        evidence={"exit_signal": "SIGKILL"},
    )
    draft = RequestDraft.from_dict(fields)
    assert explanation not in draft.description
    assert draft.description.startswith("Memory limit: 4.0 GiB")
    body = render_body(draft)
    assert body.count(explanation) == 1 and body.count("My kernel was stopped") == 1


def test_an_older_draft_with_the_explanation_in_details_says_it_once() -> None:
    """Offline drafts saved by an older kernel copied the explanation into Details."""
    finding = Finding(
        kind="missing_package",
        subject="pyspark",
        title="The package 'pyspark' is not installed here.",
        explanation="IT installs packages on this server.",
    )
    draft = RequestDraft.from_finding(finding)
    draft.summary = finding.title  # as older kernels prefilled it
    draft.description = "IT installs packages on this server.\nWhere: notebook a.ipynb"
    body = render_body(draft)
    assert body.count("IT installs packages on this server.") == 1
    assert body.count(finding.title) == 1 and "Where: notebook a.ipynb" in body


def test_offline_draft_keeps_the_summary_and_files_the_body_the_card_showed(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel saves the draft when the server is down; the server files it later."""
    from jupyter_itbridge.drafts import import_drafts
    from jupyter_itbridge.kernel.client import ServerClient
    from jupyter_itbridge.server.service import RequestService

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    finding = _findings(next(s for s in SIGNATURES if s["id"] == "drivers.oracle_client"))[0]
    card = CardState(finding, build_draft(finding))
    card.draft.justification = "Monthly finance reporting."
    card.send(ServerClient("http://127.0.0.1:9/itbridge/api/", "t"))  # nothing listens there
    assert card.status == "saved_offline", card.message
    bodies: list[str] = []
    report = import_drafts(
        lambda draft, uuid: bodies.append(RequestService.prepare(draft, uuid).body),
        str(tmp_path),
    )
    assert report.imported and bodies == [card.preview()]
    _says_each_once(finding, card.draft, bodies[0])
