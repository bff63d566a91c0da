"""In-doubt creates against the eventually consistent GitHub fake: exactly one issue.

A create whose answer is lost (a timeout, or the server killed between GitHub's answer and
the store write) may have landed. The fake reproduces what makes a blind retry duplicate it:
a token without push access (labels silently dropped), a busy repository (our issue is off
the first page of the newest issues before we look again) and a search index that lags.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from backends.fakes.github import FakeGitHub
from backends.helpers import queued
from backends.lost_answer import killed_after_commit, quick_outbox, restart_and_drain

from jupyter_itbridge.backends.github import GitHubBackend
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.store import Store


def ours(fake: FakeGitHub, request_uuid: str) -> list[int]:
    marker = f"itbridge-request-id: {request_uuid}"
    return [n for n, i in fake.issues.items() if marker in i["body"]]


def busy_repository(fake: FakeGitHub, lag: float) -> None:
    """Labels dropped, search lagging, and 100 issues by others right after ours."""
    fake.push_access = False
    fake.search_lag = lag
    fake.on_create = lambda issue: fake.seed([f"other {i}" for i in range(100)], labels=())


def backend(fake: FakeGitHub, **kw: Any) -> GitHubBackend:
    opts = {"url": fake.url, "token": fake.token, "repo": fake.repo, "retries": 0}
    return GitHubBackend(**(opts | kw))


async def test_timed_out_create_is_found_not_repeated(fake_github: FakeGitHub, tmp_path: Path):
    store = Store(str(tmp_path / "s.sqlite3"))
    row = queued(store, "github", body="No module named 'pyspark'")
    busy_repository(fake_github, lag=2.0)
    fake_github.reply_delays = [1.5]  # committed, answered after our 0.5 s timeout
    be = backend(fake_github, timeout=0.5, consistency_window=3.0)
    await quick_outbox(store, be).drain(timeout=30)
    assert len(ours(fake_github, row["uuid"])) == 1, "the timed-out create was repeated"
    stored = store.get_request(row["uuid"])
    assert stored["state"] == "sent"
    assert stored["ticket_id"] == str(ours(fake_github, row["uuid"])[0])
    assert not (stored.get("meta") or {}), "the in-doubt mark outlived the delivery"
    notes = " ".join(e["note"] or "" for e in store.history(row["uuid"]))
    assert "timed out" in notes


async def test_refused_create_is_not_in_doubt(fake_github: FakeGitHub, tmp_path: Path):
    """A clear refusal (422) cannot have landed: no waiting window before the next try."""
    store = Store(str(tmp_path / "s.sqlite3"))
    row = queued(store, "github", body="No module named 'pyspark'")
    fake_github.fail_next(422, {"message": "Validation Failed"})
    be = backend(fake_github, consistency_window=3600.0)
    await Outbox(store, be, sync_interval=0).deliver(row)
    assert not (store.get_request(row["uuid"]).get("meta") or {})
    started = time.monotonic()
    await Outbox(store, be, sync_interval=0).deliver(row)
    assert time.monotonic() - started < 10
    assert store.get_request(row["uuid"])["state"] == "sent"


async def test_crash_between_create_and_store_makes_one_issue(
    fake_github: FakeGitHub, tmp_path: Path
):
    path = str(tmp_path / "s.sqlite3")
    store = Store(path)
    row = queued(store, "github", body="No module named 'pyspark'")
    busy_repository(fake_github, lag=2.0)
    opts = {"url": fake_github.url, "token": fake_github.token, "repo": fake_github.repo}
    killed_after_commit(fake_github, GitHubBackend, opts | {"retries": 0, "timeout": 2.0}, path)
    assert len(ours(fake_github, row["uuid"])) == 1
    assert store.get_request(row["uuid"])["state"] == "queued"  # the store never heard

    await restart_and_drain(store, backend(fake_github, timeout=2.0, consistency_window=3.0))
    assert len(ours(fake_github, row["uuid"])) == 1, "the crash made a second issue"
    stored = store.get_request(row["uuid"])
    (number,) = ours(fake_github, row["uuid"])
    assert (stored["state"], stored["ticket_id"]) == ("sent", str(number))
