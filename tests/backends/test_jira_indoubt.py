"""In-doubt creates against the eventually consistent Jira Cloud fake: exactly one issue.

Cloud's ``/rest/api/3/search/jql`` does not see a new issue for a while (``search_lag``), so
a create whose answer is lost (our read timeout, or the server killed between Jira's commit
and the store write) looks absent to ``find`` at the next try. Creating again then makes a
second issue; the outbox must keep looking over the consistency window and adopt the first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from backends.fakes.jira import FakeJira
from backends.helpers import queued
from backends.lost_answer import killed_after_commit, quick_outbox, restart_and_drain

from jupyter_itbridge.backends.jira import JiraBackend
from jupyter_itbridge.backends.jira_text import uuid_label
from jupyter_itbridge.server.store import Store

LAG = 2.0  # seconds search/jql stays blind to a new issue; the windows below cover it


#: JSM: the request is labelled by a second call, which a crash right after the create skips.
JSM = {"mode": "servicedesk", "service_desk_id": "7", "request_type_id": "42"}


def ours(fake: FakeJira, request_uuid: str) -> list[str]:
    """Issues holding the request's marker line (labelled or not)."""
    marker = f"itbridge-request-id: {request_uuid}"
    return [k for k, i in fake.issues.items() if marker in fake.plain(i["fields"]["description"])]


def options(fake: FakeJira, **kw: Any) -> dict[str, Any]:
    opts = {"url": fake.url, "email": fake.email, "api_token": fake.api_token, "project": "IT"}
    return opts | {"retries": 0} | kw


def assert_one_adopted(fake: FakeJira, store: Store, request_uuid: str) -> None:
    keys = ours(fake, request_uuid)
    assert len(keys) == 1, f"issues holding the request's marker: {keys}"
    key = keys[0]
    assert uuid_label(request_uuid) in fake.issues[key]["fields"]["labels"]
    stored = store.get_request(request_uuid)
    assert (stored["state"], stored["ticket_id"]) == ("sent", key)
    assert not (stored.get("meta") or {}), "the in-doubt mark outlived the delivery"


async def test_timed_out_cloud_create_is_found_not_repeated(
    fake_jira_cloud: FakeJira, tmp_path: Path
):
    store = Store(str(tmp_path / "s.sqlite3"))
    row = queued(store, "jira", body="No module named 'pyspark'")
    fake_jira_cloud.search_lag = LAG
    fake_jira_cloud.reply_delays = [1.5]  # committed, answered after our 0.5 s timeout
    be = JiraBackend(**options(fake_jira_cloud, timeout=0.5, consistency_window=4.0))
    await quick_outbox(store, be).drain(timeout=30)
    assert len(ours(fake_jira_cloud, row["uuid"])) == 1, "the timed-out create was repeated"
    assert_one_adopted(fake_jira_cloud, store, row["uuid"])
    assert fake_jira_cloud.count("POST", r"/rest/api/3/issue$") == 1
    assert fake_jira_cloud.count("GET", r"/rest/api/3/search/jql$") >= 3  # kept looking
    notes = " ".join(e["note"] or "" for e in store.history(row["uuid"]))
    assert "timed out" in notes


@pytest.mark.parametrize("mode", [{}, JSM], ids=["issue", "jsm-unlabelled"])
async def test_crash_between_create_and_store_makes_one_cloud_issue(
    fake_jira_cloud: FakeJira, tmp_path: Path, mode: dict[str, str]
):
    """Killed right after Jira committed (for JSM also before the label edit): the restarted
    outbox finds it by its label, or by its markers, once search/jql shows it."""
    path = str(tmp_path / "s.sqlite3")
    store = Store(path)
    row = queued(store, "jira", body="No module named 'pyspark'")
    fake_jira_cloud.search_lag = LAG
    opts = options(fake_jira_cloud, timeout=2.0, **mode)
    killed_after_commit(fake_jira_cloud, JiraBackend, opts, path)
    assert len(ours(fake_jira_cloud, row["uuid"])) == 1
    assert store.get_request(row["uuid"])["state"] == "queued"  # the store never heard

    restarted = JiraBackend(**(opts | {"consistency_window": 3.0}))
    await restart_and_drain(store, restarted)
    assert len(ours(fake_jira_cloud, row["uuid"])) == 1, "the crash made a second issue"
    assert_one_adopted(fake_jira_cloud, store, row["uuid"])
