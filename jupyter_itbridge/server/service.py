"""The request service: filing, dedupe, follow-ups and the JSON shape of a request.

Why apart from the handlers (the jupyterlab-git model): the same logic serves the REST API,
the CLI, offline-draft import and the tests, and it can be exercised without HTTP.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ..backends.base import Backend, BackendError, OutgoingRequest, TicketRef
from ..findings import OPEN_STATES, URGENCIES, RequestDraft, render_body
from ..redact import redact, redact_obj
from .outbox import Outbox
from .store import DELIVERED, PENDING, Store, TransitionError, default_store_path

log = logging.getLogger("jupyter_itbridge.service")

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
_UUID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{7,63}")
_STRING_FIELDS = ("summary", "description", "justification", "kind", "subject", "fingerprint")

STATE_TEXT: dict[str, str] = {
    "queued": "waiting to be sent to IT",
    "sent": "sent to IT",
    "acknowledged": "IT is working on it",
    "resolved": "resolved by IT",
    "rejected": "declined by IT",
    "failed": "not delivered yet - retrying automatically",
    "cancelled": "cancelled",
}
COMMENT_STATES = {
    PENDING: "pending",
    DELIVERED: "delivered",
    2: "not supported by the ticket system",
}


class ServiceError(Exception):
    """A client error with its HTTP status (400, 404, 409); the message is shown to the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def _truncate(text: str, limit: int, field: str, notices: list[str]) -> str:
    if len(text) <= limit:
        return text
    notices.append(f"'{field}' was truncated from {len(text)} to {limit} characters.")
    return text[:limit] + f" [... truncated: {len(text) - limit} characters removed]"


def _bound_json(value: Any, depth: int = 0) -> Any:
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
        return {str(k)[:200]: _bound_json(v, depth + 1) for k, v in items}
    if isinstance(value, (list, tuple)):
        out = [_bound_json(v, depth + 1) for v in value[:FINDING_MAX_ITEMS]]
        if len(value) > FINDING_MAX_ITEMS:
            out.append(f"[... {len(value) - FINDING_MAX_ITEMS} more items removed]")
        return out
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN/Infinity are not JSON
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:FINDING_MAX_STRING]


def _fields(draft: RequestDraft) -> dict[str, Any]:
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
            fields[name] = _truncate(value, limit, name, notices)
    fields["summary"] = " ".join(fields["summary"].split())  # one line for ticket subjects
    if len(environment) > ENV_MAX_KEYS:
        notices.append(f"'environment' was cut to its first {ENV_MAX_KEYS} entries.")
    env: dict[str, str] = {}
    for key, value in list(environment.items())[:ENV_MAX_KEYS]:
        text = value if isinstance(value, str) else json.dumps(_bound_json(value), default=str)
        env[str(key)[:100]] = _truncate(text, ENV_MAX_VALUE, f"environment.{key}", notices)
    fields["environment"] = env
    if finding is not None:
        bounded = _bound_json(finding)
        if bounded != finding:
            notices.append("'finding' was too large and was shortened.")
        fields["finding"] = bounded
    return RequestDraft(**fields), notices  # every field was checked above: cannot raise


