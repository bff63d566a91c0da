"""Queries across users: the hub relay's dedupe, its requesters, and IT's view of everything.

Why apart from ``store.py``: a single-user server only ever asks about its owner's requests;
the relay holds every user's and must answer "is this problem already open for anyone?",
"who else asked?" and IT's "what is open, for whom, since when?". Users see counts, IT sees
names: this module returns names, the callers decide who may see them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..contract import OPEN_STATES, STATES
from ..jsontypes import StoredRequest, StoredRequester, SubjectSummary
from .store_base import StoreBase, consts
from .store_schema import PENDING, comments, new_comment, requesters, requests

_r, _q = requests.c, requesters.c
_bp = sa.bindparam
_OPEN = sorted(OPEN_STATES)


def _states(state: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"failed"``, ``["sent", "failed"]`` or ``"open"`` (queued, sent, acknowledged, failed)."""
    if state is None:
        return ()
    items = [state] if isinstance(state, str) else list(state)
    out: set[str] = set()
    for item in items:
        if item == "open":
            out.update(_OPEN)
        elif item in STATES:
            out.add(item)
        else:
            raise ValueError(f"unknown state {item!r}; valid: {', '.join(STATES)} or 'open'")
    return tuple(sorted(out))


class _Filters:
    """IT's filters: which clauses a query has (its cache key) and their bound values."""

    def __init__(
        self,
        state: str | Sequence[str] | None,
        kind: str | None,
        subject: str | None,
        user: str | None,
        older_than: float | None,
        now: float | None,
    ) -> None:
        self.states = _states(state)
        given = {"kind": kind, "subject": subject, "user": user}
        self.params: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        if older_than is not None:
            self.params["before"] = (time.time() if now is None else now) - float(older_than)
        self.key = (self.states, *sorted(self.params))

    def apply(self, stmt: Any) -> Any:
        if self.states:
            stmt = stmt.where(_r.state.in_(consts(self.states)))
        if "kind" in self.params:
            stmt = stmt.where(_r.kind == _bp("kind"))
        if "subject" in self.params:
            stmt = stmt.where(_r.subject == _bp("subject"))
        if "user" in self.params:
            joined = sa.exists().where(_q.request_uuid == _r.uuid, _q.user == _bp("user"))
            stmt = stmt.where(sa.or_(_r.user == _bp("user"), joined))
        if "before" in self.params:
            stmt = stmt.where(_r.created_at <= _bp("before"))
        return stmt


