"""RTBackend against a real Request Tracker 5 (Debian packages) on 127.0.0.1."""

from __future__ import annotations

import logging
import uuid

import pytest
import requests
from backends.helpers import make_request
from backends.rt_server import RTServer

from jupyter_itbridge.backends.base import BackendError, OutgoingRequest, TicketRef
from jupyter_itbridge.backends.rt import RTBackend

pytestmark = [pytest.mark.system, pytest.mark.slow]


def backend(rt: RTServer, **kw: object) -> RTBackend:
    opts: dict[str, object] = {
        "url": rt.url,
        "user": rt.user,
        "password": rt.password,
        "queue": "General",
        "retries": 0,
        "timeout": 10.0,
    }
    opts.update(kw)
    return RTBackend(**opts)


def ticket(admin: requests.Session, rt: RTServer, ticket_id: str) -> dict:
    res = admin.get(f"{rt.url}/REST/2.0/ticket/{ticket_id}")
    res.raise_for_status()
    return res.json()


def count_by_marker(admin: requests.Session, rt: RTServer, req: OutgoingRequest) -> int:
    res = admin.get(
        f"{rt.url}/REST/2.0/tickets",
        params={"query": f"Subject LIKE '[itbridge:{req.uuid[:8]}]'", "per_page": 100},
    )
    res.raise_for_status()
    return int(res.json()["count"])


def test_create_writes_markers_and_find_returns_it(rt_up: RTServer, rt_admin: requests.Session):
    be = backend(rt_up)
    req = make_request("Please install pyspark", urgency="high")
    assert be.find(req.uuid) is None
    ref = be.create(req)
    assert ref.id.isdigit()
    assert ref.url == f"{rt_up.url}/Ticket/Display.html?id={ref.id}"
    data = ticket(rt_admin, rt_up, ref.id)
    assert data["Subject"] == f"Please install pyspark [itbridge:{req.uuid[:8]}]"
    assert data["Queue"]["id"] in ("1", "General")
    assert data["Status"] == "new"
    atts = rt_admin.get(
        f"{rt_up.url}/REST/2.0/ticket/{ref.id}/attachments", params={"fields": "Content"}
    ).json()["items"]
    assert any(f"itbridge-request-id: {req.uuid}" in a["Content"] for a in atts)
    assert be.find(req.uuid) == ref
    assert be.status(ref) == "sent"


def test_body_without_marker_gets_one(rt_up: RTServer, rt_admin: requests.Session):
    be = backend(rt_up)
    req = make_request(body="Short body without the marker line")
    ref = be.create(req)
    atts = rt_admin.get(
        f"{rt_up.url}/REST/2.0/ticket/{ref.id}/attachments", params={"fields": "Content"}
    ).json()["items"]
    assert any(a["Content"].endswith(req.marker) for a in atts)
    assert be.find(req.uuid) == ref


def test_find_ignores_other_ticket_with_same_short_marker(rt_up: RTServer):
    be = backend(rt_up)
    req = make_request()
    ref = be.create(req)
    twin_uuid = req.uuid[:8] + "-ffff-4fff-8fff-ffffffffffff"  # same 8-char subject marker
    assert twin_uuid != req.uuid
    assert be.find(twin_uuid) is None
    assert be.find(req.uuid) == ref


def test_status_changes_in_rt_show_in_one_batched_call(
    rt_up: RTServer, rt_admin: requests.Session, caplog: pytest.LogCaptureFixture
):
    be = backend(rt_up)
    refs = [be.create(make_request(f"Request {i}")) for i in range(5)]
    wanted = ["new", "open", "stalled", "resolved", "rejected"]
    for ref, status in zip(refs, wanted, strict=True):
        if status != "new":
            res = rt_admin.put(f"{rt_up.url}/REST/2.0/ticket/{ref.id}", json={"Status": status})
            assert res.status_code == 200, res.text
    calls: list[str] = []
    be.session.hooks["response"].append(lambda r, *a, **k: calls.append(r.request.method))
    got = be.statuses(refs)
    assert got == {
        refs[0].id: "sent",
        refs[1].id: "acknowledged",
        refs[2].id: "acknowledged",
        refs[3].id: "resolved",
        refs[4].id: "rejected",
    }
    assert calls == ["GET"], "statuses must be one TicketSQL search, not one GET per ticket"


def test_deleted_ticket_maps_to_rejected(rt_up: RTServer, rt_admin: requests.Session):
    be = backend(rt_up)
    live, gone = be.create(make_request("a")), be.create(make_request("b"))
    rt_admin.put(f"{rt_up.url}/REST/2.0/ticket/{gone.id}", json={"Status": "deleted"})
    assert be.statuses([live, gone]) == {live.id: "sent", gone.id: "rejected"}


