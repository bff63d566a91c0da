"""Show a request card under a failing cell: build the draft, pick the view, display it.

The parts: :mod:`card_state` (pure content and display bundle), :mod:`card_send` (filing),
:mod:`card_widget` (the ipywidgets card, or a static one without ipywidgets). The hook and
``%itbridge request`` call :func:`show_card` / :func:`show_request_card`.
"""

from __future__ import annotations

from typing import Any

from ..findings import Finding, RequestDraft
from .card_state import CardState
from .card_widget import Card, StaticCard


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
