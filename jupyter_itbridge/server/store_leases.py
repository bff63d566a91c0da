"""Delivery leases: a request (or a comment) is claimed before delivery, by one process.

Why: two servers of one user (JupyterHub named servers), a server and ``jupyter itbridge
requests retry``, or two relay replicas may share one store, and each runs an outbox. Without
a claim both pick the same due request, both ask the ticket system "does it exist yet?", both
hear "no" and both create it. A claim sets ``lease_owner`` (this outbox) and
``lease_expires_at`` atomically: one conditional UPDATE on SQLite (the database's write lock
makes it atomic), ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (replicas skip rows another one is
claiming instead of waiting). A live owner renews its leases; a crashed one's expire and are
claimed again - at once when the dead owner is certainly gone (same machine, its process no
longer exists), else after the lease time.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from typing import Any, cast

import sqlalchemy as sa

from ..jsontypes import DueComment, StoredRequest
from .store_base import StoreBase, consts
from .store_schema import DUE_STATES, PENDING, comments, requests

_r, _c = requests.c, comments.c
_bp = sa.bindparam


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat`` field 22), or
    None when no such process exists (or it is a zombie: killed, not yet reaped)."""
    text = _read(f"/proc/{pid}/stat")
    if ")" not in text:
        return None
    fields = text.rsplit(")", 1)[1].split()
    if len(fields) < 20 or fields[0] == "Z":
        return None
    return fields[19]


def _machine() -> tuple[str, str, str]:
    """This machine and PID namespace: host name, boot id, pid-namespace inode ("-" unknown)."""
    boot = _read("/proc/sys/kernel/random/boot_id")[:8] or "-"
    try:
        pidns = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        pidns = "-"
    return socket.gethostname().replace("/", "_"), boot, pidns


def lease_owner_id() -> str:
    """A new owner id: ``host/boot/pidns/pid/start/random`` (one per outbox).

    The random part tells two outboxes of one process apart; the rest lets another process on
    the same machine prove that the owner is dead (``owner_is_dead``).
    """
    pid = os.getpid()
    parts = (*_machine(), str(pid), _process_start(pid) or "-", secrets.token_hex(4))
    return "/".join(parts)


def owner_is_dead(owner: str) -> bool:
    """True only when certain: the owner ran on this machine and PID namespace, and its process
    no longer exists (or the PID now belongs to a process started at another time). Owners on
    other machines or containers are never judged: their leases simply expire."""
    parts = owner.rsplit("/", 5)
    if len(parts) != 6 or "-" in parts[1:3] or parts[4] == "-" or not parts[3].isdigit():
        return False
    if tuple(parts[:3]) != _machine():
        return False
    return _process_start(int(parts[3])) != parts[4]


def _free(table: sa.Table) -> sa.ColumnElement[bool]:
    cols = table.c
    return sa.or_(
        cols.lease_owner.is_(None),
        cols.lease_expires_at.is_(None),
        cols.lease_expires_at <= _bp("now"),
    )


def _due(cols: Any) -> sa.ColumnElement[float]:
    """When a row may be tried: its next attempt, or later when a live lease still holds it."""
    nxt = sa.func.coalesce(cols.next_attempt_at, 0)
    held = sa.and_(cols.lease_expires_at > _bp("now"), cols.lease_expires_at > nxt)
    return sa.case((held, cols.lease_expires_at), else_=nxt)


