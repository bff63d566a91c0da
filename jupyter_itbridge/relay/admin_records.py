"""What IT's view shows, without the web: filters, request records with their requesters, top
subjects in words, and the CSV/JSON exports.

Why apart from the handlers (``admin_view.py``): this is the part with rules worth testing on
their own (which filter values are valid, what a spreadsheet must never run as a formula, how
"open 9 days" is worded), and the same records feed the page, the exports and the admin JSON
API that ``jupyter itbridge requests --relay`` reads. Pure: no tornado, no I/O of its own; the
store is passed in.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from ..contract import KINDS, OPEN_STATES, STATES
from ..jsontypes import StoredComment, StoredEvent, StoredRequest
from ..server.views import iso, request_json

#: Requests per page on IT's page and per admin API call (``limit`` may ask for up to MAX_PAGE).
PAGE_SIZE, MAX_PAGE = 50, 500
#: Most requests one export returns (read from the store MAX_PAGE at a time).
MAX_EXPORT = 100_000
#: Longest ``subject`` / ``user`` filter value (subjects and hub user names are short).
MAX_FILTER_CHARS = 200
#: Age filter choices offered on the page, in days (any whole number is accepted).
AGE_CHOICES = (1, 7, 30, 90)


class FilterError(ValueError):
    """A filter value IT's view cannot use (the handlers answer 400 with this sentence)."""


class AdminStore(Protocol):
    """The store methods IT's view reads (the relay's SQLAlchemy store provides them)."""

    def get_request(self, request_uuid: str) -> StoredRequest | None: ...
    def get_request_by_id(self, request_id: int) -> StoredRequest | None: ...
    def comments(self, request_uuid: str) -> list[StoredComment]: ...
    def history(self, request_uuid: str) -> list[StoredEvent]: ...
    def requesters(self, request_uuid: str) -> list[dict[str, Any]]: ...
    def list_all(
        self,
        state: Any = None,
        kind: str | None = None,
        subject: str | None = None,
        user: str | None = None,
        older_than: float | None = None,
        limit: int = ...,
        offset: int = 0,
    ) -> list[StoredRequest]: ...
    def top_subjects(self, limit: int) -> Sequence[Any]: ...
    def transition(
        self, request_uuid: str, new_state: Any, *, note: str | None = None, **fields: Any
    ) -> Any: ...


@dataclass(frozen=True)
class Filters:
    """One query of IT's view; empty strings mean "any"."""

    state: str = ""  # a state, or "open" (queued, sent, acknowledged, failed)
    kind: str = ""
    subject: str = ""
    user: str = ""
    older_than_days: int | None = None
    limit: int = PAGE_SIZE
    offset: int = 0

    def store_state(self) -> str | tuple[str, ...] | None:
        """``list_all``'s ``state``: one state, the open states as a tuple, or None."""
        if self.state == "open":
            return tuple(sorted(OPEN_STATES))
        return self.state or None

    def older_than_seconds(self) -> float | None:
        return None if self.older_than_days is None else self.older_than_days * 86400.0

    def query(self, **changes: Any) -> str:
        """The URL query string of these filters (with ``changes``), empty values left out."""
        values = {
            "state": self.state,
            "kind": self.kind,
            "subject": self.subject,
            "user": self.user,
            "older_than_days": "" if self.older_than_days is None else self.older_than_days,
            "offset": self.offset or "",
            "limit": "" if self.limit == PAGE_SIZE else self.limit,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 0)})

    @property
    def active(self) -> bool:
        return bool(self.state or self.kind or self.subject or self.user) or (
            self.older_than_days is not None
        )


def _whole(name: str, text: str, low: int, high: int) -> int | None:
    if not text.strip():
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise FilterError(f"{name} must be a whole number, not {text[:40]!r}.") from None
    if not low <= value <= high:
        raise FilterError(f"{name} must be between {low} and {high}, not {value}.")
    return value


def parse_limit(text: str, *, default: int, high: int) -> int:
    """A ``limit`` query argument: 1..high, ``default`` when absent."""
    return _whole("limit", text, 1, high) or default


