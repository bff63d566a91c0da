"""In-doubt creates against the eventually consistent GitHub fake: exactly one issue.

A create whose answer is lost (a timeout, or the server killed between GitHub's answer and
the store write) may have landed. The fake reproduces what makes a blind retry duplicate it:
a token without push access (labels silently dropped), a busy repository (our issue is off
the first page of the newest issues before we look again) and a search index that lags.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from backends.fakes.github import FakeGitHub
from backends.helpers import queued

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
    outbox = Outbox(store, be, base_delay=0.05, max_delay=0.2, sync_interval=0)
    await outbox.drain(timeout=30)
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


SERVER = """
import asyncio, sys
from jupyter_itbridge.backends.github import GitHubBackend
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.store import Store

url, token, repo, path = sys.argv[1:5]
be = GitHubBackend(url=url, token=token, repo=repo, retries=0, timeout=2.0)
asyncio.run(Outbox(Store(path), be, sync_interval=0).drain(timeout=60))
"""


async def test_crash_between_create_and_store_makes_one_issue(
    fake_github: FakeGitHub, tmp_path: Path
):
    path = str(tmp_path / "s.sqlite3")
    store = Store(path)
    row = queued(store, "github", body="No module named 'pyspark'")
    busy_repository(fake_github, lag=2.0)
    seed_others = fake_github.on_create
    server: list[subprocess.Popen[bytes]] = []

    def kill_the_server(issue: dict[str, Any]) -> None:
        assert seed_others is not None
        seed_others(issue)
        os.kill(server[0].pid, signal.SIGKILL)  # GitHub committed; we never hear of it
        server[0].wait(10)

    fake_github.on_create = kill_the_server
    args = [fake_github.url, fake_github.token, fake_github.repo, path]
    server.append(subprocess.Popen([sys.executable, "-c", textwrap.dedent(SERVER), *args]))
    assert server[0].wait(60) == -signal.SIGKILL
    assert len(ours(fake_github, row["uuid"])) == 1
    fake_github.on_create = None
    assert store.get_request(row["uuid"])["state"] == "queued"  # the store never heard

    restarted = backend(fake_github, timeout=2.0, consistency_window=3.0)
    store.release_dead_leases()  # what the restarted server's lease loop does first
    outbox = Outbox(store, restarted, base_delay=0.05, max_delay=0.2, sync_interval=0)
    await outbox.drain(timeout=30)
    assert len(ours(fake_github, row["uuid"])) == 1, "the crash made a second issue"
    stored = store.get_request(row["uuid"])
    (number,) = ours(fake_github, row["uuid"])
    assert (stored["state"], stored["ticket_id"]) == ("sent", str(number))
