"""The one small interface every ticket system implements.

Backends are synchronous (plain ``requests``); the server's outbox worker calls them from a
thread pool, so a slow ticket system never blocks the Jupyter server's event loop.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from traitlets import Float, Integer, default
from traitlets.config import LoggingConfigurable

from ..contract import COMMENT_MARKER_PREFIX, MARKER_PREFIX, MessageRole
from ..secretmask import SecretMask

#: Words in a trait name that make its value a secret to mask in admin messages.
SECRET_TRAIT_WORDS = ("token", "password", "secret", "private_key", "api_key")
NOT_SECRET_SUFFIXES = ("_url", "_path", "_file", "_endpoint", "_header", "_env")

#: The system comment that tells a ticket its requester cancelled (the ``hub`` backend turns it
#: into a cancel at the relay instead of a comment).
CANCEL_COMMENT = "The requester cancelled this request."


def body_marker(request_uuid: str) -> str:
    """The line ``itbridge-request-id: <uuid>`` that ``find`` looks for in ticket bodies."""
    return f"{MARKER_PREFIX} {request_uuid}"


def short_marker(request_uuid: str) -> str:
    """``[itbridge:xxxxxxxx]`` for subjects and summaries: readable in a mail client or a
    queue view, searchable, and confirmed by the full UUID in the body."""
    return f"[itbridge:{request_uuid[:8]}]"


def comment_marker(key: str) -> str:
    """The line ``itbridge-comment-id: <key>`` the outbox appends to a comment it posts, so a
    backend that can read comments back finds it again (exactly once across a crash) and
    knows the comment was ours (``role="user"``)."""
    return f"{COMMENT_MARKER_PREFIX} {key}"


def split_comment_marker(text: str) -> tuple[str, str | None]:
    """``(text without our comment marker line, the marker's key or None)``."""
    lines = text.rstrip().splitlines()
    if lines and lines[-1].strip().startswith(COMMENT_MARKER_PREFIX):
        key = lines[-1].strip()[len(COMMENT_MARKER_PREFIX) :].strip()
        return "\n".join(lines[:-1]).rstrip(), key or None
    return text, None


def env_default(trait: str, variable: str) -> Any:
    """A trait default read from an environment variable when the backend is built, so that
    credentials can stay out of config files (e.g. ``_token = env_default("token", "X")``)."""
    return default(trait)(lambda self: os.environ.get(variable, ""))


@dataclass
class TicketRef:
    """Where a request landed in the ticket system.

    ``request_uuid`` is filled in by the outbox for status sync and comments (a backend that
    keys on our UUID, like ``hub``, needs it); ``meta`` is what a backend wants kept with the
    request (stored in the request's ``meta`` column, e.g. the relay's requester count).
    """

    id: str
    url: str | None = None
    request_uuid: str | None = None
    meta: dict[str, Any] | None = None


@dataclass
class TicketStatus:
    """A status read that also moves the ticket: ``statuses`` may return this instead of a
    bare state when the ticket ref or the request's ``meta`` changed (the ``hub`` backend
    learns the real ticket only once the relay delivered it)."""

    state: str
    ticket: TicketRef | None = None


@dataclass
class OutgoingRequest:
    """A stored request, as handed to a backend (already redacted)."""

    uuid: str
    summary: str
    body: str
    user: str = ""
    kind: str | None = None
    subject: str | None = None
    fingerprint: str | None = None
    urgency: str = "normal"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def marker(self) -> str:
        """Idempotency marker written into tickets whose only free field is the body."""
        return body_marker(self.uuid)

    @property
    def body_with_marker(self) -> str:
        """The body ending with the marker line (added unless the draft already carries it)."""
        if self.marker in self.body:
            return self.body
        return f"{self.body.rstrip()}\n\n{self.marker}"


@dataclass
class Message:
    """One public or internal message on a ticket (IT's reply, or the user's own comment).

    ``id`` is the ticket system's id for it (unique per ticket: the store dedupes on it);
    ``role`` is ``it`` for IT's side and ``user`` for what the requester (or we, on their
    behalf) wrote; only ``public`` messages are ever shown to users.
    """

    id: str
    role: MessageRole
    author: str
    text: str
    created_at: float  # seconds since the epoch (UTC)
    public: bool = True


class BackendError(Exception):
    """A delivery failure, with what the worker needs to decide what to do next.

    ``retryable``: try again later (5xx, 429, network). ``retry_after``: seconds the server asked
    us to wait. ``admin_message``: one precise sentence for the admin (never contains a secret).
    ``in_doubt``: the call may have taken effect although we got no answer (a read timeout or
    a dropped connection after the request was sent, a 5xx): a create that fails so is "in
    doubt" and is not simply sent again (see ``Outbox``). None: decided from ``status``.
    """

    def __init__(
        self,
        admin_message: str,
        *,
        retryable: bool = True,
        retry_after: float | None = None,
        status: int | None = None,
        in_doubt: bool | None = None,
    ) -> None:
        super().__init__(admin_message)
        self.admin_message = admin_message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status
        if in_doubt is None:  # an answer below 500 is a refusal: nothing was created
            in_doubt = status is not None and (status >= 500 or status == 408)
        self.in_doubt = in_doubt


class Backend(LoggingConfigurable):
    """Base class: subclasses set ``name`` and implement ``create`` (the rest is optional)."""

    name: ClassVar[str] = ""
    #: True when ``find`` can search the ticket system by our request UUID.
    can_find: ClassVar[bool] = False
    #: True when ``status`` reads state from the ticket system (status sync runs).
    can_sync: ClassVar[bool] = False
    #: True when calls block on I/O: the outbox then runs them in a worker thread. A backend
    #: without I/O (``local``) says False, since a thread hop would cost more than the call.
    blocking: ClassVar[bool] = True
    #: Shown to users for a delivered (``sent``) request instead of "sent to IT as <ticket>",
    #: e.g. when delivering only records the request. None: the default text.
    state_detail: ClassVar[str | None] = None
    #: A sentence for admins shown with every request of this backend (e.g. how to connect a
    #: ticket system). None: nothing to say.
    admin_hint: ClassVar[str | None] = None

    #: True when ``messages`` reads the ticket's conversation (IT's replies come back).
    can_message: ClassVar[bool] = False
    #: Default of ``consistency_window``: seconds after a create until ``find`` is sure to
    #: see it (0: ``find`` reads what it wrote at once).
    default_consistency_window: ClassVar[float] = 0.0

    consistency_window = Float(
        help="""Seconds after a create until ``find`` is sure to see the new ticket. When a
        create's answer is lost (timeout, crash), the outbox keeps looking with ``find`` for
        this long before it creates again, so an eventually consistent search never makes a
        duplicate. Default: per backend (see docs/backends.md).""",
    ).tag(config=True)

    @default("consistency_window")
    def _default_consistency_window(self) -> float:
        return self.default_consistency_window

    def secret_values(self) -> list[str]:
        """Every configured secret (traits named like a token, password or key), for masking."""
        out = []
        for name in self.trait_names():
            if name.endswith(NOT_SECRET_SUFFIXES):
                continue  # token_url, private_key_file: where a secret is, not the secret
            if any(word in name for word in SECRET_TRAIT_WORDS):
                value = getattr(self, name, "")
                if isinstance(value, str) and value:
                    out.append(value)
        return out

    def basic_pairs(self) -> list[tuple[str, str]]:
        """``(user, password)`` pairs sent as HTTP Basic (masked in their base64 form too)."""
        return []

    @property
    def mask(self) -> SecretMask:
        """Masks this backend's configured secrets in a message meant for admins."""
        return SecretMask(self.secret_values(), self.basic_pairs())

    #: True when ``comment_posted`` can tell whether a comment (by its marker key) is already
    #: on the ticket: the outbox then appends the marker and asks before posting again.
    can_find_comment: ClassVar[bool] = False
    #: Shown to users in the request's thread when replies do not come back here (``email``:
    #: "IT's replies arrive by mail."). None: nothing to say.
    messages_hint: ClassVar[str | None] = None

    message_reads_per_sync = Integer(
        0,
        help="""Most tickets whose messages one status sync reads (each read costs the ticket
        system one or more API calls; the rest are read on the next syncs, oldest first).
        0: no limit.""",
    ).tag(config=True)

    def create(self, request: OutgoingRequest) -> TicketRef:
        raise NotImplementedError

    def messages(self, ref: TicketRef, since: float | None = None) -> list[Message]:
        """The ticket's messages created after ``since`` (all when None), oldest first.

        Internal ones (RT Comment, ServiceNow work notes, JSM internal comments) come back
        with ``public=False`` so the store can keep them out of users' sight; messages we
        posted ourselves come back with ``role="user"``.
        """
        return []

    def comment_posted(self, ref: TicketRef, key: str) -> bool:
        """Whether a comment carrying ``comment_marker(key)`` is already on the ticket (a
        delivery cut short by a crash after the post); only asked when ``can_find_comment``."""
        return False

    def find(self, request_uuid: str) -> TicketRef | None:
        """Look a request up by its UUID before creating (idempotency). None: not there."""
        return None

    def status(self, ref: TicketRef) -> str | None:
        """Our state (``sent``/``acknowledged``/``resolved``/``rejected``) or None if unknown."""
        return None

    def statuses(self, refs: list[TicketRef]) -> Mapping[str, str | TicketStatus]:
        """Batched status read; backends with a search API override this with one call.

        Keyed by ``ref.id``; a value is our state, or a :class:`TicketStatus` when the ticket
        ref or ``meta`` changed too."""
        out: dict[str, str | TicketStatus] = {}
        for ref in refs:
            state = self.status(ref)
            if state:
                out[ref.id] = state
        return out

    def comment(self, ref: TicketRef, text: str) -> None:
        """Add a comment (dedupe +1s, user follow-ups)."""
        raise NotImplementedError

    def check(self) -> str:
        """Test connectivity and credentials for ``jupyter itbridge doctor``.

        Returns one sentence on success; raises BackendError with a precise sentence otherwise.
        """
        return f"{self.name}: nothing to check."

    def describe(self) -> dict[str, Any]:
        """Non-secret facts for ``GET health`` and ``doctor`` (never a token)."""
        return {"backend": self.name}
