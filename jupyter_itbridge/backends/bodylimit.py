"""Fit a ticket body into a ticket system's field limit, marker first (pure).

Why: a body over the limit is refused (Jira, GitHub) or silently cut (ServiceNow's
``max_length``); with our marker at the end, a cut body loses the marker and ``find`` stops
finding the ticket. So the marker goes on top, and a cut body says so visibly and names the
attachment that holds the full text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FittedBody:
    text: str  # what goes into the field (never longer than the limit)
    truncated: bool  # True: attach ``full`` as ``attachment_name``
    full: str  # the whole body, marker first
    attachment_name: str


def attachment_name(request_uuid: str) -> str:
    return f"itbridge-request-{request_uuid[:8]}.txt"


def fit_body(body: str, marker: str, limit: int, request_uuid: str) -> FittedBody:
    """``marker`` first, then ``body`` without its marker line, cut to ``limit`` characters
    with a notice that names the attached full text."""
    lines = [line for line in body.splitlines() if line.strip() != marker]
    full = f"{marker}\n\n" + "\n".join(lines).strip()
    name = attachment_name(request_uuid)
    if len(full) <= limit:
        return FittedBody(full, False, full, name)
    cut_at = limit
    for _ in range(3):  # the notice's number has a width; settle it
        notice = (
            f"\n\n[itbridge: truncated here, {len(full) - cut_at} more characters; "
            f"the full text is attached as {name}]"
        )
        cut_at = max(len(marker), limit - len(notice))
    return FittedBody(full[:cut_at].rstrip() + notice, True, full, name)
