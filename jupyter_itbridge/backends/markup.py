"""User text into ticket markup as literal text, and bodies cut to a ticket system's limit.

Why: GitHub and GitLab render issue bodies and comments as Markdown, Jira Data Center as wiki
markup. A traceback or a package name from a notebook can hold ``@someone`` (which notifies
that person), ``#123`` (a link to another issue), ``![x](https://tracker/pixel)`` (an image
fetched by every viewer) or raw HTML. Inside a fenced code block (Markdown) or a
``{noformat}`` block (wiki markup) none of that is interpreted, and the text stays exactly as
the user saw it in the preview, line breaks included.

Size limits: a body over the system's limit is refused (GitHub: 422 over 65,536 characters;
Jira: 32,767). ``fit`` keeps the head of the text, says visibly how much was cut, and is
meant to be used with the marker line *above* the text, so the marker survives any cut.

Pure: imports nothing from the server, kernel or other backends (the Jira backend uses it).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BACKTICK_RUN = re.compile(r"`+")
_TILDE_RUN = re.compile(r"~+")
_NOFORMAT = re.compile(r"\{noformat\}", re.IGNORECASE)
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


def wiki_literal(text: str) -> str:
    """``text`` in a Jira wiki-markup ``{noformat}`` block; a ``{noformat}`` inside the text
    is broken with a zero-width space so it cannot end the block."""
    safe = _NOFORMAT.sub("{\u200bnoformat}", text.rstrip())
    return "{noformat}\n" + safe + "\n{noformat}"


def truncation_notice(shown: int, total: int, where: str) -> str:
    """The visible line that says a body was cut, and where the whole text is."""
    return (
        f"[jupyter-itbridge: text cut to {shown:,} of {total:,} characters to fit this "
        f"ticket system's limit; {where}]"
    )


def fit(
    head: str,
    text: str,
    limit: int,
    *,
    wrap: str = "markdown",
    where: str = "the full text is kept with the request in JupyterLab",
) -> tuple[str, bool]:
    """``head`` (the marker line), a blank line, then ``text`` wrapped as literal markup, cut
    so that the whole stays within ``limit`` characters. Returns ``(body, was_cut)``."""
    wrappers: dict[str, Callable[[str], str]] = {
        "markdown": markdown_literal,
        "wiki": wiki_literal,
        "plain": str.rstrip,
    }
    wrapper = wrappers[wrap]
    body = f"{head}\n\n{wrapper(text)}"
    if len(body) <= limit:
        return body, False
    total = len(text)
    keep = max(0, limit - len(f"{head}\n\n{truncation_notice(total, total, where)}\n\n"))
    for _ in range(8):  # the fence and the notice can change length with the cut: converge
        notice = truncation_notice(keep, total, where)
        body = f"{head}\n\n{notice}\n\n{wrapper(text[:keep])}"
        if len(body) <= limit:
            return body, True
        keep = max(0, keep - (len(body) - limit))
    return body[:limit], True


def strip_marker(text: str, marker: str) -> str:
    """``text`` without our marker line (it goes above the literal block instead)."""
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
