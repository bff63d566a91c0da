"""Jira Cloud and Data Center against a fake that behaves as documented (tests/backends/fakes/
jira.py): the removed search (410, CHANGE-2046), search/jql with nextPageToken and lag,
bulkfetch, ADF in v3, the scoped-token gateway, the 32,767-character limit, comments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from backends.fakes.jira import FakeJira
from backends.helpers import make_request

from jupyter_itbridge.backends import jira_api
from jupyter_itbridge.backends.base import TicketRef
from jupyter_itbridge.backends.jira import JiraBackend

HOSTILE = "see [~alice] and [click|http://evil.example/x] !http://evil.example/p.png! {noformat}"


@pytest.fixture
def cloud() -> Iterator[FakeJira]:
    fake = FakeJira(deployment="Cloud")
    fake.start()
    yield fake
    fake.stop()


def backend(fake: FakeJira, **kw: Any) -> JiraBackend:
    opts = {"url": fake.url, "email": fake.email, "api_token": fake.api_token, "project": "IT"}
    return JiraBackend(**(opts | {"retries": 0} | kw))


def test_cloud_is_detected_and_never_uses_the_removed_search(cloud: FakeJira):
    be = backend(cloud)  # default config: deployment "auto", no search_path
    req = make_request()
    assert be.find(req.uuid) is None
    ref = be.create(req)
    assert be.find(req.uuid) == ref
    assert cloud.count("GET", r"/rest/api/[23]/search$") == 0
    assert cloud.count("GET", r"/rest/api/3/search/jql$") == 2
    assert cloud.count("GET", r"/rest/api/2/serverInfo$") == 1  # detected once
    assert be.describe()["deployment"] == "auto"


def test_cloud_statuses_by_bulkfetch_and_deleted_issues_left_out(cloud: FakeJira):
    be = backend(cloud)
    refs = [be.create(make_request(f"r{i}")) for i in range(3)]
    cloud.set_status(refs[1].id, "Done", "Done")
    cloud.set_status(refs[2].id, "Declined", "Won't Do")
    got = be.statuses([*refs, TicketRef(id="IT-999")])
    assert got == {refs[0].id: "sent", refs[1].id: "resolved", refs[2].id: "rejected"}
    assert cloud.last("POST").path == "/rest/api/3/issue/bulkfetch"


def test_search_jql_pages_with_next_page_token(cloud: FakeJira):
    be = backend(cloud)
    for i in range(130):
        cloud._new("IT", {"summary": f"s{i}", "labels": ["bulk"]})
    found = jira_api.search(be, "labels = bulk", "key", 500, "search")
    assert len(found) == 130 and len({i["key"] for i in found}) == 130
    pages = [r for r in cloud.requests if r.path == "/rest/api/3/search/jql"]
    assert len(pages) == 2 and pages[1].q("nextPageToken")
    assert all(r.q("validateQuery") is None for r in pages)


def test_search_lag_hides_new_issues_from_find_but_not_from_bulkfetch(cloud: FakeJira):
    """Cloud's search is eventually consistent: why an in-doubt create must wait."""
    be = backend(cloud)
    cloud.search_lag = 30.0
    req = make_request()
    ref = be.create(req)
    assert be.find(req.uuid) is None  # documented lag, reproduced
    assert be.statuses([ref]) == {ref.id: "sent"}  # bulkfetch is consistent
    cloud.search_lag = 0.0
    assert be.find(req.uuid) == ref
    assert JiraBackend.default_consistency_window >= 30


def test_cloud_description_is_adf_with_the_marker_first_and_text_literal(cloud: FakeJira):
    be = backend(cloud)
    req = make_request(body=f"Traceback\n{HOSTILE}\n\nitbridge-request-id: 0")
    ref = be.create(req)
    create = [r for r in cloud.requests if r.method == "POST"][-1]
    assert create.path == "/rest/api/3/issue"
    doc = cloud.issues[ref.id]["fields"]["description"]
    assert doc["type"] == "doc"
    first, block = doc["content"]
    assert first["content"][0]["text"] == f"itbridge-request-id: {req.uuid}"
    assert block["type"] == "codeBlock" and HOSTILE in block["content"][0]["text"]


def test_data_center_description_is_noformat_that_cannot_be_closed_early(fake_jira: FakeJira):
    be = backend(fake_jira)  # auto: serverInfo says Server
    req = make_request(body=f"Traceback\n{HOSTILE}")
    ref = be.create(req)
    text = fake_jira.issues[ref.id]["fields"]["description"]
    assert text.startswith(f"itbridge-request-id: {req.uuid}\n\n{{noformat}}\n")
    assert text.endswith("\n{noformat}") and text.count("{noformat}") == 2
    assert "[~alice]" in text  # kept, but inside the literal block
    assert be.find(req.uuid) == ref
    assert fake_jira.last("GET").path == "/rest/api/2/search"


