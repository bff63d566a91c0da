"""Sending a card's request: once per card, the outcome in words a notebook user understands.

Apart from :mod:`card_state` because this is the card's one part with I/O: the client files
the request, or saves it as an offline draft when the server cannot be reached.
"""

from __future__ import annotations

from typing import Any

from .card_state import CardState


def send(state: CardState, client: Any = None) -> bool:
    """File ``state``'s request once (idempotent UUID); True when a result was reached."""
    from .client import submit

    if state.sending or state.status in ("filed", "saved_offline"):
        return False
    error = state.validation_error()
    if error:
        state.status, state.message = "error", error
        return False
    state.sending = True
    try:
        result = submit(state.redacted_draft().to_dict(), state.request_uuid, client)
    finally:
        state.sending = False
    if result.filed:
        state.status, state.response, state.message = "filed", result.response, ""
    elif result.saved_path:
        state.status, state.saved_path = "saved_offline", result.saved_path
        # The technical detail (result.error) is in the saved file, for IT.
        state.message = (
            f"Could not send to IT right now: {result.hint}. Your request was saved to "
            f"{result.saved_path}; it will be filed when the Jupyter server next starts."
        )
    else:
        state.status = "error"
        reason = (result.error or "").rstrip(".")
        state.message = (
            f"The request was not filed: {reason}. Please correct it and press Send to IT again."
        )
    return True
