"""GitLabBackend against a loopback fake of GitLab's REST v4 API (contract test, not live)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from backends.fakes.base import Recorded
from backends.fakes.gitlab import BODY_LIMIT, FakeGitLab, user
from backends.fakes.openapi_check import OpenAPICheck
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
    fake_gitlab.issues[2]["assignees"] = [user("agent")]
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


# -- against the description written from GitLab's documented REST pages ---------------------
# (tests/backends/fakes/openapi/gitlab-rest-from-docs.yaml; the fixture checks every request
# and answer of every GitLab test against it)

ISSUES = "/api/v4/projects/it%2Frequests/issues"


def recorded(method: str, path: str, body: Any = None, **query: str) -> Recorded:
    raw = json.dumps(body).encode() if body is not None else b""
    return Recorded(method, path, {k: [v] for k, v in query.items()}, {}, raw)


def test_the_contract_refuses_what_gitlab_would_drop_or_refuse():
    """GitLab ignores an attribute it does not know without an error, and refuses texts over
    its limits: the description must catch both, or it checks nothing."""
    check = OpenAPICheck("gitlab-rest-from-docs.yaml")
    ok = {"title": "Please install pyspark", "description": "x", "labels": "itbridge"}
    assert check(recorded("POST", ISSUES, ok)) is None
    assert "Additional properties" in str(
        check(recorded("POST", ISSUES, {"title": "t", "body": "x"}))
    )
    assert "'title' is a required property" in str(
        check(recorded("POST", ISSUES, {"description": "x"}))
    )
    too_long = {"title": "t", "description": "x" * (BODY_LIMIT + 1)}
    assert "is too long" in str(check(recorded("POST", ISSUES, too_long)))
    note = {"body": "y" * (BODY_LIMIT + 1)}
    assert "is too long" in str(check(recorded("POST", f"{ISSUES}/1/notes", note)))
    assert "101 is greater than the maximum" in str(check(recorded("GET", ISSUES, per_page="101")))
    assert "'open' is not one of" in str(check(recorded("GET", ISSUES, state="open")))
    assert "not in the API" in str(check(recorded("GET", ISSUES, search_in="description")))
    listing = recorded("GET", ISSUES)
    paging = {"X-Page": "1", "X-Per-Page": "20", "X-Next-Page": ""}
    assert "missing" in str(check.response(listing, 200, [], {}))
    assert check.response(listing, 200, [], paging) is None
    issue = {"id": 1, "iid": 1, "title": "t", "state": "opened"}
    assert "required property" in str(check.response(listing, 200, [issue], paging))


def test_every_backend_call_is_a_documented_operation(fake_gitlab: FakeGitLab):
    be = backend(fake_gitlab)
    be.check()
    req = make_request(body="pip log line\n" * 90_000)  # over 1,000,000: cut, full text uploaded
    ref = be.create(req)
    assert be.find(req.uuid) == ref and be.statuses([ref]) == {ref.id: "sent"}
    be.comment(ref, "+1 from bob")
    for i in range(130):  # more than one page of 100
        fake_gitlab.note(int(ref.id), f"note {i}")
    assert len(be.messages(ref)) == 131
    assert fake_gitlab.validator.seen == {
        "GET /api/v4/projects/{id}",
        "POST /api/v4/projects/{id}/uploads",
        "POST /api/v4/projects/{id}/issues",
        "GET /api/v4/projects/{id}/issues",
        "POST /api/v4/projects/{id}/issues/{issue_iid}/notes",
        "GET /api/v4/projects/{id}/issues/{issue_iid}/notes",
    }
    assert len(fake_gitlab.issues[int(ref.id)]["description"]) <= BODY_LIMIT
    # The fixture then fails the test on any request or answer outside the description.


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [("user_and_ip", 60, 60), ("issues_creation", 25, 30), ("bare", 60, 60)],
)
def test_documented_429s_are_waited_out(
    fake_gitlab: FakeGitLab, kind: str, low: float, high: float
):
    """Retry-After when sent; else RateLimit-Reset, a Unix time (not a delay); else a minute."""
    fake_gitlab.throttle_next(kind, wait=30 if kind == "issues_creation" else 60)
    with pytest.raises(BackendError) as err:
        backend(fake_gitlab).create(make_request())
    assert err.value.retryable and err.value.status == 429
    assert err.value.retry_after is not None and low <= err.value.retry_after <= high
    assert fake_gitlab.issues == {}