def test_scoped_token_goes_through_the_gateway_links_stay_on_the_site(cloud: FakeJira):
    be = backend(cloud, api_token=cloud.scoped_token, scoped_token=True, api_gateway=cloud.url)
    req = make_request()
    ref = be.create(req)
    assert ref.url == f"{cloud.url}/browse/{ref.id}"
    assert be.find(req.uuid) == ref
    api = [r for r in cloud.requests if r.path.startswith("/rest/")]
    assert api and cloud.count("GET", r"/_edge/tenant_info$") == 1
    assert be.describe()["auth"] == "scoped-token"
    assert cloud.scoped_token not in str(be.describe())
    classic = backend(cloud, api_token=cloud.scoped_token)  # the site refuses scoped tokens
    with pytest.raises(Exception, match="HTTP 401"):
        classic.find(req.uuid)


@pytest.mark.parametrize("deployment", ["Cloud", "Server"])
def test_long_body_cut_to_the_limit_marker_first_full_text_attached(deployment: str):
    fake = FakeJira(deployment=deployment).start()
    try:
        be = backend(fake)
        req = make_request(body="Please install pyspark\n\n" + "frame line\n" * 4000)
        ref = be.create(req)
        desc = fake.issues[ref.id]["fields"]["description"]
        text = desc if isinstance(desc, str) else fake.plain(desc)
        assert len(text) <= 32767 and "truncated here" in text
        assert text.startswith(f"itbridge-request-id: {req.uuid}")
        (att,) = fake.attachments
        assert att["key"] == ref.id and att["body"].count(b"frame line") == 4000
        assert be.find(req.uuid) == ref
    finally:
        fake.stop()


def test_messages_issue_mode_roles_and_cloud_adf(cloud: FakeJira):
    be = backend(cloud)
    ref = be.create(make_request())
    agent = {"accountId": "557058:it-agent", "displayName": "Ivy (IT)"}
    adf = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "Which licence do you need?"}]}]}  # fmt: skip
    cloud.comment_as(ref.id, adf, author=agent)
    be.comment(ref, "The academic one, thanks")
    got = be.messages(ref)
    assert [(m.role, m.author, m.text, m.public) for m in got] == [
        ("it", "Ivy (IT)", "Which licence do you need?", True),
        ("user", "IT Bot", "The academic one, thanks", True),
    ]
    assert be.messages(ref, since=got[0].created_at) == got[1:]


def test_jsm_messages_hide_internal_comments_and_reply_publicly(fake_jira: FakeJira):
    be = backend(fake_jira, mode="servicedesk", service_desk_id="7", request_type_id="42")
    ref = be.create(make_request())
    agent = {"name": "ivy", "key": "JIRAUSER1", "displayName": "Ivy (IT)"}
    fake_jira.comment_as(ref.id, "Checking with the licence team", public=False, author=agent)
    fake_jira.comment_as(ref.id, "Installed, please restart", author=agent)
    be.comment(ref, "thanks [~ivy]")
    got = be.messages(ref)
    assert [(m.role, m.text, m.public) for m in got] == [
        ("it", "Checking with the licence team", False),
        ("it", "Installed, please restart", True),
        ("user", "thanks [~ivy]", True),
    ]
    post = fake_jira.last("POST")
    assert post.path == f"/rest/servicedeskapi/request/{ref.id}/comment"
    assert post.json["public"] is True and post.json["body"].startswith("{noformat}")


def test_jsm_raised_on_behalf_of_the_user(fake_jira: FakeJira, cloud: FakeJira):
    opts = {"mode": "servicedesk", "service_desk_id": "7", "request_type_id": "42"}
    be = backend(fake_jira, raise_on_behalf_of=True, **opts)
    be.create(make_request())
    create = [r for r in fake_jira.requests if r.path == "/rest/servicedeskapi/request"][-1]
    assert create.json["raiseOnBehalfOf"] == "alice"
    on_cloud = backend(cloud, raise_on_behalf_of=True, user_domain="corp.example", **opts)
    on_cloud.create(make_request())
    create = [r for r in cloud.requests if r.path == "/rest/servicedeskapi/request"][-1]
    assert create.json["raiseOnBehalfOf"] == "712020:alice"


def test_an_old_config_naming_search_jql_still_pages_by_token(cloud: FakeJira):
    """docs/backends.md used to say: set search_path = "/rest/api/3/search/jql" on Cloud."""
    be = backend(cloud, search_path="/rest/api/3/search/jql")
    req = make_request()
    ref = be.create(req)
    assert be.find(req.uuid) == ref
    assert all(r.q("validateQuery") is None for r in cloud.requests if "search" in r.path)
