"""The contract every part of jupyter-itbridge agrees on, declared once.

Why one module: kernel, server, relay, CLI and the TypeScript frontend must use the same names
for states, kinds, environment variables, the token header, the API prefix, event ids and the
MIME type. They were declared in up to six places; a rename in one of them silently broke the
others. Pure data: importing this costs nothing and imports nothing from Jupyter.

The TypeScript twin is ``labextension/src/contract.ts``; ``tests/foundation/test_contract.py``
checks that both carry the same values.
"""

from __future__ import annotations

from typing import Literal, get_args

# -- vocabulary -------------------------------------------------------------------------------

FindingKind = Literal[
    "blocked_package",
    "missing_package",
    "missing_driver",
    "resource_limit",
    "network_blocked",
    "access_denied",
    "kernel_died",
]
Confidence = Literal["high", "medium", "low"]
#: Request states, in lifecycle order. ``failed`` means "retrying", never "given up".
RequestState = Literal[
    "queued", "sent", "acknowledged", "resolved", "rejected", "failed", "cancelled"
]
Urgency = Literal["low", "normal", "high"]
#: Who wrote a message on a ticket: IT's side, or the requester (or we, on their behalf).
MessageRole = Literal["it", "user"]

KINDS: tuple[FindingKind, ...] = get_args(FindingKind)
CONFIDENCES: tuple[Confidence, ...] = get_args(Confidence)
STATES: tuple[RequestState, ...] = get_args(RequestState)
OPEN_STATES: frozenset[RequestState] = frozenset({"queued", "sent", "acknowledged", "failed"})
URGENCIES: tuple[Urgency, ...] = get_args(Urgency)
PACKAGE_KINDS: frozenset[FindingKind] = frozenset({"blocked_package", "missing_package"})
#: Kinds whose fix (an install by IT) is used after a kernel restart ("Restart kernel").
RESTART_KINDS: frozenset[FindingKind] = frozenset({"missing_package", "missing_driver"})

# -- wire names -------------------------------------------------------------------------------

#: Display-bundle MIME type of a finding (card output, frontend renderer, nbconvert).
MIME_TYPE = "application/vnd.jupyter.itbridge.finding+json"
#: REST API prefix under the server's ``base_url``.
API_PREFIX = "itbridge/api"
#: Set by the server extension in its own environment; kernels it starts inherit them.
ENV_URL = "JUPYTER_ITBRIDGE_URL"
ENV_TOKEN = "JUPYTER_ITBRIDGE_TOKEN"
#: Backend credentials come from ``ITBRIDGE_*`` variables; no kernel ever inherits one
#: (``server/env_scrub.py``), and on JupyterHub they live on the relay only.
SECRET_ENV_PREFIX = "ITBRIDGE_"
#: Where a single-user server finds the hub relay (``hub`` backend); set by the Hub's spawner.
ENV_RELAY_URL = "JUPYTER_ITBRIDGE_RELAY_URL"
#: Set to ``1`` in a kernel's environment to turn the kernel side off.
ENV_DISABLE = "JUPYTER_ITBRIDGE_DISABLE"
#: Header carrying the per-process kernel token (accepted by kernel-facing endpoints only).
TOKEN_HEADER = "X-ITBridge-Token"
#: Idempotency marker line written into ticket bodies (backends search for it).
MARKER_PREFIX = "itbridge-request-id:"
#: Card class of a date written by the kernel as ``<time datetime="ISO">``: the labextension
#: rewrites its text in the page's language and time zone (the one date format of the page).
TIME_CLASS = "jp-ITBridge-time"
#: ``time.strftime`` format of the retry time the server appends to a failed request's
#: ``state_detail`` (the server's and the hub backend's wording); the kernel's card reads it
#: back to show the time in the page's format (``kernel/card_time.py``).
NEXT_TRY_FORMAT = "; next try %Y-%m-%d %H:%M UTC"
#: Card class of a "Restart kernel" button: the labextension restarts the kernel of the
#: notebook the button is in (a kernel cannot restart itself).
RESTART_CLASS = "jp-ITBridge-restart"
#: Marker line the outbox appends to a comment it posts (exactly once; read back as ours).
COMMENT_MARKER_PREFIX = "itbridge-comment-id:"

# -- events (jupyter_events) ------------------------------------------------------------------

EVENT_SCHEMA_BASE = "https://events.jupyter.org/jupyter_itbridge"
EVENT_REQUEST_STATE = f"{EVENT_SCHEMA_BASE}/request_state/v1"
EVENT_INCIDENT = f"{EVENT_SCHEMA_BASE}/incident/v1"
EVENT_MESSAGE = f"{EVENT_SCHEMA_BASE}/message/v1"
