"""The one vocabulary shared by kernel, server and backends: findings and request drafts.

Pure data (no Jupyter imports) so that the kernel, the server, the CLI and the tests agree on
one JSON form. The names they share (kinds, states, MIME type, marker) are declared in
:mod:`jupyter_itbridge.contract` and only re-exported here.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from .contract import (
    CONFIDENCES,
    KINDS,
    MARKER_PREFIX,
    MIME_TYPE,  # re-exported: tests and nbconvert users import it from here
    PACKAGE_KINDS,
    URGENCIES,
)
from .facts_format import facts_section
from .install_needs import what_to_install
from .pep503 import normalize_name
from .summaries import request_summary

__all__ = [
    "CONFIDENCES",
    "KINDS",
    "MARKER_PREFIX",
    "MIME_TYPE",
    "URGENCIES",
    "Finding",
    "RequestDraft",
    "fingerprint",
    "render_body",
]


def fingerprint(kind: str, subject: str) -> str:
    """Stable id of "the same problem" (kind + subject), used to dedupe cards and tickets.

    Package subjects are PEP 503-normalised first: pip's wheel URL says ``my_pkg`` where the
    requirement says ``My-Pkg``, and both are the same request to IT.
    """
    key = normalize_name(subject) if kind in PACKAGE_KINDS else subject.lower()
    return hashlib.sha256(f"{kind}\x1f{key}".encode()).hexdigest()[:16]


@dataclass
class Finding:
    """One environment problem recognised in an error (never a bug in the user's code)."""

    kind: str
    subject: str
    title: str
    explanation: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    confidence: str = "high"
    self_service: dict[str, Any] | None = None
    policy_rule: str | None = None
    fingerprint: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}; expected one of {KINDS}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"unknown confidence {self.confidence!r}")
        if not self.fingerprint:
            self.fingerprint = fingerprint(self.kind, self.subject)

    @property
    def shown(self) -> bool:
        """Low-confidence findings are kept for ``%itbridge last`` but never shown as a card."""
        return self.confidence != "low"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        if not isinstance(data, dict):
            raise ValueError("a finding must be a JSON object")
        known = {f for f in cls.__dataclass_fields__}
        missing = {"kind", "subject", "title"} - set(data)
        if missing:
            raise ValueError(f"finding is missing {sorted(missing)}")
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class RequestDraft:
    """What the user reviews and edits before it is filed; exactly what is sent."""

    summary: str
    description: str = ""
    justification: str = ""
    urgency: str = "normal"
    kind: str | None = None
    subject: str | None = None
    fingerprint: str | None = None
    finding: dict[str, Any] | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    notebook_path: str | None = None
    #: ``{"facts": ..., "policy": ...}`` from ``GET packages/{name}`` (package requests only;
    #: the server sets it when the request is filed, see ``server/package_facts.py``).
    package_facts: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {URGENCIES}")
        if self.finding and not self.fingerprint:
            self.kind = self.kind or self.finding.get("kind")
            self.subject = self.subject or self.finding.get("subject")
            self.fingerprint = self.finding.get("fingerprint")
        if self.kind and self.subject and not self.fingerprint:
            self.fingerprint = fingerprint(self.kind, self.subject)

    @classmethod
    def from_finding(
        cls, finding: Finding, environment: dict[str, Any] | None = None
    ) -> RequestDraft:
        return cls(
            # the card's headline is the title: the summary says what IT is asked to do
            summary=request_summary(finding.kind, finding.subject, finding.title),
            description="",  # the card shows the explanation; the body carries it (render_body)
            kind=finding.kind,
            subject=finding.subject,
            fingerprint=finding.fingerprint,
            finding=finding.to_dict(),
            environment=dict(environment or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestDraft:
        if not isinstance(data, dict):
            raise ValueError("a request must be a JSON object")
        if not isinstance(data.get("summary"), str) or not data["summary"].strip():
            raise ValueError("'summary' is required and must be a non-empty string")
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


#: Evidence keys shown under another label in the body. ``signature`` is the catalog entry
#: that matched: "signature: <id>" reads as a secret pair to the text redactor, which then
#: changed the stored body after the preview was shown.
EVIDENCE_LABELS = {"signature": "signature id"}


def _catalog_ids() -> frozenset[str]:
    from .detect.catalog import R_SIGNATURES, SIGNATURES  # lazy: only when filing/previewing

    return frozenset(str(s["id"]) for s in (*SIGNATURES, *R_SIGNATURES))


def redact_draft(fields: dict[str, Any]) -> dict[str, Any]:
    """``redact_obj`` of a draft's fields, keeping the finding's catalog signature id.

    Why: the id (``blocked.import_guard``) is public - it ships in the catalog - but sits
    under the key ``signature``, which the key-name rule redacts. Only a value that IS a
    built-in catalog id is kept; anything else under that key is redacted as before.
    Kernel preview and server filing both call this, so both see the same text.
    """
    from .redact import redact_obj

    out: dict[str, Any] = redact_obj(fields)
    finding = fields.get("finding")
    evidence = finding.get("evidence") if isinstance(finding, dict) else None
    signature = evidence.get("signature") if isinstance(evidence, dict) else None
    if isinstance(signature, str) and signature in _catalog_ids():
        out["finding"]["evidence"]["signature"] = signature
    return out


#: Readable labels for the environment keys the kernel collects (``kernel/environment.py``).
ENVIRONMENT_LABELS = {
    "python": "Python",
    "python_executable": "Python environment",
    "os": "Operating system",
    "host": "Host",
    "kernel": "Kernel",
    "jupyterhub_user": "JupyterHub user",
    "image": "Image",
    "limit memory_limit": "Memory limit",
    "limit memory_limit_source": "Memory limit set by",
    "limit memory_usage": "Memory in use",
    "limit memory_peak": "Peak memory use",
    "limit oom_kill_count": "Kernels killed for memory so far",
    "limit RLIMIT_AS": "Address-space limit (RLIMIT_AS)",
    "limit RLIMIT_DATA": "Data-size limit (RLIMIT_DATA)",
}
#: Values that say nothing ("none found"): the line is left out.
UNKNOWN_VALUES = frozenset({"", "none", "none found", "unknown", "n/a", "?"})
LIMIT_SOURCES = {"cgroup1": "cgroup v1", "cgroup2": "cgroup v2", "cgroup v1": "cgroup v1"}


def _environment_name(executable: str) -> str:
    """``/opt/conda/envs/ds/bin/python`` -> ``ds``: the environment, not a server path."""
    parts = [p for p in executable.replace("\\", "/").split("/") if p]
    if len(parts) >= 3 and parts[-2] in ("bin", "Scripts"):
        return parts[-3]
    return parts[-1] if parts else executable


def environment_lines(environment: dict[str, Any] | None) -> list[str]:
    """The environment block: readable labels, no unknowns, no absolute server paths."""
    env = dict(environment or {})
    if str(env.get("limit memory_limit", "")).strip().lower() in UNKNOWN_VALUES:
        env.pop("limit memory_limit_source", None)  # the source of no limit says nothing
    lines = []
    for key, value in env.items():
        text = "" if value is None else str(value).strip()
        if text.lower() in UNKNOWN_VALUES:
            continue
        if key == "python_executable":
            text = _environment_name(text)
        elif key == "limit memory_limit_source":
            text = LIMIT_SOURCES.get(text, text)
        label = ENVIRONMENT_LABELS.get(key)
        if label is None:
            label = f"Package {key[8:]}" if key.startswith("package ") else key
        lines.append(f"{label}: {text}")
    return lines


def _without_explanation(description: str, explanation: str) -> str:
    """``description`` less the explanation (whole, or one line of it): it is said once."""
    if not explanation:
        return description
    if description.strip() == explanation:
        return ""
    return "\n".join(line for line in description.split("\n") if line.strip() != explanation)


def render_body(draft: RequestDraft, request_uuid: str | None = None) -> str:
    """The plain-text ticket body: the preview shows this string and backends send it."""
    lines = [draft.summary, ""]
    # The finding's title and explanation once, then what the user added: Details is the
    # user's own, so lines repeating the explanation (older drafts copied it in) are left out.
    finding = draft.finding or {}
    title = str(finding.get("title") or "").strip()
    explanation = str(finding.get("explanation") or "").strip()
    what = [text for text in (title, explanation) if text and text != draft.summary.strip()]
    details = _without_explanation(draft.description, explanation)
    if details.strip():
        what.append(details)
    if what:
        lines += ["What failed", "-----------", *what, ""]
    evidence = (draft.finding or {}).get("evidence") or {}
    install = what_to_install(draft.kind, draft.subject, evidence, draft.environment)
    if install:
        lines += [f"What IT must install: {install}", ""]
    if evidence:
        lines += ["Evidence", "--------"]
        for key, value in evidence.items():
            if isinstance(value, list):
                value = "\n    ".join(str(v) for v in value)
            lines.append(f"{EVIDENCE_LABELS.get(key, key)}: {value}")
        lines.append("")
    lines += facts_section(draft.package_facts)
    lines += ["Justification", "-------------", draft.justification or "(not given)", ""]
    lines.append(f"Urgency: {draft.urgency}")
    if draft.notebook_path:
        lines.append(f"Notebook: {draft.notebook_path}")
    shown = environment_lines(draft.environment)
    if shown:
        lines += ["", "Environment", "-----------", *shown]
    if request_uuid:
        lines += ["", f"{MARKER_PREFIX} {request_uuid}"]
    return "\n".join(lines)
