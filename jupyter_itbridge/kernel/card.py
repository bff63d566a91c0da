"""The request card shown under a failing cell: explanation, self-service fix, request to IT.

Two layers:

* :class:`CardState` - pure: the finding, the editable draft, the redacted payload (exactly
  what will be sent), the send result, and the mime bundle (``application/vnd.jupyter.itbridge.
  finding+json`` + ``text/plain`` + ``text/html``) that any frontend, nbconvert or test reads.
* :class:`Card` - the ipywidgets view over it (ipywidgets is imported here, on the first
  failure, never at kernel start). Its widget's ``_repr_mimebundle_`` adds the bundle above to
  the widget view, and the display is updated in place after sending so the static copy in the
  notebook file shows the request id too.

User text is only ever put into widget *values* (rendered as text by ipywidgets) or escaped
with :func:`html.escape` in HTML.
"""

from __future__ import annotations

import contextlib
import html
import uuid
from typing import Any

from ..contract import MIME_TYPE, URGENCIES
from ..findings import Finding, RequestDraft, render_body

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
    ss = finding.self_service
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


def build_draft(finding: Finding | None, bridge: Any = None, free_text: str = "") -> RequestDraft:
    """The prefilled request: summary, what failed and where, evidence, environment."""
    from .environment import collect, notebook_path

    user_ns = getattr(getattr(bridge, "ipython", None), "user_ns", None)
    path = notebook_path(user_ns)
    env = collect(finding.to_dict() if finding else None, user_ns)
    if finding is None:
        summary = free_text.strip().splitlines()[0][:200] if free_text.strip() else ""
        return RequestDraft(
            summary=summary or "Request from a notebook",
            description=free_text.strip(),
            environment=env,
            notebook_path=path,
        )
    # The evidence (exception, message, traceback tail) is rendered in its own section.
    where = f"Where: notebook {path}" if path else "Where: a notebook in this Jupyter session"
    description = "\n".join(x for x in (finding.explanation, where) if x)
    draft = RequestDraft.from_finding(finding, env)
    draft.description = description
    draft.notebook_path = path
    return draft


class CardState:
    """Everything the card shows and sends, independent of the widget toolkit."""

    def __init__(self, finding: Finding | None, draft: RequestDraft, policy: Any = None) -> None:
        self.finding = finding
        self.draft = draft
        self.policy = policy
        self.request_uuid = str(uuid.uuid4())
        self.status = "draft"  # draft | filed | saved_offline | error | dismissed
        self.message = ""
        self.response: dict[str, Any] = {}
        self.saved_path: str | None = None
        self.sending = False

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
    def justification_hint(self) -> str:
        if self.finding is None:
            return FREE_FORM_HINT
        return JUSTIFICATION_HINTS.get(self.finding.kind, FREE_FORM_HINT)

    def redacted_draft(self) -> RequestDraft:
        """The draft exactly as it will be sent: every field through ``redact``."""
        return RequestDraft.from_dict(_redact_obj(self.draft.to_dict()))

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
            "request_uuid": self.request_uuid,
            "justification_hint": self.justification_hint,
            "state": {
                "status": self.status,
                "message": self.message,
                "request": self.response or None,
                "saved_path": self.saved_path,
            },
        }

    def status_text(self) -> str:
        if self.status == "filed":
            r = self.response
            rid = r.get("id", "?")
            if r.get("deduped"):
                when = str(r.get("created_at") or "")[:10] or "an earlier date"
                text = f"Already requested on {when} (#{rid}); your note was added to it."
            else:
                text = f"Request #{rid} filed - state: {r.get('state', 'queued')}"
                detail = r.get("state_detail")
                text += f" ({detail})." if detail and detail != r.get("state") else "."
            if r.get("ticket_url"):
                text += f" Ticket: {r['ticket_url']}"
            return text
        contact_url = getattr(self.policy, "it_contact_url", "")
        if self.status in ("error", "saved_offline") and contact_url:
            contact = getattr(self.policy, "it_contact", "") or "IT"
            return f"{self.message} You can also reach {contact} at {contact_url}."
        return self.message

    def text_plain(self) -> str:
        lines = [f"[IT bridge] {self.title}"]
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
        if self.explanation:
            parts.append(f'<div class="jp-ITBridge-explanation">{e(self.explanation)}</div>')
        if ss_text or ss_command:
            parts.append(
                f'<div class="jp-ITBridge-selfservice">{e(ss_text)} '
                f'<code class="jp-ITBridge-command">{e(ss_command)}</code></div>'
            )
        status = self.status_text()
        if status:
            parts.append(f'<div class="jp-ITBridge-status">{e(status)}</div>')
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
        """File the request once (idempotent UUID); returns True when a result was reached."""
        from .client import submit

        if self.sending or self.status in ("filed", "saved_offline"):
            return False
        error = self.validation_error()
        if error:
            self.status, self.message = "error", error
            return False
        self.sending = True
        try:
            result = submit(self.redacted_draft().to_dict(), self.request_uuid, client)
        finally:
            self.sending = False
        if result.filed:
            self.status, self.response, self.message = "filed", result.response, ""
        elif result.saved_path:
            self.status, self.saved_path = "saved_offline", result.saved_path
            # The technical detail (result.error) is in the saved file, for IT.
            self.message = (
                f"Could not send to IT right now: {result.hint}. Your request was saved to "
                f"{result.saved_path}; it will be filed when the Jupyter server next starts."
            )
        else:
            self.status = "error"
            reason = (result.error or "").rstrip(".")
            self.message = (
                f"The request was not filed: {reason}. Please correct it and press Send to IT "
                "again."
            )
        return True


