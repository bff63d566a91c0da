"""JSM requests whose label never came are still found: never a second request on a retry.

JSM cannot take labels at creation, so ``JiraBackend`` labels the request with a second call.
These tests break that second call (Jira refuses it, or the process dies before it) and then
retry through the real outbox (find-before-create), against the loopback Jira fake whose JQL
evaluator follows Jira's documented text-search semantics.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from backends.fakes.jira import FakeJira
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.jira import JiraBackend, _plain_text
from jupyter_itbridge.server.outbox import Outbox, outgoing
from jupyter_itbridge.server.store import Store

CREATE = r"/rest/servicedeskapi/request$"


def jsm(fake: FakeJira, **kw: Any) -> JiraBackend:
    opts = {
        "url": fake.url,
        "email": fake.email,
        "api_token": fake.api_token,
        "mode": "servicedesk",
        "service_desk_id": "7",
        "request_type_id": "42",
        "retries": 0,
    }
    return JiraBackend(**(opts | kw))


def queued(store: Store, summary: str = "Please install pyspark") -> dict[str, Any]:
    """A request row as the service stores it (body with the UUID marker line)."""
    return store.insert_request(
        user="alice",
        summary=summary,
        body="",
        draft={},
        backend="jira",
        kind="missing_package",
        subject="pyspark",
        body_factory=lambda u: (
            f"{summary}\n\nNo module named 'pyspark'\n\nitbridge-request-id: {u}"
        ),
    )


def labels(fake: FakeJira, key: str) -> list[str]:
    return fake.issues[key]["fields"]["labels"]


async def test_label_edit_refused_then_retry_finds_it(
    fake_jira: FakeJira, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    store = Store(str(tmp_path / "s.sqlite3"))
    row = queued(store)
    be = jsm(fake_jira)
    fake_jira.refuse_label_edits = True
    with caplog.at_level(logging.WARNING):
        ref = be.create(outgoing(row))  # what the outbox's create step does
    assert fake_jira.count("POST", CREATE) == 1
    assert fake_jira.count("PUT") == 1 and labels(fake_jira, ref.id) == []
    assert f"{ref.id} is not labelled" in caplog.text
    assert fake_jira.api_token not in caplog.text

    # The "stored" step was lost (crash): the outbox delivers the row again, finds it first.
    await Outbox(store, be).deliver(row)
    assert fake_jira.count("POST", CREATE) == 1, "a second JSM request was created"
    stored = store.get_request(row["uuid"])
    assert (stored["state"], stored["ticket_id"]) == ("sent", ref.id)
    search = [r for r in fake_jira.requests if r.path == "/rest/api/2/search"][-1]
    jql = search.q("jql")
    assert jql.startswith('project = "IT" AND ')
    assert f'text ~ "\\"{row["uuid"]}\\""' in jql
    assert f'summary ~ "\\"itbridge {row["uuid"][:8]}\\""' in jql
    assert fake_jira.count("PUT") == 2  # re-labelling was tried again, refused quietly


async def test_process_died_between_create_and_label(fake_jira: FakeJira, tmp_path: Path):
    store = Store(str(tmp_path / "s.sqlite3"))
    row = queued(store)
    dying = jsm(fake_jira)
    real_call = dying.call

    def die_on_put(method: str, path: str, **kw: Any) -> Any:
        if method == "PUT":
            raise SystemExit("kernel OOM-killed the server")
        return real_call(method, path, **kw)

    dying.call = die_on_put  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        dying.create(outgoing(row))
    (key,) = fake_jira.issues
    assert labels(fake_jira, key) == []

    restarted = jsm(fake_jira)  # a new process, a new backend
    await Outbox(store, restarted).deliver(row)
    assert fake_jira.count("POST", CREATE) == 1, "a second JSM request was created"
    assert store.get_request(row["uuid"])["ticket_id"] == key
    # The found request got its labels after all, so the next find is one label search.
    assert labels(fake_jira, key) == ["itbridge", f"itbridge-{row['uuid']}"]
    gets = fake_jira.count("GET")
    assert restarted.find(row["uuid"]).id == key
    assert fake_jira.count("GET") == gets + 1
    # The service desk's project key was read once and cached.
    assert fake_jira.count("GET", r"/rest/servicedeskapi/servicedesk/7$") == 1


def test_marker_match_needs_the_full_uuid_in_the_description(fake_jira: FakeJira):
    """The summary marker has 8 hex digits and ``text ~`` also searches comments: neither is
    accepted without the full UUID in the description."""
    fake_jira.refuse_label_edits = True
    be = jsm(fake_jira)
    first = make_request()
    ref = be.create(first)
    twin_uuid = first.uuid[:8] + "-0000-4000-8000-000000000000"  # same summary marker
    assert be.find(twin_uuid) is None
    be_issue = JiraBackend(
        url=fake_jira.url, email=fake_jira.email, api_token=fake_jira.api_token, project="IT"
    )
    other = be_issue.create(make_request("Install pandas"))
    quoted = make_request()
    fake_jira.issues[other.id]["fields"]["comments"].append(f"same as {quoted.uuid}?")
    assert be.find(quoted.uuid) is None  # matched by text ~ (comment), rejected
    assert be.find(first.uuid).id == ref.id


def test_marker_search_stays_in_the_project(fake_jira: FakeJira):
    fake_jira.projects["OPS"] = "10001"
    fake_jira.service_desks["8"] = "OPS"
    fake_jira.request_types["8"] = {"43"}
    fake_jira.refuse_label_edits = True
    req = make_request()
    elsewhere = jsm(fake_jira, service_desk_id="8", request_type_id="43").create(req)
    assert elsewhere.id.startswith("OPS-")
    assert jsm(fake_jira).find(req.uuid) is None  # desk 7 is project IT
    assert jsm(fake_jira, project="OPS").find(req.uuid).id == elsewhere.id


def test_long_summary_keeps_the_marker(fake_jira: FakeJira):
    req = make_request("x" * 400)
    ref = jsm(fake_jira).create(req)
    summary = fake_jira.issues[ref.id]["fields"]["summary"]
    assert len(summary) <= 255 and summary.endswith(f" [itbridge:{req.uuid[:8]}]")


def test_unreadable_desk_project_fails_find_instead_of_duplicating(fake_jira: FakeJira):
    """If the project to search cannot be read, find raises (the outbox retries later) rather
    than answering 'not there' and letting create make a second request."""
    fake_jira.refuse_label_edits = True
    req = make_request()
    jsm(fake_jira).create(req)
    del fake_jira.service_desks["7"]  # the desk is gone or no longer readable: 404
    with pytest.raises(BackendError) as err:
        jsm(fake_jira).find(req.uuid)
    assert err.value.status == 404 and "service desk '7'" in err.value.admin_message
    assert fake_jira.count("POST", CREATE) == 1


def test_description_as_adf_document():
    """Jira Cloud's API v3 returns descriptions as Atlassian Document Format."""
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": "itbridge-request-id: 1234abcd-aaaa"}],
            }
        ],
    }
    assert "1234abcd-aaaa" in _plain_text(doc)
    assert _plain_text(None) == "" and _plain_text("plain") == "plain"
