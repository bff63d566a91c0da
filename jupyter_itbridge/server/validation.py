"""Pure checks of what clients send: bounded drafts, request ids versus UUIDs, comment text.

Why apart from the service: these decide what a user's input becomes (or which 4xx it gets)
without touching the store, so they are tested alone and run off the event loop. Pure: no
I/O, no Jupyter imports.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ..contract import URGENCIES
from ..findings import RequestDraft

#: Longest accepted text per field; longer text is truncated with a notice (never rejected).
FIELD_LIMITS: dict[str, int] = {
    "summary": 300,
    "description": 20_000,
    "justification": 10_000,
    "notebook_path": 1_024,
    "kind": 64,
    "subject": 300,
    "fingerprint": 128,
}
ENV_MAX_KEYS = 100
ENV_MAX_VALUE = 2_000
FINDING_MAX_STRING = 4_000
FINDING_MAX_ITEMS = 50
COMMENT_MAX = 10_000
_STRING_FIELDS = ("summary", "description", "justification", "kind", "subject", "fingerprint")

#: A client's idempotency key: 8-64 letters, digits or dashes, starting with a letter or digit.
UUID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{7,63}")
#: A number as users write a request's: ``5`` or ``#5``, no leading zero.
NUMBER_RE = re.compile(r"#?([1-9][0-9]*)")
#: Longest request number looked up (SQLite's INTEGER is 64-bit).
MAX_ID_DIGITS = 18


class ServiceError(Exception):
    """A client error with its HTTP status (400, 404, 409); the message is shown to the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_request_key(key: str | int) -> int | str | None:
    """What ``requests/{key}`` names: an ``int`` request id, a ``str`` UUID, or None (neither).

    The rule (also in openapi.yaml): ``5`` or ``#5`` - digits without a leading zero - is the
    request's number; anything else that is shaped like a UUID is looked up as one. The two are
    never mixed: ``00000002`` is a UUID, not request #2, and a UUID cannot be such a number
    (:func:`check_request_uuid`), so no key can mean two requests.
    """
    text = str(key).strip()
    number = NUMBER_RE.fullmatch(text)
    if number:
        digits = number.group(1)
        return int(digits) if len(digits) <= MAX_ID_DIGITS else None
    return text if UUID_RE.fullmatch(text) else None


def check_request_uuid(value: str) -> str:
    """A client-chosen UUID, or ServiceError(400): well-formed and never a request number."""
    if not UUID_RE.fullmatch(value):
        raise ServiceError(400, "'uuid' must be 8-64 letters, digits or dashes.")
    if NUMBER_RE.fullmatch(value):
        raise ServiceError(
            400, "'uuid' must not be a plain number (numbers name requests by their id)."
        )
    return value


def truncate(text: str, limit: int, field: str, notices: list[str]) -> str:
    """``text`` cut to ``limit`` characters, with a notice naming the field when it was cut."""
    if len(text) <= limit:
        return text
    notices.append(f"'{field}' was truncated from {len(text)} to {limit} characters.")
    return text[:limit] + f" [... truncated: {len(text) - limit} characters removed]"


def bound_json(value: Any, depth: int = 0) -> Any:
    """Cap strings, list lengths and depth inside a finding (kernels send tracebacks)."""
    if depth > 6:
        return "[... nested too deeply]"
    if isinstance(value, str):
        if len(value) > FINDING_MAX_STRING:
            cut = len(value) - FINDING_MAX_STRING
            return value[:FINDING_MAX_STRING] + f" [... truncated: {cut} characters removed]"
        return value
    if isinstance(value, dict):
        items = list(value.items())[:FINDING_MAX_ITEMS]
        return {str(k)[:200]: bound_json(v, depth + 1) for k, v in items}
    if isinstance(value, (list, tuple)):
        out = [bound_json(v, depth + 1) for v in value[:FINDING_MAX_ITEMS]]
        if len(value) > FINDING_MAX_ITEMS:
            out.append(f"[... {len(value) - FINDING_MAX_ITEMS} more items removed]")
        return out
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN/Infinity are not JSON
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:FINDING_MAX_STRING]


