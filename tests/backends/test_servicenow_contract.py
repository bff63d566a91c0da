"""ServiceNowBackend against a loopback fake of the Table API (contract test, not live)."""

from __future__ import annotations

import base64
import logging

import pytest
from backends.fakes.servicenow import FakeServiceNow
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.servicenow import ServiceNowBackend


def backend(fake: FakeServiceNow, **kw) -> ServiceNowBackend:
    opts = {"url": fake.url, "user": fake.user, "password": fake.password, "retries": 0}
    return ServiceNowBackend(**(opts | kw))


def test_create_incident_shape_and_find(fake_servicenow: FakeServiceNow):
    be = backend(fake_servicenow, assignment_group="Data Platform", category="software")
    req = make_request(urgency="high")
    assert be.find(req.uuid) is None
    ref = be.create(req)
    sent = fake_servicenow.last("POST")
    assert sent.path == "/api/now/table/incident"
    assert sent.headers["content-type"] == "application/json"
    basic = base64.b64encode(f"{fake_servicenow.user}:{fake_servicenow.password}".encode())
    assert sent.headers["authorization"] == f"Basic {basic.decode()}"
    assert sent.json["correlation_id"] == req.uuid
    assert sent.json["short_description"] == req.summary
    marker = f"itbridge-request-id: {req.uuid}"
    rest = req.body.replace(marker, "").strip()
    assert sent.json["description"] == f"{marker}\n\n{rest}"  # marker first (size limits)
    assert sent.json["urgency"] == "1"
    # Attribution: sys_ids looked up in sys_user / sys_user_group, not raw names.
    assert sent.json["caller_id"] == fake_servicenow.sys_id_of("sys_user", user_name="alice")
    assert sent.json["assignment_group"] == fake_servicenow.sys_id_of(
        "sys_user_group", name="Data Platform"
    )
    assert ref.url == f"{fake_servicenow.url}/nav_to.do?uri=incident.do?sys_id={ref.id}"
    assert be.find(req.uuid) == ref
    assert fake_servicenow.last("GET").q("sysparm_query") == f"correlation_id={req.uuid}"
    assert fake_servicenow.last("GET").q("sysparm_fields") == "sys_id,correlation_id"


@pytest.mark.parametrize(
    ("state", "ours"),
    [
        ("1", "sent"),
        ("2", "acknowledged"),
        ("3", "acknowledged"),
        ("6", "resolved"),
        ("7", "resolved"),
        ("8", "rejected"),
    ],
)
def test_incident_state_mapping(fake_servicenow: FakeServiceNow, state: str, ours: str):
    be = backend(fake_servicenow)
    ref = be.create(make_request())
    fake_servicenow.records["incident"][ref.id]["state"] = state
    assert be.status(ref) == ours


def test_statuses_batched_in_one_call(fake_servicenow: FakeServiceNow):
    be = backend(fake_servicenow)
    refs = [be.create(make_request(f"r{i}")) for i in range(4)]
    for ref, state in zip(refs, ["1", "2", "6", "8"], strict=True):
        fake_servicenow.records["incident"][ref.id]["state"] = state
    before = fake_servicenow.count("GET")
    got = be.statuses(refs)
    assert fake_servicenow.count("GET") == before + 1
    assert fake_servicenow.last("GET").q("sysparm_query") == "sys_idIN" + ",".join(
        r.id for r in refs
    )
    assert got == {
        refs[0].id: "sent",
        refs[1].id: "acknowledged",
        refs[2].id: "resolved",
        refs[3].id: "rejected",
    }


def test_sc_request_table_uses_request_state(fake_servicenow: FakeServiceNow):
    be = backend(fake_servicenow, table="sc_request", caller_field="requested_for")
    ref = be.create(make_request())
    alice = fake_servicenow.sys_id_of("sys_user", user_name="alice")
    assert fake_servicenow.last("POST").json["requested_for"] == alice
    for rs, ours in [
        ("requested", "sent"),
        ("in_process", "acknowledged"),
        ("closed_complete", "resolved"),
        ("closed_rejected", "rejected"),
        ("closed_cancelled", "rejected"),
    ]:
        fake_servicenow.records["sc_request"][ref.id]["request_state"] = rs
        assert be.statuses([ref]) == {ref.id: ours}


