"""Dates on the kernel's card, shown in the page's language and time zone (pure).

Why: the kernel knows neither the browser's language nor its time zone, and its card said
"Resolved by IT on 01 Dec 2026" or "next try 2026-12-01 07:19 UTC" where the sidebar said
"12/1/26, 7:19 AM". The kernel writes each date as ``<time class="jp-ITBridge-time"
datetime="<ISO>" data-style="day|when">`` with an ISO fallback text; the labextension rewrites
the text with the page's one date format (``format.ts`` ``formatDay`` / ``formatWhen``, which
read ``<html lang>`` and the browser's time zone), wherever the card is rendered (ipywidgets
HTML or the static HTML). Elsewhere (nbconvert, ``text/plain``) the ISO fallback stays
unambiguous.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from ..contract import TIME_CLASS

#: The server's retry wording in ``state_detail`` ("; next try 2026-12-01 07:19 UTC", written
#: with ``contract.NEXT_TRY_FORMAT``; a test keeps the two in step).
SERVER_NEXT_TRY = re.compile(r"; next try \d{4}-\d\d-\d\d \d\d:\d\d UTC$")


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Moment:
    """A server timestamp on the card: ``day`` (a date) or ``when`` (date and time)."""

    iso: str
    style: Literal["day", "when"] = "day"

    def text(self) -> str:
        """The fallback outside the labextension: ISO 8601, in UTC."""
        moment = _parse(self.iso)
        if moment is None:
            return self.iso[:10] if self.style == "day" else self.iso
        moment = moment.astimezone(timezone.utc)
        if self.style == "day":
            return moment.date().isoformat()
        return moment.strftime("%Y-%m-%d %H:%M UTC")

    def html(self) -> str:
        e = html.escape
        if _parse(self.iso) is None:  # nothing the browser could read: the text as it is
            return e(self.text())
        return (
            f'<time class="{TIME_CLASS}" datetime="{e(self.iso, quote=True)}" '
            f'data-style="{self.style}">{e(self.text())}</time>'
        )


Part = str | Moment


def as_text(parts: Iterable[Part]) -> str:
    return "".join(p.text() if isinstance(p, Moment) else p for p in parts)


def as_html(parts: Iterable[Part]) -> str:
    """Text escaped, dates as ``<time>`` elements."""
    return "".join(p.html() if isinstance(p, Moment) else html.escape(p) for p in parts)


def state_detail_parts(response: dict[str, object]) -> list[Part]:
    """The server's ``state_detail`` with its next try as a :class:`Moment`."""
    detail = str(response.get("state_detail") or "")
    nxt = response.get("next_attempt_at")
    retrying = response.get("state") == "failed" and bool(SERVER_NEXT_TRY.search(detail))
    if retrying and isinstance(nxt, str):
        return [SERVER_NEXT_TRY.sub("", detail), "; next try ", Moment(nxt, "when")]
    return [detail]
