"""The card follows its request's state live: a sent card asks the server now and then.

Why: the card used to keep "Request #1 filed - state: queued" while the sidebar said "sent"
or "retrying", and never said when IT resolved it. The kernel has no event stream, so a
daemon thread reads ``GET requests/{uuid}`` (the kernel token is allowed there) with a
growing interval, updates the card when the state, its words or IT's resolution changed, and
stops once the request is closed (resolved, rejected, cancelled) or after a day.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .card_state import CardState

log = logging.getLogger("jupyter_itbridge.kernel")

FIRST_DELAY = 2.0
MAX_DELAY = 60.0
GIVE_UP_AFTER = 24 * 3600.0
#: What the card shows of a request; a change in any of these redraws it.
SHOWN = ("state", "state_detail", "ticket_url", "resolution")


def _shown(response: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(str(response.get(k)) for k in SHOWN)


def follow(
    state: CardState,
    client: Any,
    redraw: Callable[[], None],
    *,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
    give_up_after: float = GIVE_UP_AFTER,
) -> threading.Thread | None:
    """Start following ``state``'s filed request; None when there is nothing to follow."""
    if state.status != "filed" or client is None or not state.response.get("open", True):
        return None

    def run() -> None:
        delay, started = first_delay, time.monotonic()
        while time.monotonic() - started < give_up_after:
            time.sleep(delay)
            delay = min(max_delay, delay * 1.5)
            key = state.response.get("uuid") or state.request_uuid
            try:
                fresh = client.get_request(key)
            except Exception as err:  # the server restarts, the network blips: try later
                log.debug("jupyter-itbridge: card could not read request %s: %s", key, err)
                continue
            if not isinstance(fresh, dict) or "state" not in fresh:
                continue
            if _shown(fresh) != _shown(state.response):
                state.response = {**state.response, **fresh}
                try:
                    redraw()
                except Exception:
                    log.exception("jupyter-itbridge: card redraw failed")
            if not fresh.get("open", True):
                return

    thread = threading.Thread(target=run, name="itbridge-card-follow", daemon=True)
    thread.start()
    return thread
