"""What a request card shows and sends, independent of any widget toolkit (pure).

:class:`CardState` holds the finding, the editable draft, the redacted payload (exactly what
will be sent), the send result, and builds the display bundle
(``application/vnd.jupyter.itbridge.finding+json`` + ``text/plain`` + ``text/html``) that any
frontend, nbconvert or test reads. The widgets (``card_widget``) and the sending
(``card_send``) sit on top of it. User text is only ever HTML-escaped here.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

from ..contract import MIME_TYPE, RESTART_KINDS
from ..findings import Finding, RequestDraft, render_body
from .card_time import Moment, Part, as_html, as_text, state_detail_parts

#: What IT will ask for each kind: the justification placeholder says it up front.
JUSTIFICATION_HINTS: dict[str, str] = {
    "blocked_package": (
        "Required. What do you need this package for? Is there an approved alternative you "
        "tried, and why does it not fit? Licence and where the data goes, if you know."
    ),
    "missing_package": (
        "Required. What is the package for (project, task)? Its licence if you know it, and "
        "alternatives you considered."
    ),
    "missing_driver": (
        "Required. Which database or system do you need to reach (name, host or team), and "
        "for which project?"
    ),
    "resource_limit": (
        "Required. How big is the dataset (rows, GB on disk), how much memory/disk do you "
        "think you need, and for how long?"
    ),
    "network_blocked": (
        "Required. Which host or URL do you need to reach, what for, and what data goes there?"
    ),
    "access_denied": (
        "Required. Which path or resource do you need access to, what for, and who owns it?"
    ),
    "kernel_died": (
        "Required. What was the notebook doing (dataset size, operation), and how much memory "
        "do you think it needs?"
    ),
}
FREE_FORM_HINT = "Required. What do you need, what is it for, and by when?"


def _redact_obj(obj: Any) -> Any:
    from ..redact import redact_obj

    return redact_obj(obj)


def self_service_parts(finding: Finding | None, policy: Any) -> tuple[str, str]:
    """``(instructions, command)`` the user may apply themselves, or ``("", "")``."""
    if finding is None:
        return "", ""
    text, command = "", ""
    # Typed as a dict, but an admin signature's ``self_service`` may be plain text.
    ss: object = finding.self_service
    if isinstance(ss, dict):
        command = str(ss.get("command") or "")
        text = str(ss.get("text") or ss.get("title") or ss.get("instructions") or "")
    elif isinstance(ss, str):
        text = ss
    if (
        not command
        and not text
        and finding.kind == "missing_package"
        and getattr(policy, "install_mode", "request") == "self-service"
    ):
        from ..detect.packages import pip_install_command  # one format, shared with detection

        command = pip_install_command(finding.subject, policy)
        text = "Your organisation lets you install packages yourself:"
    return text, command


def resolved_parts(response: dict[str, Any]) -> list[Part]:
    """ "Resolved by IT on <date>: restart the kernel to use it. IT: '...'"."""
    resolution = response.get("resolution") if isinstance(response.get("resolution"), dict) else {}
    when = str((resolution or {}).get("at") or response.get("updated_at") or "")
    parts: list[Part] = ["Resolved by IT on ", Moment(when, "day")]
    parts.append(": restart the kernel to use it." if restart_offered(response) else ".")
    message = (resolution or {}).get("message")
    if message:
        parts.append(f" IT: '{message}'")
    return parts


def restart_offered(response: dict[str, Any]) -> bool:
    """IT resolved an install: the kernel must restart to use it ("Restart kernel")."""
    return response.get("state") == "resolved" and response.get("kind") in RESTART_KINDS


class CardState:
    """Everything the card shows and sends, independent of the widget toolkit."""

    def __init__(
        self,
        finding: Finding | None,
        draft: RequestDraft,
        policy: Any = None,
        facts: dict[str, Any] | None = None,
    ) -> None:
        self.finding = finding
        self.draft = draft
        self.policy = policy
        self.facts = facts  # the server's GET packages/{subject} answer (package findings)
        self.request_uuid = str(uuid.uuid4())
        self.status = "draft"  # draft | filed | saved_offline | error | dismissed
        self.message = ""
        self.response: dict[str, Any] = {}
        self.saved_path: str | None = None
        self.sending = False

    @property
    def is_open(self) -> bool:
        """Neither sent (nor saved to be sent) nor dismissed: the draft is still wanted."""
        return self.status in ("draft", "error")

    # ------------------------------------------------------------------ content
    @property
    def kind(self) -> str:
        return self.finding.kind if self.finding else "request"

    @property
    def title(self) -> str:
        if self.finding is None:
            return "Ask IT for something you need"
        return self.finding.title

    @property
    def explanation(self) -> str:
        if self.finding is None:
            return "Describe what you need; the environment below is attached for IT."
        return self.finding.explanation

    @property
    def facts_line(self) -> str:
        """One line of package facts (licence, latest version, Python, vulnerabilities)."""
        return str((self.facts or {}).get("line") or "")

    @property
    def facts_notice(self) -> str:
        """What the licence/vulnerability rule tells the user before sending, or ``""``."""
        policy = (self.facts or {}).get("policy")
        return str(policy.get("message") or "") if isinstance(policy, dict) else ""

    @property
    def justification_hint(self) -> str:
        if self.finding is None:
            return FREE_FORM_HINT
        return JUSTIFICATION_HINTS.get(self.finding.kind, FREE_FORM_HINT)

    def redacted_draft(self) -> RequestDraft:
        """The draft exactly as it will be sent: every field through ``redact``."""
        from ..findings import redact_draft

        return RequestDraft.from_dict(redact_draft(self.draft.to_dict()))

    def preview(self) -> str:
        return render_body(self.redacted_draft(), self.request_uuid)

    def validation_error(self) -> str | None:
        if not self.draft.summary.strip():
            return "Please give the request a summary."
        if not self.draft.justification.strip():
            return "Please fill in the justification: IT needs it to act on the request."
        return None

    # --------------------------------------------------------------- the bundle
    def payload(self) -> dict[str, Any]:
        """The JSON under ``application/vnd.jupyter.itbridge.finding+json``."""
        ss_text, ss_command = self_service_parts(self.finding, self.policy)
        redacted = self.redacted_draft()
        return {
            "version": 1,
            "finding": _redact_obj(self.finding.to_dict()) if self.finding else None,
            "self_service": {"text": ss_text, "command": ss_command}
            if ss_command or ss_text
            else None,
            "draft": redacted.to_dict(),
            "preview": render_body(redacted, self.request_uuid),
            "package_facts": {"line": self.facts_line, "notice": self.facts_notice}
            if self.facts_line or self.facts_notice
            else None,
            "request_uuid": self.request_uuid,
            "justification_hint": self.justification_hint,
            "state": {
                "status": self.status,
                "message": self.message,
                "request": self.response or None,
                "saved_path": self.saved_path,
            },
        }

    def status_parts(self) -> list[Part]:
        """The status line, dates as :class:`Moment` (the page shows them in its language)."""
        if self.status == "filed":
            r = self.response
            rid = r.get("id", "?")
            if r.get("state") == "resolved" and not r.get("deduped"):
                return resolved_parts(r)
            parts: list[Part]
            if r.get("deduped"):
                created = str(r.get("created_at") or "")
                when: Part = Moment(created, "day") if created else "an earlier date"
                parts = ["Already requested on ", when, f" (#{rid}); your note was added to it."]
            else:
                parts = [f"Request #{rid} filed - state: {r.get('state', 'queued')}"]
                detail = r.get("state_detail")
                if detail and detail != r.get("state"):
                    parts += [" (", *state_detail_parts(r), ")."]
                else:
                    parts.append(".")
            if r.get("ticket_url"):
                parts.append(f" Ticket: {r['ticket_url']}")
            return parts
        contact_url = getattr(self.policy, "it_contact_url", "")
        if self.status in ("error", "saved_offline") and contact_url:
            contact = getattr(self.policy, "it_contact", "") or "IT"
            return [f"{self.message} You can also reach {contact} at {contact_url}."]
        return [self.message]

    def status_text(self) -> str:
        return as_text(self.status_parts())

    def status_html(self) -> str:
        """The status line as HTML: text escaped, dates as ``<time>`` (``card_time``)."""
        return as_html(self.status_parts())

    def text_plain(self) -> str:
        lines = [f"[IT bridge] {self.title}"]
        lines += [text for text in (self.facts_line, self.facts_notice) if text]
        if self.explanation:
            lines.append(self.explanation)
        ss_text, ss_command = self_service_parts(self.finding, self.policy)
        if ss_text or ss_command:
            lines.append(f"Fix it yourself: {ss_text} {ss_command}".rstrip())
        status = self.status_text()
        if status:
            lines.append(status)
        elif self.status == "draft":
            lines.append("A prefilled request to IT is available in the card (Send to IT).")
        return "\n".join(lines)

    def text_html(self, preview: str | None = None) -> str:
        """``preview``: the rendered body when the caller has it already (saves a redaction)."""
        e = html.escape
        ss_text, ss_command = self_service_parts(self.finding, self.policy)
        parts = [
            f'<div class="jp-ITBridge-card jp-ITBridge-kind-{e(self.kind)}">',
            f'<div class="jp-ITBridge-title"><b>{e(self.title)}</b></div>',
        ]
        if self.facts_line:
            parts.append(f'<div class="jp-ITBridge-facts">{e(self.facts_line)}</div>')
        if self.facts_notice:
            parts.append(f'<div class="jp-ITBridge-facts-policy">{e(self.facts_notice)}</div>')
        if self.explanation:
            parts.append(f'<div class="jp-ITBridge-explanation">{e(self.explanation)}</div>')
        if ss_text or ss_command:
            parts.append(
                f'<div class="jp-ITBridge-selfservice">{e(ss_text)} '
                f'<code class="jp-ITBridge-command">{e(ss_command)}</code></div>'
            )
        status = self.status_html()
        if status:
            parts.append(f'<div class="jp-ITBridge-status">{status}</div>')
        parts.append(
            '<details class="jp-ITBridge-preview"><summary>What will be sent</summary>'
            f"<pre>{e(self.preview() if preview is None else preview)}</pre></details></div>"
        )
        return "\n".join(parts)

    def bundle(self) -> dict[str, Any]:
        payload = self.payload()
        return {
            MIME_TYPE: payload,
            "text/plain": self.text_plain(),
            "text/html": self.text_html(payload["preview"]),
        }

    # -------------------------------------------------------------------- send
    def send(self, client: Any = None) -> bool:
        """File the request once (idempotent UUID); True when a result was reached."""
        from .card_send import send

        return send(self, client)
