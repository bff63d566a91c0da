"""ServiceNow OAuth client credentials (token fetched, renewed on expiry and after a 401, never
shown) and the record's conversation (journal comments shown, work notes internal)."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from backends.fakes.servicenow import FakeServiceNow
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.servicenow import ServiceNowBackend

TOKEN = r"/oauth_token\.do$"


def oauth(fake: FakeServiceNow, **kw: Any) -> ServiceNowBackend:
    opts = {
        "url": fake.url,
        "client_id": fake.client_id,
        "retries": 0,
        "client_secret": fake.client_secret,
        "integration_user": fake.user,
    }
    return ServiceNowBackend(**(opts | kw))


def test_client_credentials_token_is_fetched_once_and_used(
    fake_servicenow: FakeServiceNow, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    be = oauth(fake_servicenow)
    req = make_request()
    ref = be.create(req)
    assert be.find(req.uuid) == ref
    assert fake_servicenow.count("POST", TOKEN) == 1
    grant = fake_servicenow.requests[0]
    assert grant.path == "/oauth_token.do" and b"grant_type=client_credentials" in grant.body
    assert "authorization" not in grant.headers  # the secret is in the form, not Basic
    used = fake_servicenow.last("GET").headers["authorization"]
    assert used.startswith("Bearer ") and used[7:] in fake_servicenow.issued
    assert be.describe()["auth"] == "oauth-client-credentials"
    shown = str(be.describe()) + caplog.text
    assert fake_servicenow.client_secret not in shown and used[7:] not in shown


def test_expired_token_is_renewed(fake_servicenow: FakeServiceNow, monkeypatch):
    fake_servicenow.token_lifetime = 60  # renewed 60 s before expiry: at once
    be = oauth(fake_servicenow)
    be.check()
    be.check()
    assert fake_servicenow.count("POST", TOKEN) == 2
    fake_servicenow.token_lifetime = 1800
    be.check()
    fake_servicenow.expire_tokens()  # revoked or expired early: the 401 fetches a new one
    be.create(make_request())
    assert fake_servicenow.count("POST", TOKEN) == 4
    assert fake_servicenow.count("POST", r"/api/now/table/incident$") == 1


def test_env_credentials_and_a_wrong_secret(fake_servicenow: FakeServiceNow, monkeypatch):
    monkeypatch.setenv("ITBRIDGE_SNOW_CLIENT_ID", fake_servicenow.client_id)
    monkeypatch.setenv("ITBRIDGE_SNOW_CLIENT_SECRET", "not-the-secret")
    be = ServiceNowBackend(url=fake_servicenow.url, retries=0)
    with pytest.raises(BackendError) as err:
        be.check()
    assert err.value.admin_message.startswith(
        f"ServiceNowBackend.client_id/client_secret was rejected by {fake_servicenow.url}"
    )
    assert not err.value.retryable and "not-the-secret" not in err.value.admin_message


def test_messages_comments_shown_work_notes_internal_ours_as_the_user(
    fake_servicenow: FakeServiceNow,
):
    fake_servicenow.insert("sys_user", {"user_name": "ivy.it", "name": "Ivy Agent"})
    be = oauth(fake_servicenow)
    ref = be.create(make_request())
    other = be.create(make_request("another request"))
    fake_servicenow.journal("incident", ref.id, "comments", "Which licence do you need?", "ivy.it")
    fake_servicenow.journal("incident", ref.id, "work_notes", "licence pool is empty", "ivy.it")
    fake_servicenow.journal("incident", other.id, "comments", "not for you", "ivy.it")
    be.comment(ref, "The academic one")
    got = be.messages(ref)
    assert [(m.role, m.author, m.text, m.public) for m in got] == [
        ("it", "Ivy Agent", "Which licence do you need?", True),  # sys_user.name
        ("it", "Ivy Agent", "licence pool is empty", False),
        ("user", fake_servicenow.user, "The academic one", True),  # no sys_user: user name
    ]
    assert len({m.id for m in got}) == 3
    journal = [r for r in fake_servicenow.requests if r.path.endswith("/sys_journal_field")]
    query = journal[-1].q("sysparm_query")
    assert query.startswith(f"element_id={ref.id}^elementINcomments,work_notes")
    time.sleep(1.1)  # the Table API's dates have whole seconds
    fake_servicenow.journal("incident", ref.id, "comments", "Done, restart the kernel", "ivy.it")
    newer = be.messages(ref, since=got[-1].created_at)
    assert [m.text for m in newer] == ["Done, restart the kernel"]
    journal = [r for r in fake_servicenow.requests if r.path.endswith("/sys_journal_field")]
    assert "sys_created_on>" in journal[-1].q("sysparm_query")


def test_messages_page_through_long_threads(fake_servicenow: FakeServiceNow):
    be = oauth(fake_servicenow)
    ref = be.create(make_request())
    for i in range(130):
        fake_servicenow.journal("incident", ref.id, "comments", f"note {i}", "ivy.it")
    got = be.messages(ref)
    assert len(got) == 130 and got[-1].text == "note 129"
    assert fake_servicenow.count("GET", r".*/sys_journal_field$") == 2


def test_code_tags_in_user_text_cannot_render_html_for_agents(fake_servicenow: FakeServiceNow):
    """Journal fields render [code]...[/code] as HTML in the agent's view."""
    be = oauth(fake_servicenow)
    ref = be.create(make_request())
    be.comment(ref, "see [code]<img src=https://evil.example/p.png>[/CODE] please")
    (stored,) = fake_servicenow.comments_of(ref.id)
    assert "[code]" not in stored.lower() and "[/code]" not in stored.lower()
    assert "<img src=https://evil.example/p.png>" in stored  # kept, as text