class RelayQueries(StoreBase):
    """Cross-user dedupe, requesters, IT's listing and top subjects, relay bookkeeping."""

    def find_open_by_fingerprint(self, fingerprint: str) -> StoredRequest | None:
        """The oldest open request with this fingerprint, whoever filed it (the relay's
        dedupe target; ``find_open`` is the per-user one)."""
        row = self._one(
            "find_open_any",
            lambda: (
                sa.select(requests)
                .where(_r.fingerprint == _bp("fp"), _r.state.in_(consts(_OPEN)))
                .order_by(_r.id)
                .limit(1)
            ),
            {"fp": fingerprint},
        )
        return cast("StoredRequest | None", row)

    def add_requester(self, request_uuid: str, user: str, justification: str | None = None) -> bool:
        """Record that ``user`` asked for this request too; True if they were not listed yet
        (the first justification is kept: a repeated "+1" does not overwrite it)."""
        dialect_insert = postgresql.insert if self.engine == "postgresql" else sqlite.insert

        def build() -> sa.ClauseElement:
            cols = ("request_uuid", "user", "justification", "created_at")
            stmt = dialect_insert(requesters).values({c: _bp(f"v_{c}") for c in cols})
            return stmt.on_conflict_do_nothing(index_elements=["request_uuid", "user"])

        params = {
            "v_request_uuid": request_uuid,
            "v_user": user,
            "v_justification": justification,
            "v_created_at": time.time(),
        }
        return self._run("add_requester", build, params) > 0

    def comment_and_update(
        self, request_uuid: str, user: str, kind: str, text: str, **fields: Any
    ) -> StoredRequest:
        """``add_comment`` plus these columns of its request, in one transaction and one
        UPDATE of the request (a joining request's "+1" and the shared one's ``meta``);
        returns the request as stored now, so the caller needs no second read."""
        now = time.time()
        with self.transaction(exclusive=False):
            row = self._update_row(requests, "uuid", request_uuid, {**fields, "updated_at": now})
            if row is None:
                raise KeyError(request_uuid)
            self._insert(comments, new_comment(request_uuid, user, kind, text, PENDING, now))
        return cast("StoredRequest", row)

    def requesters(self, request_uuid: str) -> list[StoredRequester]:
        """Everyone recorded as asking for this request, first one first."""
        rows = self._rows(
            "requesters",
            lambda: (
                sa.select(requesters)
                .where(_q.request_uuid == _bp("uuid"))
                .order_by(_q.created_at, _q.user)
            ),
            {"uuid": request_uuid},
        )
        return cast("list[StoredRequester]", rows)

    def list_all(
        self,
        state: str | Sequence[str] | None = None,
        kind: str | None = None,
        subject: str | None = None,
        user: str | None = None,
        older_than: float | None = None,
        limit: int = 100,
        offset: int = 0,
        *,
        now: float | None = None,
    ) -> list[StoredRequest]:
        """Every user's requests, newest first, for IT's view. ``state``: one state, a list,
        or ``"open"``; ``user``: filed by that user *or* listed among its requesters;
        ``older_than``: filed at least that many seconds ago."""
        where = _Filters(state, kind, subject, user, older_than, now)

        def build() -> sa.ClauseElement:
            stmt = where.apply(sa.select(requests)).order_by(_r.id.desc())
            return stmt.limit(_bp("limit")).offset(_bp("offset"))

        params = {**where.params, "limit": limit, "offset": offset}
        return cast("list[StoredRequest]", self._rows(("list_all", *where.key), build, params))

    def count_all(
        self,
        state: str | Sequence[str] | None = None,
        kind: str | None = None,
        subject: str | None = None,
        user: str | None = None,
        older_than: float | None = None,
        *,
        now: float | None = None,
    ) -> int:
        """How many requests ``list_all`` with these filters would list without a limit."""
        where = _Filters(state, kind, subject, user, older_than, now)
        value = self._scalar(
            ("count_all", *where.key),
            lambda: where.apply(sa.select(sa.func.count()).select_from(requests)),
            where.params,
        )
        return int(value or 0)

    def top_subjects(self, limit: int = 10, *, now: float | None = None) -> list[SubjectSummary]:
        """Open problems by subject: ``{subject, kind, users, requests, oldest_open_at,
        oldest_open_age}`` - distinct users (filers and requesters), open requests, and the
        oldest one's filing time and age in seconds. Most users first, then the oldest."""
        now = time.time() if now is None else now

        def build() -> sa.ClauseElement:
            open_ = (_r.state.in_(consts(_OPEN)), _r.subject.is_not(None))
            cols = (_r.subject, _r.kind, _r.uuid, _r.created_at)
            filers = sa.select(*cols, _r.user.label("who")).where(*open_)
            joined = (
                sa.select(*cols, _q.user.label("who"))
                .join(requesters, _q.request_uuid == _r.uuid)
                .where(*open_)
            )
            people = sa.union(filers, joined).subquery()
            users = sa.func.count(sa.distinct(people.c.who)).label("users")
            oldest = sa.func.min(people.c.created_at).label("oldest_open_at")
            return (
                sa.select(
                    people.c.subject,
                    people.c.kind,
                    users,
                    sa.func.count(sa.distinct(people.c.uuid)).label("requests"),
                    oldest,
                )
                .group_by(people.c.subject, people.c.kind)
                .order_by(users.desc(), oldest, people.c.subject)
                .limit(_bp("limit"))
            )

        rows = self._rows("top_subjects", build, {"limit": limit})
        for row in rows:
            row["users"], row["requests"] = int(row["users"]), int(row["requests"])
            row["oldest_open_age"] = max(0.0, now - float(row["oldest_open_at"]))
        return cast("list[SubjectSummary]", rows)

    def merge_meta(self, request_uuid: str, patch: dict[str, Any]) -> dict[str, Any]:
        """Merge ``patch`` into the request's ``meta`` JSON (a key set to None is removed);
        returns the new ``meta``. Atomic: two writers never lose each other's keys."""
        with self.transaction(exclusive=False):
            row = self._one(
                "meta_for_update",
                lambda: sa.select(_r.meta).where(_r.uuid == _bp("uuid")).with_for_update(),
                {"uuid": request_uuid},
            )
            if row is None:
                raise KeyError(request_uuid)
            meta = dict(row["meta"] or {})
            meta.update(patch)
            meta = {k: v for k, v in meta.items() if v is not None}
            self._update(requests, "uuid", request_uuid, {"meta": meta})
        return meta