def draft_fields(draft: RequestDraft) -> dict[str, Any]:
    """Shallow field dict (``asdict`` deep-copies, which costs more than the whole insert)."""
    return {name: getattr(draft, name) for name in RequestDraft.__dataclass_fields__}


def validate_draft(data: Any) -> tuple[RequestDraft, list[str]]:
    """JSON body -> RequestDraft with bounded fields. ServiceError(400) names the bad field."""
    if not isinstance(data, dict):
        raise ServiceError(400, "The request must be a JSON object.")
    data = dict(data)
    finding = data.get("finding")
    if finding is not None and not isinstance(finding, dict):
        raise ServiceError(400, "'finding' must be an object or null.")
    if not data.get("summary") and finding and isinstance(finding.get("title"), str):
        data["summary"] = finding["title"]
    for name in (*_STRING_FIELDS, "notebook_path"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ServiceError(400, f"'{name}' must be a string.")
    if not isinstance(data.get("summary"), str) or not data["summary"].strip():
        raise ServiceError(400, "'summary' is required and must be a non-empty string.")
    urgency = data.get("urgency", "normal")
    if urgency is None:
        urgency = "normal"
    if urgency not in URGENCIES:
        raise ServiceError(400, f"'urgency' must be one of {', '.join(URGENCIES)}.")
    environment = data.get("environment")
    if environment is None:
        environment = {}
    if not isinstance(environment, dict):
        raise ServiceError(400, "'environment' must be an object.")

    notices: list[str] = []
    fields: dict[str, Any] = {"urgency": urgency}
    for name, limit in FIELD_LIMITS.items():
        value = data.get(name)
        if value is not None:
            fields[name] = truncate(value, limit, name, notices)
    fields["summary"] = " ".join(fields["summary"].split())  # one line for ticket subjects
    if len(environment) > ENV_MAX_KEYS:
        notices.append(f"'environment' was cut to its first {ENV_MAX_KEYS} entries.")
    env: dict[str, str] = {}
    for key, value in list(environment.items())[:ENV_MAX_KEYS]:
        text = value if isinstance(value, str) else json.dumps(bound_json(value), default=str)
        env[str(key)[:100]] = truncate(text, ENV_MAX_VALUE, f"environment.{key}", notices)
    fields["environment"] = env
    if finding is not None:
        bounded = bound_json(finding)
        if bounded != finding:
            notices.append("'finding' was too large and was shortened.")
        fields["finding"] = bounded
    package_facts = data.get("package_facts")
    if package_facts is not None:
        if not isinstance(package_facts, dict):
            raise ServiceError(400, "'package_facts' must be an object or null.")
        fields["package_facts"] = bound_json(package_facts)
    return RequestDraft(**fields), notices  # every field was checked above: cannot raise


def check_comment(text: Any, notices: list[str]) -> str:
    """A comment's text, bounded; ServiceError(400) if it is not a non-empty string."""
    if not isinstance(text, str) or not text.strip():
        raise ServiceError(400, "'text' is required and must be a non-empty string.")
    return truncate(text, COMMENT_MAX, "text", notices)


def check_incident_id(incident_id: Any) -> int:
    """An incident id as sent (a JSON integer), or ServiceError(400)."""
    if isinstance(incident_id, bool) or not isinstance(incident_id, int):
        raise ServiceError(400, "'incident_id' must be an integer (an incident's id).")
    return incident_id


@dataclass(frozen=True)
class PreparedRequest:
    """A filed body after validation and redaction: what ``commit`` stores, nothing else to do.

    ``client_uuid`` says whether the client chose ``uuid`` (its idempotency key) or we did.
    """

    uuid: str
    client_uuid: bool
    draft: RequestDraft
    fields: dict[str, Any]
    body: str
    notices: list[str]