class LeaseQueries(StoreBase):
    """Claiming, renewing and reclaiming delivery leases; the worker's next wake-up."""

    def claim_due_requests(
        self, owner: str, lease: float, now: float | None = None, limit: int = 100
    ) -> list[StoredRequest]:
        """Atomically lease up to ``limit`` due requests nobody holds; oldest first."""
        now = time.time() if now is None else now

        def build() -> sa.ClauseElement:
            pick = (
                sa.select(_r.uuid)
                .where(
                    _r.state.in_(consts(DUE_STATES)),
                    sa.func.coalesce(_r.next_attempt_at, 0) <= _bp("now"),
                    _free(requests),
                )
                .order_by(_r.next_attempt_at, _r.id)
                .limit(_bp("limit"))
                .with_for_update(skip_locked=True)
            )
            values: dict[str, Any] = {
                "lease_owner": _bp("v_owner"),
                "lease_expires_at": _bp("v_until"),
            }
            return (
                sa.update(requests).where(_r.uuid.in_(pick)).values(values).returning(*requests.c)
            )

        params = {"now": now, "limit": limit, "v_owner": owner, "v_until": now + lease}
        rows = self._rows("claim_requests", build, params)
        rows.sort(key=lambda r: (r["next_attempt_at"] or 0.0, r["id"]))
        return cast("list[StoredRequest]", rows)

    def claim_due_comments(
        self, owner: str, lease: float, now: float | None = None, limit: int = 100
    ) -> list[DueComment]:
        """Atomically lease up to ``limit`` pending comments whose ticket exists."""
        now = time.time() if now is None else now

        def build() -> sa.ClauseElement:
            pick = (
                sa.select(_c.id)
                .join(requests, _r.uuid == _c.request_uuid)
                .where(
                    _c.delivered == PENDING,
                    _r.ticket_id.is_not(None),
                    sa.func.coalesce(_c.next_attempt_at, 0) <= _bp("now"),
                    _free(comments),
                )
                .order_by(_c.id)
                .limit(_bp("limit"))
                .with_for_update(skip_locked=True, of=comments)
            )

            def ticket(col: Any) -> Any:
                found = sa.select(col).where(_r.uuid == _c.request_uuid).scalar_subquery()
                return found.label(col.name)

            values: dict[str, Any] = {
                "lease_owner": _bp("v_owner"),
                "lease_expires_at": _bp("v_until"),
            }
            return (
                sa.update(comments)
                .where(_c.id.in_(pick))
                .values(values)
                .returning(*comments.c, ticket(_r.ticket_id), ticket(_r.ticket_url))
            )

        params = {"now": now, "limit": limit, "v_owner": owner, "v_until": now + lease}
        rows = self._rows("claim_comments", build, params)
        rows.sort(key=lambda r: r["id"])
        return cast("list[DueComment]", rows)

    def claim_request(
        self, request_uuid: str, owner: str, lease: float, now: float | None = None
    ) -> StoredRequest | None:
        """Lease one request waiting for delivery, due or not (an explicit delivery); None
        when it is not waiting or another owner's lease still holds it."""
        now = time.time() if now is None else now

        def build() -> sa.ClauseElement:
            mine_or_free = sa.or_(_free(requests), _r.lease_owner == _bp("v_owner"))
            values: dict[str, Any] = {
                "lease_owner": _bp("v_owner"),
                "lease_expires_at": _bp("v_until"),
            }
            return (
                sa.update(requests)
                .where(_r.uuid == _bp("uuid"), _r.state.in_(consts(DUE_STATES)), mine_or_free)
                .values(values)
                .returning(*requests.c)
            )

        params = {"uuid": request_uuid, "now": now, "v_owner": owner, "v_until": now + lease}
        return cast("StoredRequest | None", self._one("claim_request", build, params))

    def renew_lease(
        self, request_uuid: str, owner: str, lease: float, now: float | None = None
    ) -> bool:
        """Extend this owner's lease on a request still waiting for delivery. False: the lease
        was lost (expired and claimed by another process) or the request was cancelled."""
        now = time.time() if now is None else now
        changed = self._run(
            "renew_lease",
            lambda: (
                sa.update(requests)
                .where(
                    _r.uuid == _bp("uuid"),
                    _r.lease_owner == _bp("owner"),
                    _r.state.in_(consts(DUE_STATES)),
                )
                .values(lease_expires_at=_bp("v_until"))
            ),
            {"uuid": request_uuid, "owner": owner, "v_until": now + lease},
        )
        return changed > 0

    def renew_leases(self, owner: str, lease: float, now: float | None = None) -> int:
        """Extend every lease this owner holds (its deliveries in flight); rows renewed."""
        now = time.time() if now is None else now
        params = {"owner": owner, "v_until": now + lease}

        def on_requests() -> sa.ClauseElement:
            return (
                sa.update(requests)
                .where(_r.lease_owner == _bp("owner"), _r.state.in_(consts(DUE_STATES)))
                .values(lease_expires_at=_bp("v_until"))
            )

        def on_comments() -> sa.ClauseElement:
            return (
                sa.update(comments)
                .where(_c.lease_owner == _bp("owner"), _c.delivered == PENDING)
                .values(lease_expires_at=_bp("v_until"))
            )

        return self._run("renew_requests", on_requests, params) + self._run(
            "renew_comments", on_comments, params
        )

    def lease_holders(self, now: float | None = None) -> set[str]:
        """Owners holding an unexpired lease on a request or a comment."""
        now = time.time() if now is None else now
        out: set[str] = set()
        for table in (requests, comments):

            def build(table: sa.Table = table) -> sa.ClauseElement:
                cols = table.c
                return (
                    sa.select(cols.lease_owner)
                    .where(cols.lease_owner.is_not(None), cols.lease_expires_at > _bp("now"))
                    .distinct()
                )

            out.update(
                r["lease_owner"] for r in self._rows(("holders", table.name), build, {"now": now})
            )
        return out

    def release_dead_leases(self, is_dead: Callable[[str], bool] = owner_is_dead) -> int:
        """Free the leases of owners that are certainly dead (see ``owner_is_dead``), so a
        server restarted after a crash resumes at once instead of after the lease time."""
        released = 0
        for owner in sorted(self.lease_holders()):
            if not is_dead(owner):
                continue
            for table in (requests, comments):
                fields = {"lease_owner": None, "lease_expires_at": None}
                released += self._update(table, "lease_owner", owner, fields)
        return released

    def next_due_at(self, now: float | None = None) -> float | None:
        """Earliest time a request or comment may be tried (its next attempt, or the end of a
        lease that holds it), for the worker's sleep."""
        now = time.time() if now is None else now

        def build() -> sa.ClauseElement:
            reqs = sa.select(sa.func.min(_due(_r)).label("t")).where(
                _r.state.in_(consts(DUE_STATES))
            )
            coms = (
                sa.select(sa.func.min(_due(_c)).label("t"))
                .join(requests, _r.uuid == _c.request_uuid)
                .where(_c.delivered == PENDING, _r.ticket_id.is_not(None))
            )
            both = sa.union_all(reqs, coms).subquery()
            return sa.select(sa.func.min(both.c.t))

        value = self._scalar("next_due_at", build, {"now": now})
        return None if value is None else float(value)
