"""Drafts are not lost: a card neither sent nor dismissed comes back when its cell runs again.

Real kernels; the user's typing and clicks reach the card as the frontend sends them (widget
``comm_msg`` messages), so the kernel's own widget machinery is what is tested.
"""

from __future__ import annotations

from typing import Any

from kernel_harness import (  # type: ignore[import-not-found]
    error_then_card,
    findings,
    widget_model_id,
)

ORACLE = "import oracledb\noracledb.init_oracle_client()"
CARD = "__import__('jupyter_itbridge.kernel', fromlist=['k']).last_card()"


def field_id(kernel: Any, name: str) -> str:
    return str(kernel.value(f"{CARD}.{name}.model_id"))


def test_unsent_card_comes_back_with_what_was_typed(kernel: Any) -> None:
    first = kernel.run(ORACLE)
    payload = error_then_card(first)
    assert payload["draft"]["justification"] == ""
    card_model = widget_model_id(first)
    kernel.type_into(field_id(kernel, "justification"), "Monthly finance report from the DWH.")
    kernel.type_into(field_id(kernel, "summary"), "Oracle Instant Client on the server")

    again = kernel.run(ORACLE)
    shown = error_then_card(again)
    # the same card (widget model, request UUID), with the draft as the user left it
    assert widget_model_id(again) == card_model
    assert shown["request_uuid"] == payload["request_uuid"]
    assert shown["draft"]["justification"] == "Monthly finance report from the DWH."
    assert shown["draft"]["summary"] == "Oracle Instant Client on the server"
    assert "Monthly finance report from the DWH." in shown["preview"]
    assert shown["state"]["status"] == "draft"
    # one card per problem still: no second card object was made
    assert (
        kernel.value("len(__import__('jupyter_itbridge.kernel', fromlist=['k']).bridge().cards)")
        == 1
    )


def test_dismissed_card_does_not_come_back(kernel: Any) -> None:
    error_then_card(kernel.run(ORACLE))
    kernel.type_into(field_id(kernel, "justification"), "typed, then dismissed")
    kernel.click(field_id(kernel, "dismiss_button"))
    assert kernel.value(f"{CARD}.state.status") == "dismissed"
    again = kernel.run(ORACLE)
    assert any(o["output_type"] == "error" for o in again)
    assert findings(again) == [], "a dismissed card is not shown again this session"
    text = "".join(o.get("text", "") for o in kernel.run("%itbridge last"))
    assert "missing_driver / oracle-client" in text  # still listed


def test_sent_card_does_not_come_back(kernel: Any) -> None:
    """No server here: Send saves the request offline (filed on the server's next start),
    which counts as sent."""
    error_then_card(kernel.run(ORACLE))
    kernel.type_into(field_id(kernel, "justification"), "Needed for the finance DWH.")
    kernel.click(field_id(kernel, "send_button"))
    assert kernel.value(f"{CARD}.state.status") == "saved_offline"
    assert findings(kernel.run(ORACLE)) == []


def test_a_card_in_error_is_still_a_draft(kernel: Any) -> None:
    """Send without a justification: the card says so and stays a draft that comes back."""
    error_then_card(kernel.run(ORACLE))
    kernel.click(field_id(kernel, "send_button"))
    assert kernel.value(f"{CARD}.state.status") == "error"
    shown = error_then_card(kernel.run(ORACLE))
    assert shown["state"]["status"] == "error"
    assert "justification" in shown["state"]["message"]
