"""A ticket system's error body that echoes our credential never reaches an admin message.

Pattern redaction only knows what tokens usually look like; these secrets look like nothing
in particular (a GitLab token an admin chose, a Jira API token), and the error bodies echo
them raw or in their ``Authorization: Basic`` base64 form, the way a misconfigured reverse
proxy or a verbose desk does. Checked where an admin reads them: ``last_error``, the request
history, ``GET health``, the logs and ``doctor``.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from backends.fakes.gitlab import FakeGitLab
from backends.fakes.jira import FakeJira
from backends.helpers import queued

from jupyter_itbridge.backends.gitlab import GitLabBackend
from jupyter_itbridge.backends.jira import JiraBackend
from jupyter_itbridge.cli.doctor import check_backend
from jupyter_itbridge.secretmask import MASK, SecretMask
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import Store

PLAIN_TOKEN = "correct-horse-battery-staple-42"


def test_mask_covers_raw_quoted_base64_and_pem_lines():
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1y2z3abcdefghijk\n-----END"
    mask = SecretMask([PLAIN_TOKEN, pem, "abc"], [("alice@corp.example", "jira-api-tok")])
    basic = base64.b64encode(b"alice@corp.example:jira-api-tok").decode()
    text = (
        f"token {PLAIN_TOKEN} / {PLAIN_TOKEN.replace('-', '%2D')} / Basic {basic} / "
        f"key line MIIEowIBAAKCAQEAx1y2z3abcdefghijk / short abc stays"
    )
    out = mask(text)
    assert PLAIN_TOKEN not in out and basic not in out and "MIIEowIBAAK" not in out
    assert out.count(MASK) == 3 and "short abc stays" in out
    assert mask(None) == "" and not SecretMask()


async def test_echoed_token_is_masked_everywhere(
    fake_gitlab: FakeGitLab, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    fake_gitlab.token = PLAIN_TOKEN
    be = GitLabBackend(url=fake_gitlab.url, token=PLAIN_TOKEN, project="it/requests", retries=0)
    store = Store(str(tmp_path / "s.sqlite3"))
    outbox = Outbox(store, be, sync_interval=0)
    service = RequestService(store, be, outbox)
    row = queued(store, "x")
    echo = {"message": f"403 Forbidden - token {PLAIN_TOKEN} lacks the api scope"}
    fake_gitlab.fail_next(403, echo, times=2)
    with caplog.at_level(logging.DEBUG):
        await outbox.deliver(row)
        ok, doctor_says = check_backend(be)
    stored = store.get_request(row["uuid"])
    history = " ".join(e["note"] or "" for e in store.history(row["uuid"]))
    health = str(service.health())
    assert not ok
    for where, text in {
        "last_error": stored["last_error"],
        "history": history,
        "health": health,
        "logs": caplog.text,
        "doctor": doctor_says,
        "outbox": outbox.last_error,
    }.items():
        assert PLAIN_TOKEN not in text, f"the token reached {where}"
    assert MASK in stored["last_error"] and "lacks the api scope" in stored["last_error"]
    assert MASK in doctor_says


async def test_echoed_basic_form_is_masked_in_comment_errors(fake_jira: FakeJira, tmp_path: Path):
    fake_jira.api_token = "plainly-chosen-secret"
    be = JiraBackend(
        url=fake_jira.url,
        email=fake_jira.email,
        api_token=fake_jira.api_token,
        project="IT",
        retries=0,
        deployment="datacenter",  # no serverInfo call first: the comment call meets the fault
    )
    basic = base64.b64encode(f"{fake_jira.email}:{fake_jira.api_token}".encode()).decode()
    store = Store(str(tmp_path / "s.sqlite3"))
    row = queued(store, "x")
    store.update_fields(row["uuid"], ticket_id="IT-1")
    store.transition(row["uuid"], "sent", ticket_id="IT-1")
    store.add_comment(row["uuid"], "alice", "user", "+1")
    outbox = Outbox(store, be, sync_interval=0)
    # a gateway's JSON error that echoes the Authorization header (an HTML page would be
    # named by its title only, so it could not leak anything)
    fake_jira.fail_next(502, {"errorMessages": [f"bad gateway for request with auth {basic}"]})
    (due,) = store.due_comments()
    await outbox.deliver_comment(due)
    (comment,) = store.comments(row["uuid"])
    assert basic not in (comment["last_error"] or "") and basic not in (outbox.last_error or "")
    assert MASK in (outbox.last_error or "")
    assert be.mask(f"x {basic} y") == f"x {MASK} y"
