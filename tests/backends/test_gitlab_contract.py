"""GitLabBackend against a loopback fake of GitLab's REST v4 API (contract test, not live)."""

from __future__ import annotations

import pytest
from backends.fakes.gitlab import FakeGitLab
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.gitlab import GitLabBackend


def backend(fake: FakeGitLab, **kw) -> GitLabBackend:
    return GitLabBackend(
        **({"url": fake.url, "token": fake.token, "project": fake.project, "retries": 0} | kw)
    )


def test_create_shape_find_and_comment(fake_gitlab: FakeGitLab):
    be = backend(fake_gitlab, extra_labels=["data-science"])
    req = make_request()
    ref = be.create(req)
    sent = fake_gitlab.last("POST")
    assert sent.path == "/api/v4/projects/it%2Frequests/issues"
    assert sent.headers["private-token"] == fake_gitlab.token
    assert sent.json["labels"] == "itbridge,data-science"
    assert sent.json["description"].startswith(f"itbridge-request-id: {req.uuid}\n")
    assert ref.id == "1" and ref.url.endswith("/it/requests/-/issues/1")
    assert be.find(req.uuid) == ref
    look = fake_gitlab.last("GET")
    assert look.q("search") == req.uuid and look.q("in") == "description"
    assert be.find(make_request().uuid) is None
    be.comment(ref, "+1 from bob")
    assert fake_gitlab.notes[1][0]["body"].startswith("+1 from bob\n\n<!--")


def test_statuses_with_iids_in_one_call(fake_gitlab: FakeGitLab):
    be = backend(fake_gitlab)
    refs = [be.create(make_request(f"r{i}")) for i in range(4)]
    fake_gitlab.issues[2]["assignees"] = [{"username": "agent"}]
    fake_gitlab.issues[3]["state"] = "closed"
    fake_gitlab.issues[4].update(state="closed", labels=["itbridge", "wontfix"])
    gets = fake_gitlab.count("GET")
    assert be.statuses(refs) == {"1": "sent", "2": "acknowledged", "3": "resolved", "4": "rejected"}
    assert fake_gitlab.count("GET") == gets + 1
    assert fake_gitlab.last("GET").query["iids[]"] == ["1", "2", "3", "4"]


def test_errors(fake_gitlab: FakeGitLab):
    with pytest.raises(BackendError) as err:
        backend(fake_gitlab, token="glpat-revoked").create(make_request())
    assert err.value.admin_message.startswith(
        f"GitLabBackend.token was rejected by {fake_gitlab.url} (HTTP 401)"
    )
    assert "glpat-revoked" not in err.value.admin_message
    with pytest.raises(BackendError) as err:
        backend(fake_gitlab, project="it/nope").create(make_request())
    assert err.value.status == 404 and "project 'it/nope'" in err.value.admin_message
    assert not err.value.retryable
    fake_gitlab.fail_next(429, {"message": "Retry later"}, {"Retry-After": "12"})
    with pytest.raises(BackendError) as err:
        backend(fake_gitlab).create(make_request())
    assert err.value.retryable and err.value.retry_after == 12.0
    fake_gitlab.fail_next(500)
    with pytest.raises(BackendError) as err:
        backend(fake_gitlab).statuses([])  # nothing to ask: no call, no error
        backend(fake_gitlab).find("x")
    assert err.value.retryable
    assert "takes issues" in backend(fake_gitlab).check()
