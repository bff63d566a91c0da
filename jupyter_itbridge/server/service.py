"""The request service: filing, dedupe, follow-ups, incidents and health for one owner's store.

Why apart from the handlers (the jupyterlab-git model): the same logic serves the REST API,
the CLI, offline-draft import and the tests, and it can be exercised without HTTP. Input
checks live in ``validation.py``, the JSON shape in ``views.py``.
"""

from __future__ import annotations

import logging
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..backends.base import CANCEL_COMMENT, Backend
from ..contract import OPEN_STATES, RequestState
from ..drafts import ImportReport, import_drafts
from ..findings import RequestDraft, redact_draft, render_body
from ..jsontypes import (
    IncidentJSON,
    MessageJSON,
    RequestJSON,
    StoredIncident,
    StoredMessage,
    StoredRequest,
)
from ..redact import redact, redact_obj
from . import views
from .outbox import Outbox
from .store import Store, TransitionError
from .validation import (
    PreparedRequest,
    ServiceError,
    check_comment,
    check_incident_id,
    check_request_uuid,
    draft_fields,
    parse_request_key,
    validate_draft,
)

__all__ = ["PreparedRequest", "RequestService", "ServiceError"]

log = logging.getLogger("jupyter_itbridge.service")

#: ``callback(request_json, old_state)`` on every state change (events, toasts).
Listener = Callable[[RequestJSON, str | None], Any]
RowListener = Callable[[StoredRequest, str | None], Any]
#: ``callback(request_json, new_messages)`` when IT's new public messages were stored.
MessageListener = Callable[[RequestJSON, list[MessageJSON]], Any]


