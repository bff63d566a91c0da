"""IT's view without the web: filter rules, wording, formula-safe CSV, paging through the store."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from jupyter_itbridge.contract import OPEN_STATES
from jupyter_itbridge.relay import admin_records as ar


def args(**values: str) -> Any:
    return lambda name: values.get(name, "")


def test_filters_default_to_everything_newest_first() -> None:
    filters = ar.parse_filters(args())
    assert filters == ar.Filters()
    assert filters.store_state() is None and filters.older_than_seconds() is None
    assert not filters.active and filters.query() == ""


def test_filters_parse_and_round_trip_through_the_query() -> None:
    filters = ar.parse_filters(
        args(state="open", kind="missing_driver", subject=" oracle-client ", user="bob",
             older_than_days="7", limit="20", offset="40")
    )  # fmt: skip
    assert filters.store_state() == tuple(sorted(OPEN_STATES))
    assert filters.older_than_seconds() == 7 * 86400
    assert filters.subject == "oracle-client" and filters.active
    query = dict(pair.split("=") for pair in filters.query().split("&"))
    assert ar.parse_filters(lambda name: query.get(name, "")) == filters
    assert "offset" not in filters.query(offset="")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"state": "OPEN"}, "Unknown state 'OPEN'; use one of: open, queued"),
        ({"kind": "bug"}, "Unknown kind 'bug'"),
        ({"older_than_days": "1.5"}, "older_than_days must be a whole number, not '1.5'."),
        ({"older_than_days": "36501"}, "between 0 and 36500"),
        ({"limit": "501"}, "limit must be between 1 and 500, not 501."),
        ({"offset": "-3"}, "offset must be between 0 and"),
        ({"user": "u" * 201}, "The user filter is longer than 200 characters."),
    ],
)
def test_bad_filters_say_what_is_wrong(values: dict[str, str], message: str) -> None:
    with pytest.raises(ar.FilterError, match=None) as err:
        ar.parse_filters(args(**values))
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "less than a minute"),
        (59, "less than a minute"),
        (60, "1 minute"),
        (7199, "1 hour"),
        (86400 * 9 + 3600 * 23, "9 days"),
        (86400, "1 day"),
    ],
)
def test_durations_round_down_to_the_largest_unit(seconds: float, words: str) -> None:
    assert ar.duration(seconds) == words


def test_ages_read_unix_times_and_iso_strings() -> None:
    assert ar.age_words(1000.0, now=1000.0 + 3 * 86400) == "3 days"
    assert ar.age_words("1970-01-01T00:16:40+00:00", now=1000.0 + 7200) == "2 hours"
    assert ar.age_words(None) == "" and ar.age_words("not a time") == ""


def test_subjects_in_words_from_tuples_or_mappings() -> None:
    class Store:
        def top_subjects(self, limit: int) -> list[Any]:
            return [
                ("scikit-learn", "missing_package", 12, 9 * 86400 + 5),
                {
                    "subject": "memory",
                    "kind": "resource_limit",
                    "users": 1,
                    "requests": 2,  # the store's shape: not the age
                    "oldest_open_at": 0.0,
                    "oldest_open_age": timedelta(hours=3),
                },
            ][:limit]

    subjects = ar.top_subjects(Store(), 10)  # type: ignore[arg-type]
    assert [s.words() for s in subjects] == [
        "scikit-learn: 12 users, open 9 days",
        "memory: 1 user, open 3 hours",
    ]
    assert subjects[1].as_json()["oldest_open_seconds"] == 3 * 3600


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("pyspark", "pyspark"),
        (" =1", " =1"),  # not a formula start: spreadsheets read a leading space as text
        (3, 3),
        (None, None),
    ],
)
def test_csv_cells_never_start_a_formula(value: Any, cell: Any) -> None:
    assert ar.csv_cell(value) == cell


def test_csv_export_round_trips_multiline_text_and_lists_requesters() -> None:
    record = {
        "id": 3,
        "user": "bob",
        "summary": "-rf the cache, please",
        "body": 'line one\n"quoted", and, commas\n=HYPERLINK("x")',
        "requesters": [{"user": "alice"}, {"user": "bob"}],
        "duplicate_of": {"id": 1, "uuid": "u", "state": "sent"},
    }
    rows = list(csv.DictReader(io.StringIO(ar.to_csv([record]))))
    assert list(rows[0]) == list(ar.CSV_FIELDS)
    assert rows[0]["summary"] == "'-rf the cache, please"
    assert rows[0]["body"] == record["body"]  # starts with "line": kept exactly
    assert rows[0]["requesters"] == "alice; bob" and rows[0]["duplicate_of"] == "1"


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        (
            "https://rt.example/Ticket/Display.html?id=1",
            "https://rt.example/Ticket/Display.html?id=1",
        ),
        ("HTTP://rt.example/1", "HTTP://rt.example/1"),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//evil.example/", None),
        (None, None),
    ],
)
def test_only_http_ticket_links_become_links(url: Any, safe: str | None) -> None:
    assert ar.safe_url(url) == safe


class PagedStore:
    """Records the ``list_all`` calls; rows are plain dicts with ids n..1."""

    def __init__(self, n: int) -> None:
        self.rows = [{"id": i} for i in range(n, 0, -1)]
        self.calls: list[dict[str, Any]] = []

    def list_all(self, **kw: Any) -> list[dict[str, Any]]:
        self.calls.append(kw)
        return self.rows[kw["offset"] : kw["offset"] + kw["limit"]]


def test_a_page_asks_one_more_row_to_know_if_there_are_more() -> None:
    store = PagedStore(5)
    rows, more = ar.page(store, ar.Filters(limit=5))  # type: ignore[arg-type]
    assert len(rows) == 5 and not more and store.calls[0]["limit"] == 6
    rows, more = ar.page(store, ar.Filters(limit=2, offset=2, user="bob", state="open"))  # type: ignore[arg-type]
    assert [r["id"] for r in rows] == [3, 2] and more
    assert store.calls[1]["user"] == "bob" and store.calls[1]["state"] == tuple(sorted(OPEN_STATES))


def test_exports_read_every_page_up_to_the_cap() -> None:
    store = PagedStore(1234)
    rows = ar.all_rows(store, ar.Filters(limit=7))  # type: ignore[arg-type]
    assert [r["id"] for r in rows] == list(range(1234, 0, -1))
    assert [c["offset"] for c in store.calls] == [0, 500, 1000]
    assert len(ar.all_rows(PagedStore(1234), ar.Filters(), cap=600)) == 600  # type: ignore[arg-type]
