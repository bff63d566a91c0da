"""GitLabBackend against the documented GitLab behaviours the first fake did not show.

Each test fails on the first release's GitLab backend (a description over 1,000,000
characters, raw Markdown, a header-less 429, no conversation read).
"""

from __future__ import annotations

import re

import pytest
from backends.fakes.gitlab import BODY_LIMIT, FakeGitLab
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.gitlab import GitLabBackend


def backend(fake: FakeGitLab, **kw) -> GitLabBackend:
    return GitLabBackend(
        **({"url": fake.url, "token": fake.token, "project": fake.project, "retries": 0} | kw)
    )


def test_long_description_is_cut_and_the_full_text_uploaded(fake_gitlab: FakeGitLab):
    be = backend(fake_gitlab)
    text = "pip install log line\n" * 60000  # 1,260,000 characters
    req = make_request(body=text)
    ref = be.create(req)
    description = fake_gitlab.issues[int(ref.id)]["description"]
    assert len(description) <= BODY_LIMIT
    assert description.startswith(f"itbridge-request-id: {req.uuid}\n")
    (url,) = fake_gitlab.uploads
    assert fake_gitlab.uploads[url].decode() == text.rstrip("\n")
    assert f"the full text: [itbridge-{req.uuid}.txt]({url})" in description
    assert be.find(req.uuid) == ref


def test_user_text_is_literal_markdown(fake_gitlab: FakeGitLab):
    be = backend(fake_gitlab)
    hostile = "ping @devops-oncall ~urgent %v1.0 #12 !3 ![t](https://evil.example/t.png)\n```"
    req = make_request(body=hostile)
    ref = be.create(req)
    description = fake_gitlab.issues[int(ref.id)]["description"]
    assert re.fullmatch(
        re.escape(req.marker) + r"\n\n(`{4,})text\n" + re.escape(hostile) + r"\n\1", description
    )


def test_429_without_headers_waits_a_minute(fake_gitlab: FakeGitLab):
    fake_gitlab.fail_next(429, {"message": "Retry later"})
    with pytest.raises(BackendError) as err:
        backend(fake_gitlab).create(make_request())
    assert err.value.retryable and err.value.retry_after == 60.0
    fake_gitlab.fail_next(429, {"message": "Retry later"}, {"RateLimit-Reset": "1"})
    with pytest.raises(BackendError) as err:
        backend(fake_gitlab).find("x")
    assert err.value.retry_after == 0.0


def test_messages_skip_system_notes_and_hide_internal_ones(fake_gitlab: FakeGitLab):
    be = backend(fake_gitlab)
    ref = be.create(make_request())
    fake_gitlab.note(1, "added ~itbridge label", "it-agent", system=True)
    fake_gitlab.note(1, "Which project should pay for the GPU?")
    fake_gitlab.note(1, "she is on the ML team, approve", internal=True)
    be.comment(ref, "Project 'fraud-ml', thanks!\nSee @my-manager")
    for i in range(120):  # more than a page of notes
        fake_gitlab.note(1, f"bot note {i}", "ci-bot")
    got = be.messages(ref)
    assert [(m.role, m.author, m.text, m.public) for m in got[:3]] == [
        ("it", "it-agent", "Which project should pay for the GPU?", True),
        ("it", "it-agent", "she is on the ML team, approve", False),
        ("user", "itbridge-bot", "Project 'fraud-ml', thanks!\nSee @my-manager", True),
    ]
    assert len(got) == 123 and got[-1].text == "bot note 119"
    again = be.messages(ref, since=got[-1].created_at)  # only its own second again
    assert again and all(m.created_at == got[-1].created_at for m in again)
    assert "```text\nProject 'fraud-ml'" in fake_gitlab.notes[1][3]["body"]
