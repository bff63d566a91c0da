"""JiraBackend (issue and JSM modes) against a loopback fake of Jira's REST API (contract)."""

from __future__ import annotations

import base64

import pytest
from backends.fakes.jira import FakeJira
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.jira import JiraBackend


def backend(fake: FakeJira, **kw) -> JiraBackend:
    opts = {
        "url": fake.url,
        "email": fake.email,
        "api_token": fake.api_token,
        "project": "IT",
        "retries": 0,
        "deployment": "datacenter",  # Cloud: tests/backends/test_jira_cloud.py
    }
    return JiraBackend(**(opts | kw))


def test_create_issue_with_labels_and_find(fake_jira: FakeJira):
    be = backend(fake_jira)
    req = make_request()
    assert be.find(req.uuid) is None
    ref = be.create(req)
    sent = fake_jira.last("POST")
    basic = base64.b64encode(f"{fake_jira.email}:{fake_jira.api_token}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {basic}"
    fields = sent.json["fields"]
    assert fields["project"] == {"key": "IT"} and fields["issuetype"] == {"name": "Task"}
    assert fields["labels"] == ["itbridge", f"itbridge-{req.uuid}"]
    assert f"itbridge-request-id: {req.uuid}" in fields["description"]
    assert ref.id == "IT-1" and ref.url == f"{fake_jira.url}/browse/IT-1"
    assert be.find(req.uuid) == ref
    assert fake_jira.last("GET").q("jql") == f'labels = "itbridge-{req.uuid}"'


def test_statuses_one_jql_with_resolution(fake_jira: FakeJira):
    be = backend(fake_jira)
    refs = [be.create(make_request(f"r{i}")) for i in range(4)]
    fake_jira.set_status(refs[1].id, "In Progress")
    fake_jira.set_status(refs[2].id, "Done", "Done")
    fake_jira.set_status(refs[3].id, "Declined", "Won't Do")
    gets = fake_jira.count("GET")
    got = be.statuses([*refs, type(refs[0])(id="IT-999")])  # a deleted issue does not fail it
    assert fake_jira.count("GET") == gets + 1
    assert fake_jira.last("GET").q("jql") == "key in (IT-1,IT-2,IT-3,IT-4,IT-999)"
    assert got == {"IT-1": "sent", "IT-2": "acknowledged", "IT-3": "resolved", "IT-4": "rejected"}


def test_comment(fake_jira: FakeJira):
    be = backend(fake_jira)
    ref = be.create(make_request())
    be.comment(ref, "+1 from bob")
    # User text is literal wiki markup on Data Center (no mention, link or image).
    assert fake_jira.issues[ref.id]["fields"]["comments"] == ["{noformat}\n+1 from bob\n{noformat}"]
    assert fake_jira.last().path == f"/rest/api/2/issue/{ref.id}/comment"


def test_service_management_request_then_label(fake_jira: FakeJira):
    be = backend(fake_jira, mode="servicedesk", service_desk_id="7", request_type_id="42")
    req = make_request()
    ref = be.create(req)
    create = [r for r in fake_jira.requests if r.method == "POST"][-1]
    assert create.path == "/rest/servicedeskapi/request"
    assert create.json["serviceDeskId"] == "7" and create.json["requestTypeId"] == "42"
    # The UUID goes where JSM takes it at creation: summary marker + body marker line.
    values = create.json["requestFieldValues"]
    assert values["summary"] == f"{req.summary} [itbridge:{req.uuid[:8]}]"
    assert f"itbridge-request-id: {req.uuid}" in values["description"]
    assert "labels" not in values  # JSM rejects labels at create
    put = fake_jira.last("PUT")
    assert put.path == f"/rest/api/2/issue/{ref.id}"
    assert {"add": f"itbridge-{req.uuid}"} in put.json["update"]["labels"]
    assert ref.url.endswith(f"/portal/7/{ref.id}")
    gets = fake_jira.count("GET")
    assert be.find(req.uuid).id == ref.id
    assert fake_jira.count("GET") == gets + 1  # labelled: one label search is enough


def test_issue_mode_found_by_label_only(fake_jira: FakeJira):
    """Plain Jira sets the label in the creating call: find is one label search, hit or miss."""
    be = backend(fake_jira)
    req = make_request()
    ref = be.create(req)
    assert "[itbridge:" not in fake_jira.issues[ref.id]["fields"]["summary"]
    gets = fake_jira.count("GET")
    assert be.find(req.uuid) == ref
    assert be.find(make_request().uuid) is None
    assert fake_jira.count("GET") == gets + 2
    assert all("labels = " in r.q("jql") for r in fake_jira.requests[-2:])


def test_bearer_pat_and_precise_errors(fake_jira: FakeJira):
    be = JiraBackend(url=fake_jira.url, token=fake_jira.pat, project="IT", retries=0)
    be.create(make_request())
    assert fake_jira.last().headers["authorization"] == f"Bearer {fake_jira.pat}"
    bad = JiraBackend(url=fake_jira.url, token="expired-pat", project="IT", retries=0)
    with pytest.raises(BackendError) as err:
        bad.create(make_request())
    assert err.value.admin_message.startswith(f"JiraBackend.token was rejected by {fake_jira.url}")
    assert "expired-pat" not in err.value.admin_message + str(bad.describe())
    wrong = backend(fake_jira, project="NOPE")
    with pytest.raises(BackendError) as err:
        wrong.create(make_request())
    assert err.value.status == 400 and "valid project is required" in err.value.admin_message
    with pytest.raises(BackendError) as err:
        wrong.check()
    assert err.value.status == 404 and "project 'NOPE'" in err.value.admin_message
    assert "IT Bot" in backend(fake_jira).check()


@pytest.mark.parametrize(
    ("status", "headers", "retryable", "wait"),
    [
        (429, {"Retry-After": "5"}, True, 5.0),
        (500, {}, True, None),
        (503, {}, True, None),
        (403, {}, False, None),
        (404, {}, False, None),
    ],
)
def test_error_mapping(fake_jira: FakeJira, status, headers, retryable, wait):
    fake_jira.fail_next(status, {"errorMessages": ["boom"]}, headers)
    with pytest.raises(BackendError) as err:
        backend(fake_jira).create(make_request())
    assert (err.value.status, err.value.retryable, err.value.retry_after) == (
        status,
        retryable,
        wait,
    )
    if status == 404:
        assert "project 'IT'" in err.value.admin_message