def test_catalog_order_then_correlation_patch(fake_servicenow: FakeServiceNow):
    item = next(iter(fake_servicenow.catalog_items))
    be = backend(fake_servicenow, catalog_item=item)
    req = make_request()
    ref = be.create(req)
    order = [r for r in fake_servicenow.requests if r.method == "POST"][-1]
    assert order.path == f"/api/sn_sc/servicecatalog/items/{item}/order_now"
    marker = f"itbridge-request-id: {req.uuid}"
    assert order.json["variables"]["short_description"] == req.summary
    assert order.json["variables"]["description"].startswith(marker)  # the marker travels
    patch = fake_servicenow.last("PATCH")
    assert patch.path == f"/api/now/table/sc_request/{ref.id}"
    assert patch.json["correlation_id"] == req.uuid
    assert be.find(req.uuid) == ref  # a retry finds the order instead of ordering twice
    alice = fake_servicenow.sys_id_of("sys_user", user_name="alice")
    assert order.json["sysparm_requested_for"] == alice
    assert be.describe()["table"] == "sc_request"


def test_comment_uses_configured_journal_field(fake_servicenow: FakeServiceNow):
    be = backend(fake_servicenow, comment_field="work_notes")
    ref = be.create(make_request())
    be.comment(ref, "+1 from bob")
    assert fake_servicenow.comments_of(ref.id, "work_notes") == ["+1 from bob"]


def test_oauth_token_and_bad_password(
    fake_servicenow: FakeServiceNow, monkeypatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setenv("ITBRIDGE_SNOW_TOKEN", fake_servicenow.token)
    be = ServiceNowBackend(url=fake_servicenow.url, retries=0)
    be.create(make_request())
    assert fake_servicenow.last().headers["authorization"] == f"Bearer {fake_servicenow.token}"
    assert fake_servicenow.token not in str(be.describe())
    monkeypatch.delenv("ITBRIDGE_SNOW_TOKEN")
    caplog.set_level(logging.DEBUG)
    bad = backend(fake_servicenow, password="hunter2-wrong")
    with pytest.raises(BackendError) as err:
        bad.create(make_request())
    assert err.value.admin_message.startswith(
        f"ServiceNowBackend.user/password was rejected by {fake_servicenow.url} (HTTP 401)"
    )
    assert not err.value.retryable
    assert "hunter2-wrong" not in caplog.text + err.value.admin_message


def test_acl_403_and_invalid_table(fake_servicenow: FakeServiceNow):
    fake_servicenow.readonly_tables.add("incident")
    with pytest.raises(BackendError) as err:
        backend(fake_servicenow).create(make_request())
    assert err.value.status == 403 and not err.value.retryable
    assert "table 'incident'" in err.value.admin_message
    assert "ACL Exception" in err.value.admin_message
    with pytest.raises(BackendError) as err2:
        backend(fake_servicenow, table="u_nope").check()
    assert err2.value.status == 400 and "Invalid table u_nope" in err2.value.admin_message


def test_429_500_and_check(fake_servicenow: FakeServiceNow):
    be = backend(fake_servicenow)
    fake_servicenow.fail_next(
        429, {"error": {"message": "Rate limit exceeded"}}, {"Retry-After": "42"}
    )
    with pytest.raises(BackendError) as err:
        be.create(make_request())
    assert err.value.retryable and err.value.retry_after == 42.0
    fake_servicenow.fail_next(500, {"error": {"message": "Internal"}})
    with pytest.raises(BackendError) as err:
        be.find("x")
    assert err.value.retryable and err.value.status == 500
    assert "table 'incident' readable" in be.check()
