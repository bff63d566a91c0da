"""The kernel's card shows dates the way the page does, and offers "Restart kernel" once IT
resolved an install.

Why: the card said "Resolved by IT on 01 Dec 2026" and "next try 2026-12-01 07:19 UTC" where
the sidebar said "12/1/26, 7:19 AM"; the kernel knows neither the browser's language nor its
time zone, so it writes ``<time datetime=...>`` elements the labextension formats (jest:
``localTimes.spec.ts``; Chromium: tests/browser/test_conversation.py). The notification had a
"Restart kernel" button and the ipywidgets card had none.
"""

from __future__ import annotations

import re

from jupyter_itbridge.contract import RESTART_CLASS, TIME_CLASS
from jupyter_itbridge.findings import Finding, RequestDraft
from jupyter_itbridge.kernel.card_state import CardState
from jupyter_itbridge.kernel.card_time import Moment, as_html
from jupyter_itbridge.kernel.card_widget import Card

TIME = re.compile(
    r'<time class="([^"]+)" datetime="([^"]+)" data-style="(day|when)">([^<]*)</time>'
)
AT = "2026-12-01T07:19:40+00:00"


def _state(kind: str = "missing_package") -> CardState:
    finding = Finding(kind=kind, subject="pyspark", title="The package is not here.")
    state = CardState(finding, RequestDraft.from_finding(finding, {}))
    state.status = "filed"
    return state


def _resolved(state: CardState) -> CardState:
    state.response = {
        "id": 4,
        "uuid": state.request_uuid,
        "state": "resolved",
        "kind": state.kind,
        "updated_at": AT,
        "resolution": {"at": AT, "message": "Installed pyspark 3.5."},
    }
    return state


def test_resolved_date_is_a_time_element_with_an_iso_fallback() -> None:
    state = _resolved(_state())
    text = state.status_text()
    assert text == (
        "Resolved by IT on 2026-12-01: restart the kernel to use it. IT: 'Installed pyspark 3.5.'"
    )
    assert "Dec 2026" not in text
    (found,) = TIME.findall(state.status_html())
    assert found == (TIME_CLASS, AT, "day", "2026-12-01")
    # the static HTML of the bundle carries the same element
    assert TIME.search(state.bundle()["text/html"])


def test_already_requested_and_next_try_are_time_elements() -> None:
    state = _state()
    state.response = {"id": 7, "state": "sent", "deduped": True, "created_at": AT}
    assert TIME.findall(state.status_html()) == [(TIME_CLASS, AT, "day", "2026-12-01")]
    state.response = {
        "id": 7,
        "state": "failed",
        "state_detail": "retrying (RT unreachable); next try 2026-12-01 07:19 UTC",
        "next_attempt_at": AT,
    }
    assert state.status_text() == (
        "Request #7 filed - state: failed (retrying (RT unreachable); next try "
        "2026-12-01 07:19 UTC)."
    )
    assert TIME.findall(state.status_html()) == [(TIME_CLASS, AT, "when", "2026-12-01 07:19 UTC")]
    assert "07:19 UTC</time>" in state.status_html()


def test_a_date_the_browser_cannot_read_stays_escaped_text() -> None:
    hostile = '"><img src=x onerror=alert(1)>'
    out = as_html(["Resolved by IT on ", Moment(hostile, "day")])
    assert "<img" not in out and "<time" not in out
    assert Moment("2026-12-01T08:19:40+01:00", "when").text() == "2026-12-01 07:19 UTC"


def test_widget_card_offers_restart_once_an_install_is_resolved() -> None:
    card = Card(_state())
    assert RESTART_CLASS in card.restart_button._dom_classes
    card.state.response = {"id": 4, "state": "sent", "kind": "missing_package"}
    card._show_status()
    assert card.restart_button.layout.display == "none"
    _resolved(card.state)
    card._show_status()
    assert card.restart_button.layout.display == ""
    assert card.restart_button.description == "Restart kernel"
    assert TIME.search(card.status.value)


def test_no_restart_for_a_resolved_request_a_restart_does_not_help() -> None:
    card = Card(_resolved(_state("network_blocked")))
    card._show_status()
    assert card.restart_button.layout.display == "none"
    assert card.state.status_text().startswith("Resolved by IT on 2026-12-01.")


def test_the_card_reads_back_the_retry_time_the_server_writes() -> None:
    """The server's (and the hub backend's) ``state_detail`` wording and the card's reader
    of it are one format: a change on one side alone would leave a UTC time on the card."""
    from jupyter_itbridge.kernel.card_time import SERVER_NEXT_TRY
    from jupyter_itbridge.server.views import state_detail

    row: dict = {"state": "failed", "next_attempt_at": 1_796_109_540.0, "ticket_id": None}
    detail = state_detail(row, None)  # type: ignore[arg-type]
    assert detail.endswith("; next try 2026-12-01 07:19 UTC")
    assert SERVER_NEXT_TRY.search(detail)