def _card_widget_class() -> type:
    """A VBox whose display bundle also carries the finding JSON and text fallbacks."""
    import ipywidgets as w

    class CardWidget(w.VBox):
        _itbridge_state: Any = None

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            data = super()._repr_mimebundle_(**kwargs)
            if data is None or self._itbridge_state is None:
                return data
            data.update(self._itbridge_state.bundle())  # our text/plain replaces the widget's
            return data

    return CardWidget


_WIDGET_CLASS: type | None = None


class Card:
    """The interactive card. Attributes are the widgets (tests click ``send_button``)."""

    def __init__(self, state: CardState, client: Any = None) -> None:
        global _WIDGET_CLASS
        import ipywidgets as w

        if _WIDGET_CLASS is None:
            _WIDGET_CLASS = _card_widget_class()
        self.state = state
        self.client = client
        self.handle: Any = None
        e = html.escape

        title = w.HTML(f"<b>{e(state.title)}</b>")
        title.add_class("jp-ITBridge-title")
        explanation = w.HTML(e(state.explanation))
        explanation.add_class("jp-ITBridge-explanation")
        children: list[Any] = [title, explanation]

        ss_text, ss_command = self_service_parts(state.finding, state.policy)
        if ss_text or ss_command:
            label = w.HTML(f"<b>Fix it yourself:</b> {e(ss_text)}")
            label.add_class("jp-ITBridge-selfservice")
            children.append(label)
            if ss_command:
                self.command = w.Text(value=ss_command, description="Command:")
                self.command.add_class("jp-ITBridge-command")
                children.append(self.command)

        self.summary = w.Text(value=state.draft.summary, description="Summary:")
        self.summary.add_class("jp-ITBridge-summary")
        self.description = w.Textarea(value=state.draft.description, description="Details:")
        self.description.add_class("jp-ITBridge-description")
        self.justification = w.Textarea(
            value="", placeholder=state.justification_hint, description="Justification:"
        )
        self.justification.add_class("jp-ITBridge-justification")
        self.urgency = w.Dropdown(
            options=list(URGENCIES), value=state.draft.urgency, description="Urgency:"
        )
        self.urgency.add_class("jp-ITBridge-urgency")
        self.preview = w.HTML()
        self.preview.add_class("jp-ITBridge-preview-body")
        preview_box = w.Accordion(children=[self.preview])
        preview_box.set_title(0, "What will be sent")
        preview_box.selected_index = None
        preview_box.add_class("jp-ITBridge-preview")

        self.send_button = w.Button(description="Send to IT", button_style="primary")
        self.send_button.add_class("jp-ITBridge-send")
        self.copy_button = w.Button(description="Copy as text")
        self.copy_button.add_class("jp-ITBridge-copy")
        self.dismiss_button = w.Button(description="Dismiss")
        self.dismiss_button.add_class("jp-ITBridge-dismiss")
        actions = w.HBox([self.send_button, self.copy_button, self.dismiss_button])
        actions.add_class("jp-ITBridge-actions")
        self.copy_area = w.Textarea(value="", layout=w.Layout(display="none", width="100%"))
        self.copy_area.add_class("jp-ITBridge-copytext")
        self.status = w.HTML("")
        self.status.add_class("jp-ITBridge-status")

        request = w.VBox(
            [self.summary, self.description, self.justification, self.urgency, preview_box]
        )
        request.add_class("jp-ITBridge-request")
        if ss_text or ss_command:  # the fix comes first, the request is secondary
            ask = w.Accordion(children=[request])
            ask.set_title(0, f"Or ask {getattr(state.policy, 'it_contact', 'IT')} instead")
            ask.selected_index = None
            ask.add_class("jp-ITBridge-ask")
            children.append(ask)
        else:
            children.append(request)
        children += [actions, self.copy_area, self.status]

        self.widget = _WIDGET_CLASS(children)
        self.widget._itbridge_state = state
        self.widget.add_class("jp-ITBridge-card")
        self.widget.add_class(f"jp-ITBridge-kind-{state.kind}")

        for field in (self.summary, self.description, self.justification, self.urgency):
            field.observe(self._on_edit, names="value")
        self.send_button.on_click(self._on_send)
        self.copy_button.on_click(self._on_copy)
        self.dismiss_button.on_click(self._on_dismiss)
        self._refresh_preview()

    # ------------------------------------------------------------------ events
    def _sync(self) -> None:
        d = self.state.draft
        d.summary = self.summary.value
        d.description = self.description.value
        d.justification = self.justification.value
        d.urgency = self.urgency.value

    def _refresh_preview(self) -> None:
        self.preview.value = f"<pre>{html.escape(self.state.preview())}</pre>"

    def _on_edit(self, _change: Any) -> None:
        self._sync()
        self._refresh_preview()
        if self.copy_area.layout.display != "none":  # once revealed, the box follows edits
            self.copy_area.value = self.state.preview()
        if self.state.status == "error" and not self.state.validation_error():
            self.status.value = ""

    def _on_send(self, _button: Any = None) -> None:
        if self.send_button.disabled:
            return
        self.send_button.disabled = True  # first click wins; the UUID covers the rest
        self._sync()
        self.send_button.description = "Sending..."
        try:
            self.state.send(self.client)
        except Exception as err:  # never leave the button stuck
            self.state.status = "error"
            self.state.message = (
                f"Sending failed because of an error in jupyter-itbridge ({type(err).__name__}: "
                f"{err}). Use Copy as text to send the request to IT another way."
            )
        if self.state.status in ("filed", "saved_offline"):
            self.send_button.description = (
                "Sent" if self.state.status == "filed" else "Saved offline"
            )
            for field in (self.summary, self.description, self.justification, self.urgency):
                field.disabled = True
        else:
            self.send_button.description = "Send to IT"
            self.send_button.disabled = False
        self._show_status()
        self.update_display()

    def _show_status(self) -> None:
        text = self.state.status_text()
        link = (
            (self.state.response or {}).get("ticket_url") if self.state.status == "filed" else None
        )
        value = html.escape(text)
        if link and str(link).startswith(("http://", "https://")):
            value += (
                f' <a href="{html.escape(str(link), quote=True)}" target="_blank" '
                'rel="noopener noreferrer">Open ticket</a>'
            )
        self.status.value = value
        for cls in ("jp-ITBridge-ok", "jp-ITBridge-error", "jp-ITBridge-offline"):
            self.status.remove_class(cls)
        self.status.add_class(
            {"filed": "jp-ITBridge-ok", "saved_offline": "jp-ITBridge-offline"}.get(
                self.state.status, "jp-ITBridge-error"
            )
        )

    def _on_copy(self, _button: Any = None) -> None:
        self._sync()
        self.copy_area.value = self.state.preview()
        self.copy_area.layout.display = ""

    def _on_dismiss(self, _button: Any = None) -> None:
        self.state.status = "dismissed" if self.state.status == "draft" else self.state.status
        self.widget.layout.display = "none"
        self.update_display()

    # ----------------------------------------------------------------- display
    def display(self) -> None:
        from IPython.display import display

        self.handle = display(self.widget, display_id=True)

    def update_display(self) -> None:
        """Refresh the static copy (finding JSON, text, HTML) kept in the notebook file."""
        if self.handle is not None:
            with contextlib.suppress(Exception):
                self.handle.update(self.widget)

    def click_send(self) -> None:
        """Same as the button (for scripts and tests)."""
        self.send_button.click()


class StaticCard:
    """No ipywidgets in this kernel: show the bundle (text/html) and allow ``send()`` by code."""

    def __init__(self, state: CardState, client: Any = None) -> None:
        self.state = state
        self.client = client
        self.handle: Any = None

    def display(self) -> None:
        from IPython.display import display

        self.handle = display(self.state.bundle(), raw=True, display_id=True)

    def send(self) -> None:
        self.state.send(self.client)
        if self.handle is not None:
            self.handle.update(self.state.bundle(), raw=True)


def make_card(state: CardState) -> Card | StaticCard:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return StaticCard(state)
    return Card(state)


def _show(finding: Finding | None, bridge: Any, text: str = "") -> Card | StaticCard:
    state = CardState(finding, build_draft(finding, bridge, text), getattr(bridge, "policy", None))
    card = make_card(state)
    card.display()
    return card


def show_card(finding: Finding, bridge: Any = None) -> Card | StaticCard:
    """Build and display the card for one finding (called by the hook)."""
    return _show(finding, bridge)


def show_request_card(bridge: Any = None, text: str = "") -> Card | StaticCard:
    """``%itbridge request [text]``: a free-form request prefilled with the environment."""
    return _show(None, bridge, text)