class RequestService:
    """Files, lists and follows up requests for one server process."""

    def __init__(self, store: Store, backend: Backend, outbox: Outbox | None = None) -> None:
        self.store = store
        self.backend = backend
        self.outbox = outbox
        self.listeners: list[Listener] = []
        self.row_listeners: list[RowListener] = []
        self.message_listeners: list[MessageListener] = []
        self._wordings: dict[str, views.BackendWording | None] = {backend.name: backend}
        if outbox is not None:
            outbox.on_change = self._notify
            outbox.messages.on_messages = self._notify_messages

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        if self.outbox is not None:
            await self.outbox.start()

    async def stop(self) -> None:
        if self.outbox is not None:
            await self.outbox.stop()

    def add_listener(self, callback: Listener) -> None:
        """``callback(request_json, old_state)`` on every state change (events, toasts)."""
        self.listeners.append(callback)

    def add_row_listener(self, callback: RowListener) -> None:
        """``callback(stored_row, old_state)``, for followers in this process (no JSON)."""
        self.row_listeners.append(callback)

    def _notify(self, row: StoredRequest, old_state: str | None) -> None:
        calls: list[tuple[Callable[..., Any], Any]] = [(f, row) for f in self.row_listeners]
        if self.listeners:  # the JSON (and its unread count) only when someone wants it
            record = self.to_json(row)
            calls += [(callback, record) for callback in self.listeners]
        for callback, value in calls:
            try:
                callback(value, old_state)
            except Exception:
                log.exception("jupyter-itbridge: listener failed")

    def add_message_listener(self, callback: MessageListener) -> None:
        """``callback(request_json, new_messages)`` when IT replied (events, toasts)."""
        self.message_listeners.append(callback)

    def _notify_messages(self, row: StoredRequest, new: list[StoredMessage]) -> None:
        from_it = [m for m in new if m["public"] and m["role"] == "it"]
        if not from_it or not self.message_listeners:
            return
        record = self.to_json(self._fresh(row))
        entries = views.thread_json(from_it, [])
        for callback in list(self.message_listeners):
            try:
                callback(record, entries)
            except Exception:
                log.exception("jupyter-itbridge: message listener failed")

    def _wake(self) -> None:
        if self.outbox is not None:
            self.outbox.wake()

    # -- filing -------------------------------------------------------------------------------

    @staticmethod
    def prepare(
        draft: RequestDraft | dict[str, Any], request_uuid: str | None = None
    ) -> PreparedRequest:
        """Validate, bound and redact a filed body, and render the ticket body. Pure and
        thread-safe: the REST handler runs it off the event loop (redaction is the costly part).
        """
        if isinstance(draft, RequestDraft):
            draft = draft.to_dict()
        checked, notices = validate_draft(draft)
        if request_uuid is not None:
            check_request_uuid(str(request_uuid))
        redacted = redact_draft(draft_fields(checked))  # new containers: no deep copy needed
        clean = RequestDraft(**redacted)
        chosen = str(request_uuid) if request_uuid is not None else str(uuidlib.uuid4())
        body = redact(render_body(clean, chosen))
        return PreparedRequest(chosen, request_uuid is not None, clean, redacted, body, notices)

    def file(
        self,
        owner: str,
        draft: RequestDraft | dict[str, Any],
        request_uuid: str | None = None,
        incident_id: Any = None,
    ) -> tuple[RequestJSON, bool]:
        """Store a request (redacted again here) or +1 the owner's open one with that fingerprint.

        ``prepare`` then ``commit``, in the caller's thread; see those two for the details.
        """
        return self.commit(owner, self.prepare(draft, request_uuid), incident_id)

    def commit(
        self, owner: str, prepared: PreparedRequest, incident_id: Any = None
    ) -> tuple[RequestJSON, bool]:
        """Store a prepared request, or +1 the owner's open one with that fingerprint.

        Returns ``(request_json, deduped)``. The request is committed before any delivery try.
        A client ``uuid`` is an idempotency key: filing it twice returns the first request with
        ``replayed: true``. ``incident_id`` (an incident of ``owner``, checked before anything
        is written) is linked to the resulting request - new, deduped or replayed - so the UI
        stops offering the action.
        """
        incident = self._incident_for(owner, incident_id) if incident_id is not None else None
        clean = prepared.draft
        with self.store.transaction():  # replay check, dedupe check and insert: one step
            record, deduped, row = None, False, None
            same = self.store.get_request(prepared.uuid) if prepared.client_uuid else None
            if same is not None:
                if same["user"] != owner:
                    raise ServiceError(409, "This request id is already in use.")
                record = self.to_json(same)
                record["replayed"] = True
            elif clean.fingerprint and (open_row := self.store.find_open(owner, clean.fingerprint)):
                record, deduped = self._plus_one(owner, open_row, clean), True
            else:
                row = self.insert_prepared(owner, prepared)
                record = self.to_json(row, notices=prepared.notices)
            if incident is not None:
                self.store.link_incident(incident["id"], record["uuid"])
        if row is not None:
            self._wake()
            self._notify(row, None)
        return record, deduped

    def insert_prepared(self, owner: str, prepared: PreparedRequest, **kw: Any) -> StoredRequest:
        """The one way a prepared request becomes a row (the server's filing, the relay's
        forward); the caller holds the store's transaction and did the replay/dedupe checks.
        ``kw``: ``Store.insert_request``'s ``state``, ``note``, ``meta`` (relay: a join)."""
        clean = prepared.draft
        return self.store.insert_request(
            user=owner,
            summary=clean.summary,
            body=prepared.body,
            draft=prepared.fields,
            backend=self.backend.name,
            kind=clean.kind,
            subject=clean.subject,
            fingerprint=clean.fingerprint,
            urgency=clean.urgency,
            notices=prepared.notices,
            request_uuid=prepared.uuid,
            **kw,
        )

    def _incident_for(self, owner: str, incident_id: Any) -> StoredIncident:
        """The owner's incident ``incident_id``; checked before filing so a bad id files nothing."""
        checked = check_incident_id(incident_id)
        row = self.store.get_incident(checked) if 0 < checked < 2**63 else None
        if row is None or row["user"] != owner:  # another user's incident does not exist for you
            raise ServiceError(404, f"No incident {checked} for this user.")
        return row

    def _plus_one(self, owner: str, existing: StoredRequest, draft: RequestDraft) -> RequestJSON:
        # no date in the text: the comment has its own time, which the sidebar shows in the
        # page's format and the ticket system in IT's
        lines = [f"+1: {owner} hit the same problem again."]
        if draft.notebook_path:
            lines.append(f"Notebook: {draft.notebook_path}")
        previous = (existing.get("draft") or {}).get("justification") or ""
        if draft.justification and draft.justification.strip() != previous.strip():
            lines.append(f"Justification: {draft.justification}")
        self.store.add_comment(existing["uuid"], owner, "plus_one", "\n".join(lines))
        self._wake()
        record = self.to_json(self._fresh(existing))
        date = (record["created_at"] or "")[:10]
        record["deduped"] = True
        record["already_requested"] = {
            "id": record["id"],
            "created_at": record["created_at"],
            "message": f"already requested on {date} (#{record['id']})",
        }
        return record

    def import_offline_drafts(self, owner: str, data_dir: str | None = None) -> ImportReport:
        """File the drafts a kernel saved while the server was unreachable (UUID-idempotent).

        A draft already filed (its UUID in use) counts as imported; one the service refuses
        stays on disk for the next start.
        """

        def file_one(draft: dict[str, Any], request_uuid: str) -> None:
            try:
                self.file(owner, draft, request_uuid=request_uuid)
            except ServiceError as err:
                if err.status != 409:
                    raise

        return import_drafts(file_one, data_dir)

    # -- reading ------------------------------------------------------------------------------

    def list_requests(
        self, owner: str, *, states: Sequence[RequestState] | None = None, limit: int = 500
    ) -> list[RequestJSON]:
        rows = self.store.list_requests(owner, states=states, limit=limit)
        unread = self.store.unseen_counts(r["uuid"] for r in rows)
        return [self.to_json(r, unread=unread.get(r["uuid"], 0)) for r in rows]

    def _row_for(self, owner: str, id_or_uuid: str | int) -> StoredRequest:
        """The owner's request by number or UUID (see ``validation.parse_request_key``)."""
        key = parse_request_key(id_or_uuid)
        row = None
        if isinstance(key, int):
            row = self.store.get_request_by_id(key)
        elif key is not None:
            row = self.store.get_request(key)
        if row is None or row["user"] != owner:  # another user's request does not exist for you
            raise ServiceError(404, f"No request {id_or_uuid!s:.64} for this user.")
        return row

    def _fresh(self, row: StoredRequest) -> StoredRequest:
        """The row as stored now (after a comment or a transition by someone else)."""
        return self.store.get_request(row["uuid"]) or row

    def get(self, owner: str, id_or_uuid: str | int) -> RequestJSON:
        return self.to_json(self._row_for(owner, id_or_uuid), detail=True)

    def incidents(self, owner: str, limit: int = 200) -> list[IncidentJSON]:
        return [self._incident_json(row) for row in self.store.incidents(owner, limit=limit)]

    def _incident_json(self, row: StoredIncident) -> IncidentJSON:
        linked = self.store.get_request(row["request_uuid"]) if row["request_uuid"] else None
        return views.incident_json(row, linked)

    def record_incident(
        self,
        owner: str,
        kind: str,
        *,
        kernel_id: str | None = None,
        notebook_path: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> IncidentJSON:
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
        new_state: RequestState,
        allowed: Iterable[str],
        refused: str,
        **fields: Any,
    ) -> tuple[RequestState, StoredRequest]:
        """Move the owner's request to ``new_state`` when its state is ``allowed`` (checked
        atomically by the store); else 409 "Request #5 is resolved; ``refused``"."""
        row = self._row_for(owner, id_or_uuid)
        try:
            return self.store.transition(row["uuid"], new_state, expect=set(allowed), **fields)
        except TransitionError:
            state = self._fresh(row)["state"]
            raise ServiceError(409, f"Request #{row['id']} is {state}; {refused}.") from None

    def retry(self, owner: str, id_or_uuid: str | int) -> RequestJSON:
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

    @staticmethod
    def prepare_comment(text: Any) -> tuple[str, list[str]]:
        """A follow-up's text checked, bounded and redacted, with its notices. Pure and
        thread-safe, like ``prepare``."""
        notices: list[str] = []
        return redact(check_comment(text, notices)), notices

    def comment(self, owner: str, id_or_uuid: str | int, text: Any) -> RequestJSON:
        """Add the owner's follow-up to a request (delivered to its ticket by the outbox)."""
        return self.commit_comment(owner, id_or_uuid, self.prepare_comment(text))

    def commit_comment(
        self, owner: str, id_or_uuid: str | int, prepared: tuple[str, list[str]]
    ) -> RequestJSON:
        text, notices = prepared
        row = self._row_for(owner, id_or_uuid)
        if row["state"] == "cancelled":
            raise ServiceError(409, f"Request #{row['id']} is cancelled.")
        self.store.add_comment(row["uuid"], owner, "comment", text)
        self._wake()
        return self.to_json(self._fresh(row), detail=True, notices=notices)

    def mark_seen(self, owner: str, id_or_uuid: str | int) -> RequestJSON:
        """The user read the request's thread: its messages no longer count as unread."""
        row = self._row_for(owner, id_or_uuid)
        self.store.mark_seen(row["uuid"])
        return self.to_json(self._fresh(row), detail=True)

    def cancel(self, owner: str, id_or_uuid: str | int) -> RequestJSON:
        old, new = self._transition(
            owner,
            id_or_uuid,
            "cancelled",
            OPEN_STATES,
            "it cannot be cancelled",
            note="cancelled by the user",
        )
        if new.get("ticket_id"):
            self.store.add_comment(new["uuid"], owner, "system", CANCEL_COMMENT)
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
            "last_success_at": views.iso(outbox.last_success_at) if outbox else None,
            "outbox_running": bool(outbox and outbox.running),
            "outbox_depth": counts["queued"] + counts["failed"],
            "comments_pending": counts["comments_pending"],
            "counts": {k: v for k, v in counts.items() if k != "comments_pending"},
        }

    # -- JSON shape ---------------------------------------------------------------------------

    def to_json(
        self,
        row: StoredRequest,
        *,
        detail: bool = False,
        notices: list[str] | None = None,
        unread: int | None = None,
    ) -> RequestJSON:
        """The stable request shape of the REST API (``Request`` in openapi.yaml)."""
        wording = self._wording(row["backend"])
        if not detail:
            if unread is None:
                unread = self.store.unseen_count(row["uuid"])
            record = views.request_json(row, wording, notices=notices, unread=unread)
            if row["state"] == "resolved":  # the card says when and what IT answered
                shown = [
                    m
                    for m in self.store.messages(row["uuid"], public_only=True)
                    if m["role"] == "it"
                ]
                history = self.store.history(row["uuid"])
                record["resolution"] = views.resolution_json(row, history, shown)
            return record
        return views.request_json(
            row,
            wording,
            notices=notices,
            comments=self.store.comments(row["uuid"]),
            history=self.store.history(row["uuid"]),
            messages=self.store.messages(row["uuid"], public_only=True),
            unread=self.store.unseen_count(row["uuid"]),
        )

    def _wording(self, backend_name: str) -> views.BackendWording | None:
        """What the backend a request was filed with says about it (the current one, or a
        registered one for requests filed before the admin switched backends)."""
        if backend_name not in self._wordings:
            from ..backends.registry import registered_backend_class

            self._wordings[backend_name] = registered_backend_class(backend_name)
        return self._wordings[backend_name]
