"""GitHubBackend against a loopback fake of GitHub's REST API (contract test, not live)."""

from __future__ import annotations

import time

import pytest
from backends.fakes.github import FakeGitHub
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError, TicketRef
from jupyter_itbridge.backends.github import GitHubBackend


def backend(fake: FakeGitHub, **kw) -> GitHubBackend:
    return GitHubBackend(
        **({"url": fake.url, "token": fake.token, "repo": fake.repo, "retries": 0} | kw)
    )


def test_create_shape_and_find_despite_search_lag(fake_github: FakeGitHub):
    be = backend(fake_github)
    req = make_request()
    ref = be.create(req)
    sent = fake_github.last("POST")
    assert sent.path == "/repos/corp/it-requests/issues"
    assert sent.headers["authorization"] == f"Bearer {fake_github.token}"
    assert sent.headers["x-github-api-version"] == "2022-11-28"
    assert sent.headers["accept"] == "application/vnd.github+json"
    assert sent.json["labels"] == ["itbridge"]
    assert sent.json["body"].startswith(f"itbridge-request-id: {req.uuid}\n")
    assert ref == TicketRef(id="1", url="https://github.example/corp/it-requests/issues/1")
    fake_github.search_lag = 3600  # the search API has not indexed it yet
    assert be.find(req.uuid) == ref
    assert be.find(make_request().uuid) is None


def test_find_falls_back_to_search_for_old_issues(fake_github: FakeGitHub):
    be = backend(fake_github)
    old = make_request()
    ref = be.create(old)
    fake_github.seed([f"n{i}" for i in range(120)])  # push it off the first page
    assert be.find(old.uuid) == ref
    assert fake_github.last("GET").path == "/search/issues"


def test_states_and_batched_statuses(fake_github: FakeGitHub):
    be = backend(fake_github)
    refs = [TicketRef(id=str(n)) for n in fake_github.seed([f"r{i}" for i in range(4)])]
    fake_github.issues[2]["assignees"] = [{"login": "it-agent"}]
    fake_github.close(3, "completed")
    fake_github.close(4, "not_planned")
    assert be.statuses(refs) == {"1": "sent", "2": "acknowledged", "3": "resolved", "4": "rejected"}
    gets = fake_github.count("GET")
    fake_github.close(1, "completed")
    assert be.statuses(refs)["1"] == "resolved"  # known issues: one "updated since" list
    assert fake_github.count("GET") == gets + 1
    assert fake_github.last("GET").q("state") == "all"
    assert be.status(refs[3]) == "rejected"


def test_statuses_follow_link_pages(fake_github: FakeGitHub):
    be = backend(fake_github)
    refs = [TicketRef(id=str(n)) for n in fake_github.seed([f"r{i}" for i in range(150)])]
    assert be.statuses([refs[0], refs[-1]]) == {"1": "sent", "150": "sent"}
    for num in fake_github.issues:  # IT closes all of them: more than a page changed
        fake_github.close(num, "completed")
    assert be.statuses([refs[0], refs[-1]]) == {"1": "resolved", "150": "resolved"}
    assert fake_github.last("GET").q("page") == "2"


def test_comment(fake_github: FakeGitHub):
    be = backend(fake_github)
    ref = be.create(make_request())
    be.comment(ref, "+1 from bob")
    assert fake_github.comments[1][0]["body"].startswith("+1 from bob\n\n<!--")


def test_errors(fake_github: FakeGitHub):
    with pytest.raises(BackendError) as err:
        backend(fake_github, token="ghp_revoked").create(make_request())
    assert err.value.admin_message.startswith(
        f"GitHubBackend.token was rejected by {fake_github.url} (HTTP 401): Bad credentials"
    )
    with pytest.raises(BackendError) as err:
        backend(fake_github, repo="corp/secret").create(make_request())
    assert err.value.status == 404 and not err.value.retryable
    assert "repository corp/secret" in err.value.admin_message
    reset = int(time.time()) + 60
    fake_github.fail_next(
        403,
        {"message": "API rate limit exceeded"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
    )
    with pytest.raises(BackendError) as err:
        backend(fake_github).create(make_request())
    assert err.value.retryable and 55 <= err.value.retry_after <= 61
    fake_github.fail_next(429, {"message": "secondary rate limit"}, {"Retry-After": "9"})
    with pytest.raises(BackendError) as err:
        backend(fake_github).find("x")
    assert err.value.retryable and err.value.retry_after == 9.0
    fake_github.fail_next(403, {"message": "Resource not accessible by integration"})
    time.sleep(1)  # writes are a second apart: the next one must not wait (fault queue)
    with pytest.raises(BackendError) as err:
        backend(fake_github).create(make_request())
    assert not err.value.retryable and "not allowed to create an issue" in err.value.admin_message
    fake_github.fail_next(502)
    with pytest.raises(BackendError) as err:
        backend(fake_github).create(make_request())
    assert err.value.retryable and err.value.status == 502
    assert "takes issues" in backend(fake_github).check()
    with pytest.raises(BackendError, match="owner/name"):
        backend(fake_github, repo="not a repo").create(make_request())
