"""GitHubBackend against the documented GitHub behaviours the first fake did not show.

Each test fails on the first release's GitHub backend (labels required for find and sync,
bodies over 65,536 characters, raw Markdown, a secondary limit read as a bad token, four
creates at once, unconditional sync, no App auth).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from backends.fakes.github import BODY_LIMIT, FakeGitHub
from backends.fakes.github_jwt import new_app_key
from backends.helpers import make_request, queued

from jupyter_itbridge.backends.base import BackendError, TicketRef
from jupyter_itbridge.backends.github import GitHubBackend
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.store import Store


def backend(fake: FakeGitHub, **kw) -> GitHubBackend:
    return GitHubBackend(
        **({"url": fake.url, "token": fake.token, "repo": fake.repo, "retries": 0} | kw)
    )


def test_labels_dropped_without_push_access_find_and_sync_still_work(fake_github: FakeGitHub):
    fake_github.push_access = False  # "Labels are silently dropped otherwise"
    fake_github.search_lag = 3600
    be = backend(fake_github)
    req = make_request()
    ref = be.create(req)
    assert fake_github.issues[1]["labels"] == []
    assert be.find(req.uuid) == ref
    fake_github.close(1, "completed")
    assert be.statuses([ref]) == {"1": "resolved"}
    assert "drops the label" in be.check()


def test_long_body_fits_with_marker_first_and_a_visible_notice(fake_github: FakeGitHub):
    be = backend(fake_github)
    req = make_request(body="Traceback line\n" * 20000)  # 300,000 characters
    ref = be.create(req)
    body = fake_github.issues[int(ref.id)]["body"]
    assert len(body) <= BODY_LIMIT
    assert body.startswith(f"itbridge-request-id: {req.uuid}\n")
    assert "text cut to" in body and f"of {len(req.body.rstrip()):,} characters" in body
    fake_github.search_lag = 3600
    assert be.find(req.uuid) == ref


def test_user_text_is_literal_markdown(fake_github: FakeGitHub):
    be = backend(fake_github)
    hostile = (
        "cc @octocat and @corp/admins, see #1 and ![x](https://evil.example/pixel.png)\n"
        '<img src="https://evil.example/p.gif"> ``` closing fence attempt ````\n'
        "[click](javascript:alert(1)) https://evil.example/autolink"
    )
    req = make_request(body=hostile)
    ref = be.create(req)
    body = fake_github.issues[int(ref.id)]["body"]
    head, block = body.split("\n\n", 1)
    assert head == req.marker
    fence = re.match(r"(`{3,})text\n", block)
    assert fence and len(fence.group(1)) >= 5  # longer than any backtick run inside
    assert block.endswith("\n" + fence.group(1))
    inner = block[len(fence.group(0)) : -len(fence.group(1)) - 1]
    assert inner == hostile  # exactly the user's text, nothing outside the code block
    be.comment(ref, "thanks @octocat ![x](https://evil.example/p.png)")
    assert "```text\nthanks @octocat" in fake_github.comments[1][0]["body"]


def test_secondary_limit_without_retry_after_waits_a_minute(fake_github: FakeGitHub):
    fake_github.fail_next(
        403,
        {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits",
        },
    )
    with pytest.raises(BackendError) as err:
        backend(fake_github).create(make_request())
    assert err.value.retryable and err.value.retry_after == 60.0
    assert "rate limit" in err.value.admin_message and "rejected" not in err.value.admin_message


async def test_outbox_creates_serially_a_second_apart(fake_github: FakeGitHub, tmp_path: Path):
    store = Store(str(tmp_path / "s.sqlite3"))
    rows = [queued(store, "github", f"request {i}") for i in range(3)]
    outbox = Outbox(store, backend(fake_github), concurrency=4, sync_interval=0)
    await outbox.drain(timeout=30)
    assert fake_github.max_concurrent_writes == 1
    gaps = [
        b - a for a, b in zip(fake_github.write_times, fake_github.write_times[1:], strict=False)
    ]
    assert len(fake_github.write_times) == 3 and min(gaps) >= 0.95
    assert {store.get_request(r["uuid"])["state"] for r in rows} == {"sent"}


def test_sync_without_changes_costs_no_rate_limit(fake_github: FakeGitHub):
    be = backend(fake_github)
    refs = [TicketRef(id=str(n)) for n in fake_github.seed([f"r{i}" for i in range(20)])]
    assert set(be.statuses(refs).values()) == {"sent"}
    fake_github.touch(3, assignees=[{"login": "it-agent"}])
    assert be.statuses(refs)["3"] == "acknowledged"
    be.statuses(refs)  # the same question again: the ETag is kept from here on
    spent = fake_github.rate_remaining
    for _ in range(5):  # five more syncs, nothing changed
        assert be.statuses(refs)["3"] == "acknowledged"
    assert fake_github.rate_remaining == spent, "an unchanged sync cost rate limit"
    assert fake_github.free_answers >= 5
    fake_github.close(7, "not_planned")
    assert be.statuses(refs)["7"] == "rejected"


def test_github_app_installation_tokens_are_bought_and_renewed(fake_github: FakeGitHub):
    private, public = new_app_key()
    fake_github.app = {"app_id": "Iv1.abc123", "installation_id": 77, "public_key": public}
    fake_github.token_ttl = 305.0  # the renewal margin (300 s) starts 5 s after buying
    be = backend(
        fake_github,
        token="",
        app_id="Iv1.abc123",
        installation_id="77",
        app_private_key=private,
    )
    first = be.create(make_request())
    assert fake_github.count("POST", r"/app/installations/77/access_tokens") == 1
    used = fake_github.last("POST").headers["authorization"]
    assert used.startswith("Bearer ghs_installation")
    be.find("x")  # still valid: no second token
    assert fake_github.count("POST", r"/app/installations/77/access_tokens") == 1
    time.sleep(5.2)
    be.status(first)
    assert fake_github.count("POST", r"/app/installations/77/access_tokens") == 2
    assert be.describe()["auth"] == "app"
    assert private.splitlines()[1] not in str(be.describe())


def test_github_app_refused_key_is_a_config_error(fake_github: FakeGitHub):
    _, public = new_app_key()
    other, _ = new_app_key()
    fake_github.app = {"app_id": "Iv1.abc123", "installation_id": 77, "public_key": public}
    be = backend(fake_github, token="", app_id="Iv1.abc123", installation_id="77")
    be.app_private_key = other
    with pytest.raises(BackendError) as err:
        be.create(make_request())
    assert not err.value.retryable and "GitHubBackend.app_private_key" in err.value.admin_message
    assert other.splitlines()[1] not in err.value.admin_message
    be.app_private_key = "not a key"
    be._app = None
    with pytest.raises(BackendError, match="not an unencrypted RSA private key") as err:
        be.find("x")
    assert not err.value.retryable


def test_messages_are_it_comments_and_ours(fake_github: FakeGitHub):
    be = backend(fake_github)
    ref = be.create(make_request())
    fake_github.it_comment(1, "Which licence do you need? cc @alice")
    be.comment(ref, "The academic one, thanks.")
    got = be.messages(ref)
    assert [(m.role, m.author, m.text) for m in got] == [
        ("it", "it-agent", "Which licence do you need? cc @alice"),
        ("user", "itbridge-bot", "The academic one, thanks."),
    ]
    assert all(m.public for m in got) and got[0].created_at <= got[1].created_at
    again = be.messages(ref, since=got[-1].created_at)  # only its own second again
    assert again and all(m.created_at == got[-1].created_at for m in again)
    spent = fake_github.rate_remaining
    assert be.messages(ref, since=got[-1].created_at) == again  # unchanged: a free 304
    assert fake_github.rate_remaining == spent
    fake_github.it_comment(1, "Done, restart your kernel.")
    assert be.messages(ref, since=got[-1].created_at)[-1].text == "Done, restart your kernel."


def test_requests_follow_githubs_openapi_description(fake_github: FakeGitHub):
    """The fixture checks every request; here: the checker itself refuses what GitHub's
    description does not allow, and the backend's usual calls are all checked."""
    from backends.fakes.base import Recorded
    from backends.fakes.openapi_check import OpenAPICheck

    check = OpenAPICheck("github-rest-api-subset.yaml")
    path = "/repos/corp/it-requests/issues"
    assert check(Recorded("GET", path, {"state": ["all"], "per_page": ["100"]}, {}, b"")) is None
    bad_query = Recorded("GET", path, {"labels_any": ["x"]}, {}, b"")
    assert "'labels_any' is not in the API" in (check(bad_query) or "")
    bad_state = Recorded("GET", path, {"state": ["everything"]}, {}, b"")
    assert "state='everything'" in (check(bad_state) or "")
    bad_body = Recorded("POST", path, {}, {}, b'{"title": "t", "labels": "itbridge"}')
    assert "request body" in (check(bad_body) or "")
    assert "request body" in (check(Recorded("POST", path, {}, {}, b'{"body": "x"}')) or "")

    be = backend(fake_github)
    ref = be.create(make_request())
    be.find("no-such-uuid")
    be.statuses([ref])
    be.comment(ref, "thanks")
    be.messages(ref, since=1.0)
    checker = fake_github.validator
    assert isinstance(checker, OpenAPICheck) and checker.checked == 4  # create, list, comments
    assert "GET /search/issues" in checker.unchecked  # outside the vendored subset
    assert fake_github.invalid == []