def test_comment_lands_on_ticket(rt_up: RTServer, rt_admin: requests.Session):
    be = backend(rt_up)
    ref = be.create(make_request())
    be.comment(ref, "+1 from bob: same failure in notebook analysis.ipynb — ünïcode")
    hist = rt_admin.get(
        f"{rt_up.url}/REST/2.0/ticket/{ref.id}/history", params={"fields": "Type"}
    ).json()["items"]
    assert "Comment" in [h["Type"] for h in hist]
    atts = rt_admin.get(
        f"{rt_up.url}/REST/2.0/ticket/{ref.id}/attachments", params={"fields": "Content"}
    ).json()["items"]
    assert any("+1 from bob" in a["Content"] and "ünïcode" in a["Content"] for a in atts)


def test_bad_password_is_precise_and_not_retryable(
    rt_up: RTServer, caplog: pytest.LogCaptureFixture
):
    be = backend(rt_up, password="wrong-password-xyz")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BackendError) as err:
        be.create(make_request())
    assert err.value.retryable is False
    assert err.value.status == 401
    assert err.value.admin_message.startswith(
        f"RTBackend.user/password was rejected by {rt_up.url} (HTTP 401)"
    )
    with pytest.raises(BackendError, match=r"RTBackend\.user/password was rejected"):
        be.check()
    assert "wrong-password-xyz" not in caplog.text
    assert "wrong-password-xyz" not in str(be.describe())


def test_bad_token_names_the_token_trait(rt_up: RTServer):
    be = RTBackend(url=rt_up.url, token="not-a-real-token", retries=0)
    with pytest.raises(BackendError) as err:
        be.find("00000000-0000-0000-0000-000000000000")
    assert err.value.admin_message.startswith(f"RTBackend.token was rejected by {rt_up.url}")
    assert "not-a-real-token" not in err.value.admin_message
    assert be.describe()["auth"] == "token"


def test_unknown_queue_is_precise_and_not_retryable(rt_up: RTServer):
    be = backend(rt_up, queue="No Such Queue")
    with pytest.raises(BackendError) as err:
        be.create(make_request())
    assert err.value.retryable is False
    assert err.value.status == 403
    assert "'No Such Queue'" in err.value.admin_message
    assert "RTBackend.queue" in err.value.admin_message
    with pytest.raises(BackendError) as err2:
        be.check()
    assert err2.value.status == 404 and "'No Such Queue'" in err2.value.admin_message
    assert "queue 'General' exists" in backend(rt_up).check()


def deliver(
    be: RTBackend, pending: dict[str, OutgoingRequest], delivered: dict[str, TicketRef]
) -> list[BackendError]:
    """One pass of what the outbox worker does: find before create, keep failures queued."""
    errors: list[BackendError] = []
    for req_uuid, req in list(pending.items()):
        try:
            ref = be.find(req_uuid) or be.create(req)
        except BackendError as exc:
            errors.append(exc)
            continue
        delivered[req_uuid] = ref
        del pending[req_uuid]
    return errors


def test_outage_50_requests_arrive_exactly_once(rt_up: RTServer, rt_admin: requests.Session):
    be = backend(rt_up)
    tag = uuid.uuid4().hex[:6]
    reqs = [make_request(f"Outage {tag} {i}") for i in range(50)]
    pending = {r.uuid: r for r in reqs}
    delivered: dict[str, TicketRef] = {}

    # Five go through before the outage; for two of them the "stored" step is lost (a crash
    # between sent and stored), so they stay pending and must NOT be created a second time.
    for req in reqs[:5]:
        be.create(req)
    for req in reqs[2:5]:
        pending.pop(req.uuid)

    rt_up.stop()
    errors = deliver(be, pending, delivered)
    assert len(errors) == 47 and not delivered
    assert all(e.retryable for e in errors)
    assert all(rt_up.url in e.admin_message and "will retry" in e.admin_message for e in errors)

    rt_up.start()
    for _ in range(3):
        if not pending:
            break
        deliver(be, pending, delivered)
    assert not pending
    assert len(delivered) == 47

    # One TicketSQL search for the whole run: every marker exactly once, nothing else.
    res = rt_admin.get(
        f"{rt_up.url}/REST/2.0/tickets",
        params={"query": f"Subject LIKE 'Outage {tag} '", "fields": "Subject", "per_page": 100},
    )
    subjects = [item["Subject"] for item in res.json()["items"]]
    assert len(subjects) == 50
    for req in reqs:
        assert sum(f"[itbridge:{req.uuid[:8]}]" in s for s in subjects) == 1, req.uuid
    assert count_by_marker(rt_admin, rt_up, reqs[3]) == 1  # a "lost" one, by its own marker
    for req in reqs[2:5]:  # the "lost" ones are found, not duplicated
        assert be.find(req.uuid) is not None
