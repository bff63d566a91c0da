"""Show a request card under a failing cell: build the draft, pick the view, display it.

The parts: :mod:`card_state` (pure content and display bundle), :mod:`card_send` (filing),
:mod:`card_widget` (the ipywidgets card, or a static one without ipywidgets). The hook and
``%itbridge request`` call :func:`show_card` / :func:`show_request_card`.
"""

from __future__ import annotations

from typing import Any

from ..contract import PACKAGE_KINDS
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
    # The evidence (exception, message, traceback tail) is rendered in its own section, and
    # the explanation - shown on the card - by render_body: Details is the user's own.
    where = f"Where: notebook {path}" if path else "Where: a notebook in this Jupyter session"
    draft = RequestDraft.from_finding(finding, env)
    draft.description = where
    draft.notebook_path = path
    return draft


def make_card(state: CardState) -> Card | StaticCard:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return StaticCard(state)
    return Card(state)


def package_facts(
    finding: Finding | None, policy: Any, client: Any = None
) -> dict[str, Any] | None:
    """The server's ``GET packages/{subject}`` answer for a package finding, or None.

    Asked only when the policy names an index (the server reads it, never the kernel).
    """
    if finding is None or finding.kind not in PACKAGE_KINDS:
        return None
    if not (getattr(policy, "package_index_url", "") or getattr(policy, "cran_url", "")):
        return None
    from .client import ServerClient

    client = client or ServerClient()
    return client.get_package_facts(finding.subject) if client.configured else None


def _show(finding: Finding | None, bridge: Any, text: str = "") -> Card | StaticCard:
    policy = getattr(bridge, "policy", None)
    draft = build_draft(finding, bridge, text)
    facts = package_facts(finding, policy)
    if facts is not None:  # the preview then shows the "Package facts" section IT receives
        draft.package_facts = {"facts": facts["facts"], "policy": facts.get("policy")}
    state = CardState(finding, draft, policy, facts=facts)
    card = make_card(state)
    card.display()
    return card


def show_card(finding: Finding, bridge: Any = None) -> Card | StaticCard:
    """Build and display the card for one finding (called by the hook)."""
    return _show(finding, bridge)


def show_request_card(bridge: Any = None, text: str = "") -> Card | StaticCard:
    """``%itbridge request [text]``: a free-form request prefilled with the environment."""
    return _show(None, bridge, text)
