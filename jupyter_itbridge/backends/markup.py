"""User text into ticket markup as literal text, and bodies cut to a ticket system's limit.

Why: GitHub and GitLab render issue bodies and comments as Markdown. A traceback or a package
name from a notebook can hold ``@someone`` (which notifies that person), ``#123`` (a link to
another issue), ``![x](https://tracker/pixel)`` (an image fetched by every viewer) or raw HTML.
Inside a fenced code block none of that is interpreted, and the text stays exactly as the user
saw it in the preview, line breaks included. Jira's own literal forms (wiki ``{noformat}``,
Atlassian Document Format) are in :mod:`jira_text`; the Jira backend cuts their text with
``fit_body`` here, as ServiceNow does.

Size limits: a body over the system's limit is refused (GitHub: 422 over 65,536 characters;
Jira: 32,767) or silently cut (ServiceNow's ``max_length``); with our marker at the end, a cut
body would lose it and ``find`` would stop finding the ticket. So the marker always goes on
top and a cut says so visibly, in one of two shapes: ``fit`` (the notice above the literal
block; the full text stays in JupyterLab or behind a link: GitHub, GitLab) and ``fit_body``
(the notice at the cut, naming the attachment that holds the full text: Jira, ServiceNow).

Pure: imports nothing from the server, kernel or other backends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_BACKTICK_RUN = re.compile(r"`+")
_TILDE_RUN = re.compile(r"~+")
_PLAIN = re.compile(r"[\w\s.,;'?()+-]*")
#: Hidden tag (an HTML comment, not rendered) on every comment or note we post to GitHub or
#: GitLab: how reading the conversation back tells ours from IT's.
OUR_TAG = "<!-- jupyter-itbridge -->"


def markdown_literal(text: str) -> str:
    """``text`` as a fenced code block that no content can close early (CommonMark: a fence
    closes only with at least as many backticks as it opened with)."""
    longest = max((len(m) for m in _BACKTICK_RUN.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def markdown_inline(text: str) -> str:
    """One line of user text (a summary in a comment) as inline code: no mention, link,
    image or HTML is interpreted."""
    line = " ".join(text.split())
    longest = max((len(m) for m in _BACKTICK_RUN.findall(line)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{ticks}{pad}{line}{pad}{ticks}" if line else ""


def truncation_notice(shown: int, total: int, where: str) -> str:
    """The visible line that says a body was cut, and where the whole text is."""
    return (
        f"[jupyter-itbridge: text cut to {shown:,} of {total:,} characters to fit this "
        f"ticket system's limit; {where}]"
    )


def _shrink(limit: int, keep: int, render: Callable[[int], str], floor: int = 0) -> str:
    """``render(keep)`` for the largest ``keep`` this finds whose result fits ``limit`` (a
    fence or a notice can change length with the cut: converge, never below ``floor``)."""
    for _ in range(8):
        body = render(keep)
        if len(body) <= limit:
            return body
        keep = max(floor, keep - (len(body) - limit))
    return body[:limit]


def fit(
    head: str,
    text: str,
    limit: int,
    *,
    wrap: Callable[[str], str] = markdown_literal,
    where: str = "the full text is kept with the request in JupyterLab",
) -> tuple[str, bool]:
    """``head`` (the marker line), a blank line, then ``text`` wrapped as literal markup, cut
    so that the whole stays within ``limit`` characters. Returns ``(body, was_cut)``."""
    body = f"{head}\n\n{wrap(text)}"
    if len(body) <= limit:
        return body, False
    total = len(text)

    def render(keep: int) -> str:
        return f"{head}\n\n{truncation_notice(keep, total, where)}\n\n{wrap(text[:keep])}"

    keep = max(0, limit - len(f"{head}\n\n{truncation_notice(total, total, where)}\n\n"))
    return _shrink(limit, keep, render), True


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
    with a notice at the cut that names the attached full text."""
    lines = "\n".join(body.splitlines())  # every line end (\r\n, \x0c ...) becomes \n
    full = f"{marker}\n\n" + strip_marker(lines, marker).strip()
    name = attachment_name(request_uuid)
    if len(full) <= limit:
        return FittedBody(full, False, full, name)

    def render(cut: int) -> str:
        return full[:cut].rstrip() + (
            f"\n\n[itbridge: truncated here, {len(full) - cut} more characters; "
            f"the full text is attached as {name}]"
        )

    cut = max(len(marker), limit - (len(render(limit)) - limit))
    return FittedBody(_shrink(limit, cut, render, len(marker)), True, full, name)


def strip_marker(text: str, marker: str) -> str:
    """``text`` without our marker line (it goes on top instead)."""
    return "\n".join(line for line in text.split("\n") if line.strip() != marker).strip("\n")


def comment_body(text: str, limit: int) -> str:
    """Our comment: the hidden tag, then the text (literal unless it is plain prose)."""
    if _PLAIN.fullmatch(text) and "\n" not in text.strip():
        body = f"{text.strip()}\n\n{OUR_TAG}"
        if len(body) <= limit:
            return body
    return fit(OUR_TAG, text, limit)[0]


def our_text(body: str) -> str:
    """The text of a comment we posted, without our tag and fence."""
    text = body.replace(OUR_TAG, "").strip()
    match = re.fullmatch(r"(?s)(`{3,})text\n(.*)\n\1", text)
    return match.group(2) if match else text
