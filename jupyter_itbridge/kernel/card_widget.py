"""The request card as ipywidgets (:class:`Card`), or as a static bundle without them.

ipywidgets is imported here, on the first failure, never at kernel start. The card widget's
``_repr_mimebundle_`` adds :meth:`CardState.bundle` to the widget view, and the display is
updated in place after sending, so the static copy in the notebook file shows the request id
too. User text is only ever put into widget *values* (rendered as text) or HTML-escaped.
"""

from __future__ import annotations

import contextlib
import html
from typing import Any

from ..contract import RESTART_CLASS, URGENCIES
from .card_state import CardState, restart_offered, self_service_parts


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
        children: list[Any] = [title]
        for text, css in ((state.facts_line, "facts"), (state.facts_notice, "facts-policy")):
            if text:  # package facts and the licence/vulnerability rule, before the request
                line = w.HTML(e(text))
                line.add_class(f"jp-ITBridge-{css}")
                children.append(line)
        children.append(explanation)

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
        # Shown once IT resolved an install. A kernel cannot restart itself: the labextension
        # handles a click on this class by restarting the kernel of the button's notebook
        # (the same command, and confirmation dialog, as the notification's "Restart kernel").
        self.restart_button = w.Button(
            description="Restart kernel",
            tooltip="Restart this notebook's kernel to use what IT installed",
            layout=w.Layout(display="none"),
        )
        self.restart_button.add_class(RESTART_CLASS)
        actions = w.HBox(
            [self.send_button, self.copy_button, self.dismiss_button, self.restart_button]
        )
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
            # the fix is the main path: Send shows (as the main button) once the request is
            # open, so it never asks for a justification the user cannot see
            self.send_button.button_style = ""
            self.send_button.layout.display = "none"
            ask.observe(self._on_ask_toggled, names="selected_index")
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
    def _on_ask_toggled(self, change: Any) -> None:
        if self.state.status in ("filed", "saved_offline"):
            return
        shown = change.get("new") == 0
        self.send_button.layout.display = "" if shown else "none"
        self.send_button.button_style = "primary" if shown else ""

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
        if self.state.status == "filed":
            self.follow()

    def follow(self) -> None:
        """Follow the filed request's state live (``card_follow``), redrawing the status."""
        from .card_follow import follow

        def redraw() -> None:
            self._show_status()
            self.update_display()

        follow(self.state, self.client or _default_client(), redraw)

    def _show_status(self) -> None:
        filed = self.state.status == "filed"
        link = (self.state.response or {}).get("ticket_url") if filed else None
        value = self.state.status_html()
        if link and str(link).startswith(("http://", "https://")):
            value += (
                f' <a href="{html.escape(str(link), quote=True)}" target="_blank" '
                'rel="noopener noreferrer">Open ticket</a>'
            )
        self.status.value = value
        restart = filed and restart_offered(self.state.response or {})
        self.restart_button.layout.display = "" if restart else "none"
        self.restart_button.button_style = "primary" if restart else ""
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
        if self.state.is_open:
            self.state.status = "dismissed"
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

    def redisplay(self) -> None:
        """Show the card again under the current cell: the same widget, so what the user
        typed is there; the same display id, so a later update (sent) reaches every copy."""
        if self.handle is None:
            self.display()
        else:
            self.handle.display(self.widget)

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

    def redisplay(self) -> None:
        """Show the card again (same display id), with the draft as it is now."""
        if self.handle is None:
            self.display()
        else:
            self.handle.display(self.state.bundle(), raw=True)

    def send(self) -> None:
        self.state.send(self.client)
        if self.handle is not None:
            self.handle.update(self.state.bundle(), raw=True)


def _default_client() -> Any:
    """The kernel's client to its own server (None when the server is not known)."""
    try:
        from .client import ServerClient

        client = ServerClient()
        return client if client.configured else None
    except Exception:
        return None
