"""Request text into Jira as literal text: wiki markup (REST v2, Data Center, JSM) or Atlassian
Document Format (REST v3, Cloud), and back to plain text for messages (pure).

Why: Jira renders wiki markup, so a traceback's ``[~alice]`` mentions someone, ``[x|http://..]``
and bare URLs become live links, ``!http://../pixel.png!`` an image every viewer fetches. Inside
``{noformat}`` nothing is interpreted. In ADF (Cloud's v3 API) text nodes are never parsed as
markup at all; a code block keeps the line breaks and shows no link.

This is the one module for Jira's markup; what every backend shares (the marker on top, bodies
fitted to a limit with a visible cut notice) is in :mod:`markup`.
"""

from __future__ import annotations

import json
import re
from typing import Any

_NOFORMAT_TAG = re.compile(r"\{noformat", re.IGNORECASE)


def wiki_literal(text: str) -> str:
    """``text`` in a ``{noformat}`` block no content can close early (a zero-width space
    after the ``{`` of any ``{noformat`` in the text)."""
    return "{noformat}\n" + _NOFORMAT_TAG.sub("{\u200bnoformat", text.rstrip()) + "\n{noformat}"


def wiki_body(head: str, text: str) -> str:
    """``head`` (our marker line: hex and hyphens, nothing to escape) over the literal text."""
    return f"{head}\n\n{wiki_literal(text)}" if text.strip() else head


def adf_body(head: str, text: str) -> dict[str, Any]:
    """An ADF document: ``head`` as a paragraph, ``text`` as a code block (ADF forbids empty
    text nodes, so empty parts are left out)."""
    content: list[dict[str, Any]] = []
    if head:
        content.append({"type": "paragraph", "content": [{"type": "text", "text": head}]})
    if text.strip():
        content.append({"type": "codeBlock", "content": [{"type": "text", "text": text.rstrip()}]})
    return {"type": "doc", "version": 1, "content": content}


_BLOCKS = {"paragraph", "codeBlock", "heading", "listItem", "blockquote", "panel", "rule"}


def adf_text(node: Any) -> str:
    """Plain text of an ADF document (blocks on their own lines; mentions by their text)."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text") or "")
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji", "status", "date"):
        return str((node.get("attrs") or {}).get("text") or "")
    inner = "".join(adf_text(c) for c in node.get("content") or [])
    if kind == "doc":
        return inner.strip("\n")
    return inner + "\n" if kind in _BLOCKS else inner


def wiki_text(body: str) -> str:
    """A comment written by us comes back as ``{noformat}`` text: show the text itself."""
    stripped = body.strip()
    if stripped.startswith("{noformat}") and stripped.endswith("{noformat}") and len(stripped) > 20:
        return stripped[len("{noformat}") : -len("{noformat}")].strip("\n").replace("\u200b", "")
    return body


def uuid_label(request_uuid: str) -> str:
    """The per-request label (Jira labels cannot contain spaces; a UUID has none)."""
    return f"itbridge-{request_uuid}"


def plain_text(value: Any) -> str:
    """A description as searchable text: API v2 gives a string, API v3 an ADF document (our
    UUID is hex and hyphens, so it survives JSON encoding unchanged)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