class RequestService:
    """Files, lists and follows up requests for one server process."""

    def __init__(self, store: Store, backend: Backend, outbox: Outbox | None = None) -> None:
        self.store = store
        self.backend = backend
        self.outbox = outbox
        self.listeners: list[Callable[[dict[str, Any], str | None], Any]] = []
        if outbox is not None:
            outbox.on_change = self._notify

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        if self.outbox is not None:
            await self.outbox.start()

    async def stop(self) -> None:
        if self.outbox is not None:
            await self.outbox.stop()

    def add_listener(self, callback: Callable[[dict[str, Any], str | None], Any]) -> None:
        """``callback(request_json, old_state)`` on every state change (events, toasts)."""
        self.listeners.append(callback)

    def _notify(self, row: dict[str, Any], old_state: str | None) -> None:
        if not self.listeners:
            return
        record = self.to_json(row)
        for callback in list(self.listeners):
            try:
                callback(record, old_state)
            except Exception:
                log.exception("jupyter-itbridge: listener failed")

    def _wake(self) -> None:
        if self.outbox is not None:
            self.outbox.wake()

    # -- filing -------------------------------------------------------------------------------

    def file(
        self,
        owner: str,
        draft: RequestDraft | dict[str, Any],
        request_uuid: str | None = None,
        incident_id: Any = None,
    ) -> tuple[dict[str, Any], bool]:
        """Store a request (redacted again here) or +1 the owner's open one with that fingerprint.

        Returns ``(request_json, deduped)``. The request is committed before any delivery try.
        ``request_uuid`` is the client's idempotency key (the card's, or an offline draft's):
        filing the same UUID twice returns the first request with ``replayed: true``.
        ``incident_id`` (an incident of ``owner``) is linked to the resulting request - the new
        one, the deduped open one or the replayed one - so the UI stops offering the action.
        """
        incident = self._incident_for(owner, incident_id) if incident_id is not None else None
        record, deduped = self._file(owner, draft, request_uuid)
        if incident is not None:
            self.store.link_incident(incident["id"], record["uuid"])
        return record, deduped

    def _incident_for(self, owner: str, incident_id: Any) -> dict[str, Any]:
        """The owner's incident ``incident_id``; checked before filing so a bad id files nothing."""
        if isinstance(incident_id, bool) or not isinstance(incident_id, int):
            raise ServiceError(400, "'incident_id' must be an integer (an incident's id).")
        row = self.store.get_incident(incident_id) if 0 < incident_id < 2**63 else None
        if row is None or row["user"] != owner:  # another user's incident does not exist for you
            raise ServiceError(404, f"No incident {incident_id} for this user.")
        return row

    def _file(
        self,
        owner: str,
        draft: RequestDraft | dict[str, Any],
        request_uuid: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        if isinstance(draft, RequestDraft):
            draft = draft.to_dict()
        draft, notices = validate_draft(draft)
        if request_uuid is not None and not _UUID_RE.fullmatch(str(request_uuid)):
            raise ServiceError(400, "'uuid' must be 8-64 letters, digits or dashes.")
        redacted = redact_obj(_fields(draft))  # new containers: no deep copy needed first
        clean = RequestDraft(**redacted)
        with self.store._lock:  # idempotency, dedupe check and insert are one atomic step
            if request_uuid is not None:
                same = self.store.get_request(request_uuid)
                if same is not None:
                    if same["user"] != owner:
                        raise ServiceError(409, "This request id is already in use.")
                    record = self.to_json(same)
                    record["replayed"] = True
                    return record, False
            if clean.fingerprint:
                existing = self.store.find_open(owner, clean.fingerprint)
                if existing is not None:
                    return self._plus_one(owner, existing, clean), True
            row = self.store.insert_request(
                user=owner,
                summary=clean.summary,
                body="",
                body_factory=lambda uuid: redact(render_body(clean, uuid)),
                draft=redacted,
                backend=self.backend.name,
                kind=clean.kind,
                subject=clean.subject,
                fingerprint=clean.fingerprint,
                urgency=clean.urgency,
                notices=notices,
                request_uuid=request_uuid,
            )
        self._wake()
        self._notify(row, None)
        return self.to_json(row, notices=notices), False

    def _plus_one(
        self, owner: str, existing: dict[str, Any], draft: RequestDraft
    ) -> dict[str, Any]:
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines = [f"+1: {owner} hit the same problem again on {when}."]
        if draft.notebook_path:
            lines.append(f"Notebook: {draft.notebook_path}")
        previous = (existing.get("draft") or {}).get("justification") or ""
        if draft.justification and draft.justification.strip() != previous.strip():
            lines.append(f"Justification: {draft.justification}")
        self.store.add_comment(existing["uuid"], owner, "plus_one", "\n".join(lines))
        self._wake()
        record = self.to_json(self.store.get_request(existing["uuid"]))  # type: ignore[arg-type]
        date = (record["created_at"] or "")[:10]
        record["deduped"] = True
        record["already_requested"] = {
            "id": record["id"],
            "created_at": record["created_at"],
            "message": f"already requested on {date} (#{record['id']})",
        }
        return record

    # -- reading ------------------------------------------------------------------------------

    def list(
        self, owner: str, *, states: list[str] | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        return [
            self.to_json(r) for r in self.store.list_requests(owner, states=states, limit=limit)
        ]

    def _row_for(self, owner: str, id_or_uuid: str | int) -> dict[str, Any]:
        key = str(id_or_uuid).strip().lstrip("#")
        row = None
        if key.isascii() and key.isdigit() and len(key) < 18:
            row = self.store.get_request_by_id(int(key))
        elif 0 < len(key) <= 64:
            row = self.store.get_request(key)
        if row is None or row["user"] != owner:  # another user's request does not exist for you
            raise ServiceError(404, f"No request {id_or_uuid!s:.64} for this user.")
        return row

    def get(self, owner: str, id_or_uuid: str | int) -> dict[str, Any]:
        return self.to_json(self._row_for(owner, id_or_uuid), detail=True)

    def incidents(self, owner: str, limit: int = 200) -> list[dict[str, Any]]:
        return [self._incident_json(row) for row in self.store.incidents(owner, limit=limit)]

    def _incident_json(self, row: dict[str, Any]) -> dict[str, Any]:
        request_id, request = None, None
        if row.get("request_uuid"):
            linked = self.store.get_request(row["request_uuid"])
            if linked is not None:
                request_id = linked["id"]
                request = {"id": linked["id"], "uuid": linked["uuid"], "state": linked["state"]}
        return {
            "id": row["id"],
            "kind": row["kind"],
            "kernel_id": row["kernel_id"],
            "notebook_path": row["notebook_path"],
            "details": row["details"],
            "created_at": iso(row["created_at"]),
            "request_uuid": row["request_uuid"],
            "request_id": request_id,
            "request": request,
        }

    def record_incident(
        self,
        owner: str,
        kind: str,
        *,
        kernel_id: str | None = None,
        notebook_path: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """For the kernel-death and memory watchers: store an incident (details redacted).

        A request filed for it later is linked through ``file(..., incident_id=...)``.
        """
        row = self.store.add_incident(
            user=owner,
            kind=kind,
            kernel_id=kernel_id,
            notebook_path=notebook_path,
            details=redact_obj(details or {}),
        )
        return self._incident_json(row)

    # -- follow-ups ---------------------------------------------------------------------------

    def _transition(
        self,
        owner: str,
        id_or_uuid: str | int,
        new_state: str,
        allowed: frozenset[str] | set[str],
        refused: str,
        **fields: Any,
    ) -> tuple[str, dict[str, Any]]:
        """Move the owner's request to ``new_state`` when its state is ``allowed`` (checked
        atomically by the store); else 409 "Request #5 is resolved; ``refused``"."""
        row = self._row_for(owner, id_or_uuid)
        try:
            return self.store.transition(row["uuid"], new_state, expect=allowed, **fields)
        except TransitionError:
            state = (self.store.get_request(row["uuid"]) or row)["state"]
            raise ServiceError(409, f"Request #{row['id']} is {state}; {refused}.") from None

    def retry(self, owner: str, id_or_uuid: str | int) -> dict[str, Any]:
        """Try a queued/failed request again now (after the admin fixed the config)."""
        old, row = self._transition(
            owner,
            id_or_uuid,
            "queued",
            {"queued", "failed"},
            "nothing to retry",
            note="retry requested by the user",
            next_attempt_at=time.time(),
        )
        self._wake()
        if old != row["state"]:
            self._notify(row, old)
        return self.to_json(row, detail=True)

    def comment(self, owner: str, id_or_uuid: str | int, text: Any) -> dict[str, Any]:
        if not isinstance(text, str) or not text.strip():
            raise ServiceError(400, "'text' is required and must be a non-empty string.")
        row = self._row_for(owner, id_or_uuid)
        if row["state"] == "cancelled":
            raise ServiceError(409, f"Request #{row['id']} is cancelled.")
        notices: list[str] = []
        text = redact(_truncate(text, COMMENT_MAX, "text", notices))
        self.store.add_comment(row["uuid"], owner, "comment", text)
        self._wake()
        return self.to_json(self.store.get_request(row["uuid"]), detail=True, notices=notices)  # type: ignore[arg-type]

    def cancel(self, owner: str, id_or_uuid: str | int) -> dict[str, Any]:
        old, new = self._transition(
            owner,
            id_or_uuid,
            "cancelled",
            OPEN_STATES,
            "it cannot be cancelled",
            note="cancelled by the user",
        )
        if new.get("ticket_id"):
            self.store.add_comment(
                new["uuid"], owner, "system", "The requester cancelled this request."
            )
            self._wake()
        self._notify(new, old)
        return self.to_json(new, detail=True)

    # -- health -------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        counts = self.store.counts()
        try:
            info = self.backend.describe()
        except Exception as err:  # describe must never break health
            info = {"backend": self.backend.name, "error": type(err).__name__}
        outbox = self.outbox
        return {
            "backend": self.backend.name,
            "backend_info": redact_obj(info),
            "reachable": outbox.reachable if outbox else None,
            "last_error": outbox.last_error if outbox else None,
            "last_success_at": iso(outbox.last_success_at) if outbox else None,
            "outbox_running": bool(outbox and outbox.running),
            "outbox_depth": counts["queued"] + counts["failed"],
            "comments_pending": counts["comments_pending"],
            "counts": {k: v for k, v in counts.items() if k != "comments_pending"},
        }

    # -- JSON shape ---------------------------------------------------------------------------

    def to_json(
        self, row: dict[str, Any], *, detail: bool = False, notices: list[str] | None = None
    ) -> dict[str, Any]:
        """The stable request shape of the REST API (``Request`` in openapi.yaml)."""
        state = row["state"]
        local = row["backend"] == "local"
        detail_text = STATE_TEXT[state]
        admin_hint = None
        if local:
            from ..backends.local import ADMIN_HINT, STATE_DETAIL

            admin_hint = ADMIN_HINT
            if state == "sent":
                detail_text = STATE_DETAIL
        elif state == "sent" and row.get("ticket_id"):
            detail_text = f"sent to IT as {row['ticket_id']}"
        if state == "failed" and row.get("next_attempt_at"):
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(row["next_attempt_at"]))
            detail_text += f"; next try {when}"
        ticket = None
        if row.get("ticket_id"):
            ticket = {"id": row["ticket_id"], "url": row.get("ticket_url")}
        stored_notices = list(row.get("notices") or [])
        for notice in notices or []:
            if notice not in stored_notices:
                stored_notices.append(notice)
        record: dict[str, Any] = {
            "id": row["id"],
            "uuid": row["uuid"],
            "user": row["user"],
            "state": state,
            "state_detail": detail_text,
            "admin_hint": admin_hint,
            "open": state in OPEN_STATES,
            "kind": row.get("kind"),
            "subject": row.get("subject"),
            "fingerprint": row.get("fingerprint"),
            "urgency": row.get("urgency") or "normal",
            "summary": row["summary"],
            "body": row["body"],
            "draft": row.get("draft") or {},
            "notices": stored_notices,
            "backend": row["backend"],
            "ticket": ticket,
            "ticket_id": row.get("ticket_id"),
            "ticket_url": row.get("ticket_url"),
            "attempts": row.get("attempts") or 0,
            "next_attempt_at": iso(row.get("next_attempt_at")) if state == "failed" else None,
            "last_error": row.get("last_error"),
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
            "deduped": False,
            "replayed": False,
            "already_requested": None,
        }
        if detail:
            record["comments"] = [
                {
                    "id": c["id"],
                    "kind": c["kind"],
                    "user": c["user"],
                    "text": c["text"],
                    "delivery": COMMENT_STATES.get(c["delivered"], "pending"),
                    "created_at": iso(c["created_at"]),
                }
                for c in self.store.comments(row["uuid"])
            ]
            record["history"] = [
                {
                    "at": iso(e["at"]),
                    "from": e["from_state"],
                    "to": e["to_state"],
                    "note": e["note"],
                }
                for e in self.store.history(row["uuid"])
            ]
        return record


# -- wiring into the server -------------------------------------------------------------------


class UnavailableBackend(Backend):
    """Stands in for a backend that failed to load: requests are kept, delivery waits."""

    name = "unavailable"

    def __init__(self, wanted: str, reason: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wanted = wanted
        self.reason = reason

    def create(self, request: OutgoingRequest) -> TicketRef:
        raise BackendError(
            f"Backend {self.wanted!r} could not be loaded ({self.reason}); requests are kept "
            "and delivered after the configuration is fixed and the server restarted.",
            retryable=False,
        )

    def describe(self) -> dict[str, Any]:
        return {"backend": self.wanted, "error": self.reason}


def load_backend(name: str, parent: Any = None) -> Backend:
    """Resolve ``c.ITBridge.backend``: a registry name (built-in or entry point) or a
    ``module:Class`` / ``module.Class`` path for a backend that is not registered."""
    if name in ("", "local"):  # the default: no need to import every built-in
        from ..backends.local import LocalBackend

        return LocalBackend(parent=parent)
    if ":" in name or "." in name:
        module_name, _, attr = name.replace(":", ".").rpartition(".")
        return getattr(importlib.import_module(module_name), attr)(parent=parent)
    from ..backends.registry import make_backend

    return make_backend(name, parent=parent)


def build_service(app: Any, serverapp: Any) -> RequestService:
    """Create backend, store, outbox and service and attach the service to the ITBridgeApp.

    The caller starts it (``service.start``) once the server's event loop runs.
    """
    cfg = app.config
    try:
        backend = load_backend(cfg.backend, parent=serverapp)
    except Exception as err:
        serverapp.log.error("jupyter-itbridge: backend %r failed to load: %s", cfg.backend, err)
        backend = UnavailableBackend(cfg.backend, redact(f"{type(err).__name__}: {err}"))
    store = Store(cfg.store_path or default_store_path())
    outbox = Outbox(
        store,
        backend,
        sync_interval=cfg.sync_interval,
        base_delay=cfg.retry_base_delay,
        max_delay=cfg.retry_max_delay,
        config_error_delay=cfg.config_error_retry_delay,
        concurrency=cfg.outbox_concurrency,
    )
    service = RequestService(store, backend, outbox)
    app.service = service
    _import_offline_drafts(service, app.owner, serverapp)
    return service


def _import_offline_drafts(service: RequestService, owner: str, serverapp: Any) -> None:
    """Drafts a kernel saved while the server was unreachable are filed now (UUID-idempotent)."""
    try:
        from ..kernel.drafts import import_drafts
    except ImportError:  # pragma: no cover - kernel part not installed
        return

    def file_one(draft: dict[str, Any], request_uuid: str) -> None:
        try:
            service.file(owner, draft, request_uuid=request_uuid)
        except ServiceError as err:
            if err.status != 409:
                raise

    try:
        report = import_drafts(file_one)
    except Exception as err:
        serverapp.log.warning("jupyter-itbridge: offline drafts not imported: %s", err)
        return
    if report.imported or report.failed:
        serverapp.log.info(
            "jupyter-itbridge: imported %d offline draft(s); %d kept after errors",
            len(report.imported),
            len(report.failed),
        )
