"""IT's view over HTTP: who may look, filters, top subjects, exact text rendered as text, exports,
the admin JSON API and the retry form.

A real tornado app with the real ``HubOAuth`` (token lookups against a loopback stand-in of the
Hub's ``GET /hub/api/user``), over a real SQLite store filled the way the relay files requests.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relay.hub_standin import SERVICE_ACCESS, HubStandIn, LoopThread  # type: ignore[import-not-found]
from relay.itview_relay import ADMIN_SCOPE, PREFIX, in_process_forward, relay_app  # type: ignore[import-not-found]
from relay.itview_seed import (  # type: ignore[import-not-found]
    FORMULA_SUMMARY,
    XSS_BODY_LINE,
    XSS_SUMMARY,
    Seeded,
    seed,
)

from jupyter_itbridge.relay import admin_view
from jupyter_itbridge.server.store import Store


@dataclass
class Hub:
    loop: LoopThread
    standin: HubStandIn
    tokens: dict[str, str]


@dataclass
class View:
    base: str
    store: Any
    seeded: Seeded
    tokens: dict[str, str]

    def get(self, path: str = "", who: str | None = "admin", **kw: Any) -> requests.Response:
        headers = {"Authorization": f"token {self.tokens[who]}"} if who else {}
        return requests.get(
            self.base + path, headers=headers, allow_redirects=False, timeout=30, **kw
        )

    def post(self, path: str, who: str | None = "admin", **kw: Any) -> requests.Response:
        headers = {"Authorization": f"token {self.tokens[who]}"} if who else {}
        return requests.post(
            self.base + path, headers=headers, allow_redirects=False, timeout=30, **kw
        )


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    loop = LoopThread()
    standin = HubStandIn().start(loop)
    tokens = {
        "admin": standin.add_user("it-admin", admin=True),
        "staff": standin.add_user("it-staff", scopes=(SERVICE_ACCESS, ADMIN_SCOPE)),
        "staff_no_access": standin.add_user("it-other", scopes=(ADMIN_SCOPE,)),
        "alice": standin.add_user("alice"),
        "mallory": standin.add_user("mallory", scopes=()),
        "bad": "not-a-token-the-hub-knows",
    }
    yield Hub(loop, standin, tokens)
    loop.stop()


@pytest.fixture
def view(hub: Hub, tmp_path: Path) -> Iterator[View]:
    store = Store(str(tmp_path / "relay.sqlite3"))
    app, context = relay_app(store, hub.standin.api_url)
    seeded = seed(store, in_process_forward(context))
    port = hub.loop.listen(app)
    yield View(f"http://127.0.0.1:{port}{PREFIX}", store, seeded, hub.tokens)
    store.close()


def listed_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr class="itv-row" data-id="(\d+)"', page)]


# -- who may look -------------------------------------------------------------------------------


def test_anonymous_browser_is_sent_to_the_hub_login(view: View) -> None:
    for path in ("", "requests/1", "export.csv"):
        r = view.get(path, who=None)
        assert r.status_code == 302, path
        assert "/hub/api/oauth2/authorize?" in r.headers["Location"]
        assert "client_id=service-itbridge" in r.headers["Location"]


@pytest.mark.parametrize("who", ["alice", "mallory"])
def test_a_non_admin_gets_a_clear_403_page(view: View, who: str) -> None:
    for path in ("", "requests/1", "export.csv", "export.json"):
        r = view.get(path, who=who)
        assert r.status_code == 403, path
        assert r.headers["Content-Type"].startswith("text/html")
        text = html.unescape(r.text)
        assert "403 · Forbidden" in text
        assert f"IT's view needs a hub admin or the scope {ADMIN_SCOPE}." in text
        assert "scikit-learn" not in text and "Oracle" not in text  # nothing leaks
    assert "You are signed in as <strong>alice</strong>" in view.get("", who="alice").text


@pytest.mark.parametrize("who", ["admin", "staff", "staff_no_access"])
def test_hub_admins_and_the_admin_scope_see_every_request(view: View, who: str) -> None:
    r = view.get("", who=who)
    assert r.status_code == 200
    assert sorted(listed_ids(r.text)) == sorted(view.seeded.ids.values())
    for user in ("alice", "bob", "carol", "dave", "erin", "frank"):
        assert f'<td class="itv-user">{user}</td>' in r.text


# -- filters and top subjects -------------------------------------------------------------------

FILTER_CASES = {
    "state=failed": ["oracle_bob"],
    "state=cancelled": ["pyspark_alice"],
    "state=open": [
        "sklearn_alice", "sklearn_bob", "sklearn_carol", "sklearn_dave",
        "oracle_bob", "formula_erin", "xss_frank",
    ],
    "kind=missing_package": [
        "sklearn_alice", "sklearn_bob", "sklearn_carol", "sklearn_dave", "pyspark_alice",
    ],
    "subject=scikit-learn": ["sklearn_alice", "sklearn_bob", "sklearn_carol", "sklearn_dave"],
    "user=bob": ["sklearn_bob", "oracle_bob", "sklearn_alice"],  # filed, or joined
    "older_than_days=5": ["sklearn_alice", "sklearn_bob", "memory_carol", "pyspark_alice"],
    "state=open&older_than_days=5": ["sklearn_alice", "sklearn_bob"],
    "user=alice&kind=missing_package&state=sent": ["sklearn_alice"],
    "user=nobody": [],
}  # fmt: skip


@pytest.mark.parametrize("query", FILTER_CASES)
def test_filters(view: View, query: str) -> None:
    r = view.get(f"?{query}")
    assert r.status_code == 200
    expected = sorted((view.seeded.ids[name] for name in FILTER_CASES[query]), reverse=True)
    assert listed_ids(r.text) == expected  # newest first
    if not expected:
        assert "No requests match these filters." in r.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=bogus", "Unknown state 'bogus'"),
        ("kind=printer", "Unknown kind 'printer'"),
        ("older_than_days=soon", "older_than_days must be a whole number"),
        ("older_than_days=-1", "older_than_days must be between 0 and 36500"),
        ("limit=0", "limit must be between 1 and 500"),
        ("offset=x", "offset must be a whole number"),
        ("subject=" + "s" * 201, "The subject filter is longer than 200 characters."),
    ],
)
def test_bad_filter_values_get_a_400_page_never_a_500(view: View, query: str, message: str) -> None:
    for path in ("", "export.csv", "api/v1/admin/requests"):
        r = view.get(f"{path}?{query}")
        assert r.status_code == 400, path
        body = r.json()["message"] if path.startswith("api/") else html.unescape(r.text)
        assert message in body


def test_top_subjects_say_how_many_users_and_for_how_long(view: View) -> None:
    page = html.unescape(view.get("").text)
    assert "scikit-learn: 4 users, open 10 days" in page
    assert "oracle-client: 1 user, open 2 days" in page
    assert "memory" not in page.split("itv-subject-list")[1].split("</ol>")[0]  # resolved
    subjects = view.get("api/v1/admin/subjects").json()["subjects"]
    assert subjects[0] == {
        "subject": "scikit-learn",
        "kind": "missing_package",
        "users": 4,
        "oldest_open_seconds": subjects[0]["oldest_open_seconds"],
        "text": "scikit-learn: 4 users, open 10 days",
    }
    assert 10 * 86400 <= subjects[0]["oldest_open_seconds"] < 10 * 86400 + 120


def test_a_top_subject_links_to_its_open_requests(view: View) -> None:
    page = view.get("").text
    link = re.search(r'<a class="itv-subject" href="([^"]+)">scikit-learn', page)
    assert link is not None
    target = html.unescape(link.group(1))
    assert target.startswith(PREFIX)
    ids = listed_ids(view.get(target[len(PREFIX) :]).text)
    assert sorted(ids) == sorted(
        view.seeded.ids[f"sklearn_{u}"] for u in ("alice", "bob", "carol", "dave")
    )


# -- text as text, no inline code ------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.pre: dict[str, str] = {}
        self._in_pre: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "pre":
            self._in_pre = dict(attrs).get("id") or ""
            self.pre[self._in_pre] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_pre = None

    def handle_data(self, data: str) -> None:
        if self._in_pre is not None:
            self.pre[self._in_pre] += data


def parsed(text: str) -> _Tags:
    tags = _Tags()
    tags.feed(text)
    return tags


def test_user_text_is_rendered_as_text(view: View) -> None:
    xss = view.seeded.ids["xss_frank"]
    for path in ("", f"requests/{xss}", f"requests/{view.seeded.ids['sklearn_alice']}"):
        page = view.get(path).text
        tags = parsed(page)
        assert not [t for t, _ in tags.tags if t in ("b", "img", "iframe", "object")], path
        assert "<script>alert" not in page and "<b>bold" not in page
        assert not [a for _, a in tags.tags if a.get("href", "").lower().startswith("javascript")]
    detail = view.get(f"requests/{xss}").text
    assert html.escape(XSS_SUMMARY) in detail
    assert XSS_BODY_LINE in parsed(detail).pre["itv-body"]  # shown, as text
    assert 'class="itv-ticket"' not in detail  # a javascript: ticket link is not a link


def test_pages_have_no_inline_script_or_style_and_a_strict_csp(view: View) -> None:
    for path in ("", "requests/1", "requests/999", "?state=bogus"):
        r = view.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        tags = parsed(r.text)
        scripts = [a for t, a in tags.tags if t == "script"]
        assert scripts and all(a.get("src") for a in scripts), path
        assert not [t for t, _ in tags.tags if t == "style"]
        assert not [a for _, a in tags.tags if "style" in a or any(k.startswith("on") for k in a)]
    assert requests.get(view.base + "static/it-view.js", timeout=10).status_code == 200


# -- one request -----------------------------------------------------------------------------------


def test_a_request_shows_its_exact_text_requesters_and_ticket(view: View) -> None:
    uuid = view.seeded.uuids["sklearn_alice"]
    page = view.get(f"requests/{view.seeded.ids['sklearn_alice']}").text
    tags = parsed(page)
    assert tags.pre["itv-body"] == view.store.get_request(uuid)["body"]
    requesters = re.findall(r'<tr><td class="itv-user">([^<]+)</td>', page)
    assert requesters == ["alice", "bob", "carol", "dave"]
    assert "Churn model for the sales team" in page
    assert "Same here: &lt;b&gt;urgent&lt;/b&gt; for the board report" in page
    links = [a for t, a in tags.tags if t == "a" and a.get("class") == "itv-ticket"]
    assert links == [
        {
            "class": "itv-ticket",
            "href": "http://rt.example/Ticket/Display.html?id=101",
            "rel": "noopener noreferrer",
            "target": "_blank",
        }
    ]
    assert "+1 from bob: Churn model for the sales team" in page


def test_a_joined_request_points_at_the_shared_one(view: View) -> None:
    shared = view.seeded.ids["sklearn_alice"]
    page = view.get(f"requests/{view.seeded.ids['sklearn_dave']}").text
    assert f'<a href="{PREFIX}requests/{shared}">#{shared}</a> (same problem' in page
    assert f"Listed on request #{shared}." in page
    assert f'RT-101</a> <span class="itv-muted">(of request #{shared})</span>' in page
    row = view.get("").text.split(f'data-id="{view.seeded.ids["sklearn_dave"]}"')[1]
    row = row.split("</tr>")[0]
    assert f"joined #{shared}</a>" in row
    assert f'<td class="itv-muted" title="the ticket of request #{shared}">' in row
    assert ">RT-101</a>" in row


@pytest.mark.parametrize("key", ["999", "#999", "00000001", "not-a-uuid-but-long-enough", "..%2f"])
def test_an_unknown_request_is_a_404_page(view: View, key: str) -> None:
    r = view.get(f"requests/{requests.utils.quote(key, safe='%')}")
    assert r.status_code == 404
    assert "No request" in html.unescape(r.text) and "Back to all requests" in r.text


def test_a_request_by_number_hash_or_uuid(view: View) -> None:
    number, uuid = view.seeded.ids["oracle_bob"], view.seeded.uuids["oracle_bob"]
    for key in (str(number), f"%23{number}", uuid):
        r = view.get(f"api/v1/admin/requests/{key}")
        assert r.status_code == 200 and r.json()["uuid"] == uuid


# -- exports ---------------------------------------------------------------------------------


def test_csv_export_follows_the_filters_and_is_formula_safe(view: View) -> None:
    r = view.get("export.csv?state=open")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="itbridge-requests-\d{8}-\d{6}\.csv"',
        r.headers["Content-Disposition"],
    )
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
    assert [int(row["id"]) for row in rows] == listed_ids(view.get("?state=open").text)
    by_id = {int(row["id"]): row for row in rows}
    formula = by_id[view.seeded.ids["formula_erin"]]
    assert formula["summary"] == "'" + FORMULA_SUMMARY
    assert formula["body"].startswith("'=HYPERLINK(")
    for row in rows:  # no cell a spreadsheet would run
        assert not [v for v in row.values() if v and v[0] in "=+-@\t\r"], row["id"]
    shared = by_id[view.seeded.ids["sklearn_alice"]]
    assert shared["requesters"] == "alice; bob; carol; dave"
    assert shared["ticket_url"] == "http://rt.example/Ticket/Display.html?id=101"
    assert by_id[view.seeded.ids["sklearn_bob"]]["duplicate_of"] == str(
        view.seeded.ids["sklearn_alice"]
    )
    xss = by_id[view.seeded.ids["xss_frank"]]
    assert XSS_BODY_LINE in xss["body"]  # multi-line body survives the round trip
    assert xss["body"] == view.store.get_request(view.seeded.uuids["xss_frank"])["body"]


def test_json_export_is_the_admin_records_with_history(view: View) -> None:
    r = view.get("export.json?user=bob")
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.headers["Content-Disposition"].endswith('.json"')
    records = r.json()
    assert [x["id"] for x in records] == [
        view.seeded.ids["oracle_bob"],
        view.seeded.ids["sklearn_bob"],
        view.seeded.ids["sklearn_alice"],  # bob is one of its requesters
    ]
    oracle = records[0]
    assert oracle["body"] == view.store.get_request(oracle["uuid"])["body"]
    assert oracle["state"] == "failed" and oracle["last_error"].startswith("RTBackend.token")
    assert [h["to"] for h in oracle["history"]] == ["queued", "failed"]
    assert oracle["requesters"][0]["user"] == "bob"
    assert records[1]["duplicate_of"]["id"] == view.seeded.ids["sklearn_alice"]


def test_the_page_export_links_carry_the_filters(view: View) -> None:
    page = view.get("?kind=missing_package&user=alice&offset=1").text
    csv_link = html.unescape(re.search(r'id="itv-export-csv" href="([^"]+)"', page).group(1))
    assert csv_link == f"{PREFIX}export.csv?kind=missing_package&user=alice"  # all pages
    rows = list(csv.DictReader(io.StringIO(view.get(csv_link[len(PREFIX) :]).text)))
    assert sorted(int(r["id"]) for r in rows) == sorted(
        [view.seeded.ids["sklearn_alice"], view.seeded.ids["pyspark_alice"]]
    )


# -- paging and the admin API ----------------------------------------------------------------------


def test_paging_newest_first_without_overlap(view: View) -> None:
    seen: list[int] = []
    path = "?limit=4"
    while path:
        page = view.get(path).text
        seen += listed_ids(page)
        older = re.search(r'rel="next" href="([^"]+)"', page)
        path = html.unescape(older.group(1))[len(PREFIX) :] if older else ""
    assert seen == sorted(view.seeded.ids.values(), reverse=True)

    api = view.get("api/v1/admin/requests?limit=4").json()
    assert [r["id"] for r in api["requests"]] == seen[:4] and api["next_offset"] == 4
    last = view.get("api/v1/admin/requests?limit=4&offset=8").json()
    assert [r["id"] for r in last["requests"]] == seen[8:] and last["next_offset"] is None


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [
        (None, 401, "A JupyterHub token of a hub admin or with the relay's admin scope"),
        ("bad", 401, "A JupyterHub token of a hub admin or with the relay's admin scope"),
        ("alice", 403, f"IT's view needs a hub admin or the scope {ADMIN_SCOPE}."),
    ],
)
def test_the_admin_api_answers_401_or_403_in_json(
    view: View, who: str | None, status: int, message: str
) -> None:
    for path in ("api/v1/admin/requests", "api/v1/admin/requests/1", "api/v1/admin/subjects"):
        r = view.get(path, who=who)
        assert r.status_code == status, path  # never a login redirect for a tool
        assert r.headers["Content-Type"].startswith("application/json")
        assert message in r.json()["message"]


def test_the_admin_api_record_shape(view: View) -> None:
    records = view.get("api/v1/admin/requests?state=sent&subject=scikit-learn").json()["requests"]
    shared = next(r for r in records if r["id"] == view.seeded.ids["sklearn_alice"])
    assert shared["ticket"] == {
        "id": "RT-101",
        "url": "http://rt.example/Ticket/Display.html?id=101",
    }
    assert [q["user"] for q in shared["requesters"]] == ["alice", "bob", "carol", "dave"]
    assert shared["duplicate_of"] is None and shared["open"] is True
    assert {c["text"] for c in shared["comments"]} >= {
        "+1 from bob: Churn model for the sales team"
    }
    json.dumps(records)  # plain JSON all the way down


# -- retry (a POST form) ----------------------------------------------------------------------


def test_retry_queues_a_failed_request_now_and_says_who(view: View) -> None:
    number, uuid = view.seeded.ids["oracle_bob"], view.seeded.uuids["oracle_bob"]
    page = view.get(f"requests/{number}").text
    assert 'name="_xsrf"' in page and "Retry delivery now" in page
    r = view.post(f"requests/{number}/retry")
    assert r.status_code == 303 and r.headers["Location"] == f"{PREFIX}requests/{number}"
    row = view.store.get_request(uuid)
    assert row["state"] == "queued"
    assert view.store.history(uuid)[-1]["note"] == "retry requested by IT (it-admin)"
    assert "Retry delivery now" in view.get(f"requests/{number}").text  # still queued


def test_retry_refuses_what_is_not_waiting_and_who_is_not_it(view: View) -> None:
    resolved = view.seeded.ids["memory_carol"]
    assert "Retry delivery now" not in view.get(f"requests/{resolved}").text
    r = view.post(f"requests/{resolved}/retry")
    assert r.status_code == 409 and "only queued or failed ones retry" in html.unescape(r.text)
    failed_uuid = view.seeded.uuids["oracle_bob"]
    for who, status in (("alice", 403), (None, 403)):  # anonymous: no XSRF token, no cookie
        r = view.post(f"requests/{view.seeded.ids['oracle_bob']}/retry", who=who)
        assert r.status_code == status
        assert view.store.get_request(failed_uuid)["state"] == "failed"


def test_admin_handlers_mount_on_the_relay_base_or_say_what_is_missing() -> None:
    if importlib.util.find_spec("jupyter_itbridge.relay.base") is None:
        with pytest.raises(RuntimeError, match="pass base= a handler class"):
            admin_view.admin_handlers("/services/itbridge/")
    else:
        from jupyter_itbridge.relay.base import RelayHandler  # type: ignore[import-not-found]

        routes = admin_view.admin_handlers("/services/itbridge/")
        assert all(issubclass(handler, RelayHandler) for _, handler in routes)
    routes = admin_view.admin_handlers(
        "services/itbridge", base=type("B", (admin_view.web.RequestHandler,), {})
    )
    assert [path for path, _ in routes][:2] == [
        "/services/itbridge/",
        "/services/itbridge/requests/(?P<key>[^/]+)",
    ]


# -- never a 500 ---------------------------------------------------------------------------------

_PARAMS = st.sampled_from(
    ["state", "kind", "subject", "user", "older_than_days", "limit", "offset", "x"]
)
_VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["open", "failed", "0", "-1", "1e9", "99999999999999999999", "%00", "#5"]),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["", "export.csv", "api/v1/admin/requests", "api/v1/admin/subjects"]),
    query=st.dictionaries(_PARAMS, _VALUES, max_size=5),
)
def test_any_query_is_answered_200_or_400(view: View, path: str, query: dict[str, str]) -> None:
    r = view.get(path, params=query)
    assert r.status_code in (200, 400), (path, query, r.text[:300])


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.text(min_size=1, max_size=200).filter(lambda k: k not in (".", "..")))
def test_any_request_key_is_answered_200_or_404(view: View, key: str) -> None:
    quoted = requests.utils.quote(key, safe="")
    for path in (f"requests/{quoted}", f"api/v1/admin/requests/{quoted}"):
        r = view.get(path)
        assert r.status_code in (200, 404), (path, r.text[:300])
