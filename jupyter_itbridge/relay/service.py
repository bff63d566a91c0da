"""What the relay does with forwarded requests: file once per UUID, dedupe across users, answer
each user about their own requests only.

Why on top of :class:`RequestService` (not a second one): validation, redaction, the outbox,
status sync and the JSON shapes are the server's; the relay adds who may see what and the
cross-user dedupe. A further user's request for an open problem is stored as its own row
(``meta.duplicate_of`` names the request that carries the ticket), parked in ``sent`` so the
outbox never delivers it; its "+1 from <user>: <justification>" comment goes to the shared
ticket through the outbox, exactly once (the row's UUID is the idempotency key). State changes
of the shared request are copied to the rows that joined it.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, cast

from ..contract import OPEN_STATES
from ..jsontypes import StoredRequest
from ..server.service import PreparedRequest, RequestService, ServiceError
from ..server.store import Store, TransitionError
from ..server.validation import check_request_uuid
from ..server.views import iso

log = logging.getLogger("jupyter_itbridge.relay")

#: States of a shared request that rows which joined it follow.
_FOLLOWED = frozenset({"sent", "acknowledged", "resolved", "rejected"})


class RelayStore(Protocol):
    """The store methods the relay uses beyond the single-user ones (wt/storage names)."""

    def find_open_by_fingerprint(self, fingerprint: str) -> StoredRequest | None: ...
    def add_requester(self, request_uuid: str, user: str, justification: str = "") -> bool: ...
    def requesters(self, request_uuid: str) -> list[dict[str, Any]]: ...
    def comment_and_update(
        self, request_uuid: str, user: str, kind: str, text: str, **fields: Any
    ) -> StoredRequest: ...


def _meta(row: StoredRequest) -> dict[str, Any]:
    meta = row.get("meta")
    return dict(meta) if isinstance(meta, dict) else {}


class RelayService:
    """Forward, sync, comment and cancel for the users of one hub."""

    def __init__(self, service: RequestService, *, dedupe_across_users: bool = True) -> None:
        self.service = service
        self.store: Store = service.store
        self.extra = cast(RelayStore, service.store)
        self.dedupe_across_users = dedupe_across_users
        service.add_row_listener(self._follow)

    def _wake(self) -> None:
        if self.service.outbox is not None:
            self.service.outbox.wake()

    # -- forwarding ---------------------------------------------------------------------------

    @staticmethod
    def prepare(body: Any) -> PreparedRequest:
        """Check and redact a forwarded body off the event loop (``{"uuid", "draft"}``)."""
        if not isinstance(body, dict):
            raise ServiceError(400, "The request body must be a JSON object.")
        request_uuid, draft = body.get("uuid"), body.get("draft")
        if not isinstance(request_uuid, str):
            raise ServiceError(400, "'uuid' is required and must be a string.")
        check_request_uuid(request_uuid)
        if not isinstance(draft, dict):
            raise ServiceError(400, "'draft' is required and must be an object.")
        return RequestService.prepare(draft, request_uuid)

    def forward(self, user: str, prepared: PreparedRequest) -> tuple[dict[str, Any], bool]:
        """File ``prepared`` for ``user`` once per UUID; True when a new row was written.

        One transaction; the answer is built from the rows it wrote (no reads after it)."""
        clean = prepared.draft
        with self.store.transaction():
            same = self.store.get_request(prepared.uuid)
            if same is not None:
                if same["user"] != user:
                    raise ServiceError(409, "This request id is already in use.")
                return self.view(user, same), False
            target = self._open_target(user, clean.fingerprint)
            if target is None:
                row = self.service.insert_prepared(user, prepared)
                self.extra.add_requester(row["uuid"], user, clean.justification)
                view = self.view(user, row, row, {user})  # a new ticket: its one requester
            else:
                row, target = self._join(user, prepared, target)
                view = self.view(user, row, target)
        self._wake()
        return view, True

    def _open_target(self, user: str, fingerprint: str | None) -> StoredRequest | None:
        """The open request this one joins (whoever filed it), or None for a new ticket."""
        if not fingerprint:
            return None
        if self.dedupe_across_users:
            found = self.extra.find_open_by_fingerprint(fingerprint)
        else:
            found = self.store.find_open(user, fingerprint)
        while found is not None and _meta(found).get("duplicate_of"):
            found = self.store.get_request(_meta(found)["duplicate_of"])
        if found is None or found["state"] not in OPEN_STATES:
            return None
        return found

    def _join(
        self, user: str, prepared: PreparedRequest, target: StoredRequest
    ) -> tuple[StoredRequest, StoredRequest]:
        """File ``prepared`` parked on ``target``'s ticket (in ``sent``, history as if it was
        queued, then moved) and queue the "+1" comment; the caller's transaction. Returns
        the new row and ``target`` as stored now."""
        row = self.service.insert_prepared(
            user,
            prepared,
            state="sent",
            note=f"joined request #{target['id']} (same problem, ticket open)",
            meta={"duplicate_of": target["uuid"]},
        )
        justification = prepared.draft.justification
        new = self.extra.add_requester(target["uuid"], user, justification)
        note = justification.strip() or "(no justification given)"
        who = user if new else f"{user} (again)"
        meta = _meta(target)
        meta["joined"] = [*meta.get("joined", []), row["uuid"]]
        target = self.extra.comment_and_update(
            target["uuid"], user, "plus_one", f"+1 from {who}: {note}", meta=meta
        )
        return row, target

    def _follow(self, changed: StoredRequest, _old: str | None) -> None:
        """Copy a shared request's new state to the rows that joined it (a row listener:
        ``changed`` is the row as the state change just stored it, ``meta.joined`` too)."""
        if changed["state"] not in _FOLLOWED:
            return
        for joined in _meta(changed).get("joined", []):
            try:
                self.store.transition(
                    joined, changed["state"], note=f"request #{changed['id']} is {changed['state']}"
                )
            except (TransitionError, KeyError):
                continue

    # -- reading: a user sees their own requests, and only a count of the others -------------

    def own(self, user: str, request_uuid: Any) -> StoredRequest:
        """The caller's row by UUID; another user's request does not exist for them (404)."""
        row = None
        if isinstance(request_uuid, str) and len(request_uuid) <= 64:
            row = self.store.get_request(request_uuid)
        if row is None or row["user"] != user:
            raise ServiceError(404, f"No request {str(request_uuid)[:64]} for this user.")
        return row

    def shared(self, row: StoredRequest) -> StoredRequest:
        """The row that carries the ticket: ``row`` itself or the one it joined."""
        target_uuid = _meta(row).get("duplicate_of")
        target = self.store.get_request(target_uuid) if target_uuid else None
        return target or row

    def view(
        self,
        user: str,
        row: StoredRequest,
        target: StoredRequest | None = None,
        requesters: set[str] | None = None,
    ) -> dict[str, Any]:
        """The caller's request as the relay shows it: state, ticket, a count of requesters.
        ``target`` (the shared row) and ``requesters`` (its users) when the caller has them."""
        target = self.shared(row) if target is None else target
        meta = _meta(target)
        withdrawn = set(meta.get("withdrawn", []))
        if requesters is None:
            requesters = {r["user"] for r in self.extra.requesters(target["uuid"])}
        users = requesters - withdrawn
        state = target["state"]
        if row["state"] == "cancelled" or user in withdrawn:
            state = "cancelled"
        ticket = None
        if target.get("ticket_id"):
            ticket = {"id": target["ticket_id"], "url": target.get("ticket_url")}
        return {
            "uuid": row["uuid"],
            "id": row["id"],
            "state": state,
            "open": state in OPEN_STATES,
            "ticket": ticket,
            "waiting": target["state"] in ("queued", "failed"),
            "requesters": len(users | {user}) if state != "cancelled" else len(users),
            "colleagues": len(users - {user}),
            "joined": target["uuid"] != row["uuid"],
            "created_at": iso(row["created_at"]),
            "updated_at": iso(max(row["updated_at"], target["updated_at"])),
        }

    def get(self, user: str, request_uuid: Any) -> dict[str, Any]:
        return self.view(user, self.own(user, request_uuid))

    def sync(self, user: str, uuids: list[str]) -> dict[str, dict[str, Any]]:
        """The views of the caller's requests among ``uuids`` (others' and unknown: omitted),
        each with IT's public messages on its ticket (so one call per sync carries both)."""
        out: dict[str, dict[str, Any]] = {}
        for request_uuid in dict.fromkeys(uuids):
            row = self.store.get_request(request_uuid)
            if row is not None and row["user"] == user:
                view = self.view(user, row)
                view["messages"] = self.public_messages(row)
                out[request_uuid] = view
        return out

    def public_messages(self, row: StoredRequest) -> list[dict[str, Any]]:
        """IT's public messages on the ticket ``row`` is on (internal ones never leave)."""
        target = self.shared(row)
        return [
            {
                "id": str(m["id"]),
                "author": m["author"],
                "text": m["text"],
                "created_at": iso(m["created_at"]),
            }
            for m in self.store.messages(target["uuid"], public_only=True)
            if m["role"] == "it"
        ]

    def list_open(self, user: str, limit: int = 500) -> list[dict[str, Any]]:
        rows = self.store.list_requests(user, states=sorted(OPEN_STATES), limit=limit)
        return [self.view(user, r) for r in rows]

    # -- follow-ups ---------------------------------------------------------------------------

    def comment(self, user: str, request_uuid: Any, text: tuple[str, list[str]]) -> dict[str, Any]:
        """The caller's note, delivered once to the ticket their request is on."""
        row = self.own(user, request_uuid)
        if row["state"] == "cancelled":
            raise ServiceError(409, f"Request {row['uuid']} is cancelled.")
        target = self.shared(row)
        words = text[0] if target["uuid"] == row["uuid"] else f"From {user}: {text[0]}"
        self.store.add_comment(target["uuid"], user, "comment", words)
        self._wake()
        return self.view(user, self.store.get_request(row["uuid"]) or row)

    def cancel(self, user: str, request_uuid: Any) -> dict[str, Any]:
        """Withdraw the caller from the ticket; the ticket is cancelled when nobody needs it."""
        row = self.own(user, request_uuid)
        if row["state"] not in OPEN_STATES:
            raise ServiceError(409, f"Request {row['uuid']} is {row['state']}; not cancellable.")
        target = self.shared(row)
        with self.store.transaction():
            meta = _meta(target)
            withdrawn = sorted({*meta.get("withdrawn", []), user})
            meta["withdrawn"] = withdrawn
            self.store.update_fields(target["uuid"], meta=meta)
            remaining = {r["user"] for r in self.extra.requesters(target["uuid"])}
            remaining -= set(withdrawn)
            if target["uuid"] != row["uuid"]:
                self.store.transition(row["uuid"], "cancelled", note="cancelled by the user")
            if remaining:
                self.store.add_comment(
                    target["uuid"],
                    user,
                    "system",
                    f"{user} no longer needs this; {len(remaining)} requester(s) still do.",
                )
        if not remaining and target["state"] in OPEN_STATES:
            self.service.cancel(target["user"], target["uuid"])
        else:
            self._wake()
        return self.view(user, self.store.get_request(row["uuid"]) or row)