def safe_url(url: Any) -> str | None:
    """A ticket link fit for an ``href``: http(s) only (never ``javascript:``), else None."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else None


def parse_filters(arg: Callable[[str], str], *, max_limit: int = MAX_PAGE) -> Filters:
    """Filters from query arguments (``arg(name) -> str``, "" when absent), or FilterError."""
    state, kind = arg("state").strip(), arg("kind").strip()
    if state and state != "open" and state not in STATES:
        raise FilterError(f"Unknown state {state[:40]!r}; use one of: open, {', '.join(STATES)}.")
    if kind and kind not in KINDS:
        raise FilterError(f"Unknown kind {kind[:40]!r}; use one of: {', '.join(KINDS)}.")
    subject, user = arg("subject").strip(), arg("user").strip()
    for name, value in (("subject", subject), ("user", user)):
        if len(value) > MAX_FILTER_CHARS:
            raise FilterError(f"The {name} filter is longer than {MAX_FILTER_CHARS} characters.")
    return Filters(
        state=state,
        kind=kind,
        subject=subject,
        user=user,
        older_than_days=_whole("older_than_days", arg("older_than_days"), 0, 36500),
        limit=_whole("limit", arg("limit"), 1, max_limit) or min(PAGE_SIZE, max_limit),
        offset=_whole("offset", arg("offset"), 0, 10**9) or 0,
    )


def page(store: AdminStore, filters: Filters) -> tuple[list[StoredRequest], bool]:
    """One page of stored rows, newest first, and whether there are more after it."""
    rows = store.list_all(
        state=filters.store_state(),
        kind=filters.kind or None,
        subject=filters.subject or None,
        user=filters.user or None,
        older_than=filters.older_than_seconds(),
        limit=filters.limit + 1,
        offset=filters.offset,
    )
    return rows[: filters.limit], len(rows) > filters.limit


def all_rows(store: AdminStore, filters: Filters, cap: int = MAX_EXPORT) -> list[StoredRequest]:
    """Every row matching ``filters`` (their offset onwards), read a page at a time, up to cap."""
    out: list[StoredRequest] = []
    offset = filters.offset
    while len(out) < cap:
        batch = replace(filters, limit=MAX_PAGE, offset=offset)
        rows, more = page(store, batch)
        out.extend(rows)
        if not more:
            break
        offset += len(rows)
    return out[:cap]


# -- records ------------------------------------------------------------------------------------


def _meta(row: Mapping[str, Any]) -> dict[str, Any]:
    meta = row.get("meta")
    return meta if isinstance(meta, dict) else {}


def record(store: AdminStore, row: StoredRequest, *, detail: bool = True) -> dict[str, Any]:
    """A request as IT sees it: the REST API's request shape plus who asked for it.

    ``requesters`` are the users on the ticket this request carries (names: IT sees them);
    ``duplicate_of`` names the request whose ticket it joined (same problem, ticket open),
    with that ticket.
    """
    out: dict[str, Any] = dict(
        request_json(
            row,
            comments=store.comments(row["uuid"]) if detail else None,
            history=store.history(row["uuid"]) if detail else None,
        )
    )
    out["requesters"] = [
        {
            "user": str(r["user"]),
            "justification": str(r.get("justification") or ""),
            "created_at": iso(r.get("created_at")),
        }
        for r in store.requesters(row["uuid"])
    ]
    shared_uuid = _meta(row).get("duplicate_of")
    shared = store.get_request(shared_uuid) if isinstance(shared_uuid, str) else None
    out["duplicate_of"] = None
    if shared is not None:
        ticket = None
        if shared.get("ticket_id"):
            ticket = {"id": shared["ticket_id"], "url": shared.get("ticket_url")}
        out["duplicate_of"] = {
            "id": shared["id"],
            "uuid": shared["uuid"],
            "state": shared["state"],
            "ticket": ticket,
        }
    return out


def records(store: AdminStore, rows: Iterable[StoredRequest], *, detail: bool) -> list[dict]:
    return [record(store, row, detail=detail) for row in rows]


# -- top subjects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """One line of "top subjects": a problem many users have, and for how long."""

    subject: str
    kind: str
    users: int
    oldest_open_seconds: float

    def words(self) -> str:
        """``scikit-learn: 12 users, open 9 days``."""
        users = f"{self.users} user{'' if self.users == 1 else 's'}"
        return f"{self.subject}: {users}, open {duration(self.oldest_open_seconds)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "kind": self.kind,
            "users": self.users,
            "oldest_open_seconds": round(self.oldest_open_seconds),
            "text": self.words(),
        }


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value or 0)


def top_subjects(store: AdminStore, limit: int = 10) -> list[Subject]:
    """``store.top_subjects`` as :class:`Subject`: rows are mappings with ``subject``, ``kind``,
    ``users`` and ``oldest_open_age`` (seconds), or (subject, kind, users, age) tuples."""
    out = []
    for item in store.top_subjects(limit):
        if isinstance(item, Mapping):
            subject, kind = item["subject"], item.get("kind")
            users, age = item["users"], item.get("oldest_open_age")
        else:
            subject, kind, users, age = tuple(item)[:4]
        out.append(Subject(str(subject), str(kind or ""), int(users), _seconds(age)))
    return out


def duration(seconds: float) -> str:
    """A rounded-down age in the largest whole unit: ``9 days``, ``3 hours``, ``1 minute``."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "less than a minute"


def age_words(created_at: float | str | None, now: float | None = None) -> str:
    """How long ago ``created_at`` (UNIX time or ISO 8601, as records carry it) was."""
    if created_at is None or created_at == "":
        return ""
    if isinstance(created_at, str):
        try:
            created_at = datetime.fromisoformat(created_at).timestamp()
        except ValueError:
            return ""
    return duration(max(0.0, (time.time() if now is None else now) - created_at))


# -- exports ------------------------------------------------------------------------------------

#: Export columns, in order; ``requesters`` is "alice; bob", ``duplicate_of`` a request number.
CSV_FIELDS = (
    "id",
    "uuid",
    "user",
    "state",
    "state_detail",
    "kind",
    "subject",
    "urgency",
    "summary",
    "requesters",
    "duplicate_of",
    "backend",
    "ticket_id",
    "ticket_url",
    "attempts",
    "last_error",
    "created_at",
    "updated_at",
    "fingerprint",
    "body",
)

#: Cell starts a spreadsheet runs as a formula (OWASP "CSV injection"): users typed these texts.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value a spreadsheet shows as text: a leading ``'`` before any formula start."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: rec.get(name) for name in CSV_FIELDS}
    values["requesters"] = "; ".join(r["user"] for r in rec.get("requesters") or [])
    shared = rec.get("duplicate_of")
    values["duplicate_of"] = shared["id"] if shared else ""
    return {name: csv_cell(value) for name, value in values.items()}


def to_csv(recs: Iterable[Mapping[str, Any]]) -> str:
    """RFC 4180 CSV (quoted multi-line bodies), one header row, every cell formula-safe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for rec in recs:
        writer.writerow(_csv_values(rec))
    return out.getvalue()


def to_json(recs: Iterable[Mapping[str, Any]]) -> str:
    return json.dumps(list(recs), indent=2, ensure_ascii=False) + "\n"
