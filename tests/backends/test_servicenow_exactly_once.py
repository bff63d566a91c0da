"""ServiceNow exactly once, against a fake that behaves as documented (tests/backends/fakes/
servicenow.py): dropped query terms, catalog orders whose tagging fails, two-step checkout,
cut descriptions. Each of these made a second record or adopted a foreign one before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from backends.fakes.servicenow import FakeServiceNow
from backends.helpers import make_request

from jupyter_itbridge.backends.base import BackendError
from jupyter_itbridge.backends.servicenow import ServiceNowBackend
from jupyter_itbridge.server.outbox import Outbox, outgoing
from jupyter_itbridge.server.store import Store

ORDER = r"/api/sn_sc/servicecatalog/items/\w+/order_now$"


def backend(fake: FakeServiceNow, **kw: Any) -> ServiceNowBackend:
    opts = {"url": fake.url, "user": fake.user, "password": fake.password, "retries": 0}
    return ServiceNowBackend(**(opts | kw))


def queued(store: Store, body_len: int = 0) -> dict[str, Any]:
    return store.insert_request(
        user="alice",
        summary="Please install pyspark",
        body="",
        draft={},
        backend="servicenow",
        kind="missing_package",
        subject="pyspark",
        body_factory=lambda u: (
            f"Please install pyspark\n\n{'x' * body_len}\n\nitbridge-request-id: {u}"
        ),
    )


def test_a_dropped_query_term_never_adopts_a_foreign_record(fake_servicenow: FakeServiceNow):
    """A custom table without correlation_id: the term is dropped and every row comes back."""
    fake_servicenow.insert("u_it_request", {"short_description": "someone else's request"})
    be = backend(fake_servicenow, table="u_it_request", caller_field="u_caller")
    req = make_request()
    assert be.find(req.uuid) is None, "adopted a record that does not hold our UUID"
    ref = be.create(req)
    assert be.find(req.uuid) == ref  # found by the body marker, read back from description
    assert be.find(make_request().uuid) is None


def test_property_returns_no_rows_changes_nothing(fake_servicenow: FakeServiceNow):
    fake_servicenow.invalid_query_returns_no_rows = True
    be = backend(fake_servicenow, table="u_it_request", caller_field="u_caller")
    req = make_request()
    ref = be.create(req)
    assert be.find(req.uuid) == ref


async def test_catalog_tagging_refused_then_retry_finds_the_order(
    fake_servicenow: FakeServiceNow, tmp_path: Path
):
    """correlation_id cannot be PATCHed (ACL): the order is still found by the marker in its
    variables, so the outbox's retry does not order the item again."""
    item = next(iter(fake_servicenow.catalog_items))
    fake_servicenow.patch_refused_tables.add("sc_request")
    store = Store(str(tmp_path / "s.sqlite3"))
    row = queued(store)
    be = backend(fake_servicenow, catalog_item=item)
    first = be.create(outgoing(row))  # the outbox's create step; the answer is then lost
    assert fake_servicenow.count("POST", ORDER) == 1
    await Outbox(store, backend(fake_servicenow, catalog_item=item)).deliver(row)
    assert fake_servicenow.count("POST", ORDER) == 1, "the catalog item was ordered twice"
    assert len(fake_servicenow.tables["sc_request"]) == 1
    assert store.get_request(row["uuid"])["ticket_id"] == first.id


def test_two_step_checkout_cart_only_answer_is_checked_out(fake_servicenow: FakeServiceNow):
    item = next(iter(fake_servicenow.catalog_items))
    fake_servicenow.two_step_checkout = True
    be = backend(fake_servicenow, catalog_item=item)
    req = make_request()
    ref = be.create(req)
    (request,) = fake_servicenow.tables["sc_request"].values()
    assert ref.id == request["sys_id"]
    assert fake_servicenow.count("POST", r".*/cart/submit_order$") == 1
    assert be.find(req.uuid) == ref


def test_interrupted_checkout_is_submitted_not_ordered_again(fake_servicenow: FakeServiceNow):
    item = next(iter(fake_servicenow.catalog_items))
    fake_servicenow.two_step_checkout = True
    fake_servicenow.refuse_submit_once = True
    be = backend(fake_servicenow, catalog_item=item)
    req = make_request()
    with pytest.raises(BackendError) as err:
        be.create(req)
    assert err.value.retryable and err.value.status == 500
    assert fake_servicenow.tables["sc_request"] == {} and len(fake_servicenow.cart) == 1
    assert be.find(req.uuid) is None  # nothing ordered yet: the outbox creates again
    ref = be.create(req)
    assert fake_servicenow.count("POST", ORDER) == 1, "a second line was added to the cart"
    assert len(fake_servicenow.tables["sc_req_item"]) == 1
    assert be.find(req.uuid) == ref


def test_long_body_is_cut_marker_first_and_attached(fake_servicenow: FakeServiceNow):
    be = backend(fake_servicenow)
    req = make_request(body="Please install pyspark\n\n" + "trace line\n" * 2000)
    ref = be.create(req)
    stored = fake_servicenow.tables["incident"][ref.id]["description"]
    assert len(stored) <= 4000
    assert stored.startswith(f"itbridge-request-id: {req.uuid}")
    assert "truncated here" in stored and "itbridge-request-" in stored
    (att,) = fake_servicenow.attachments
    assert att["table_sys_id"] == ref.id and att["file_name"].endswith(".txt")
    assert att["data"].decode().count("trace line") == 2000
    fake_servicenow.tables["incident"][ref.id]["correlation_id"] = ""  # even without it
    assert be.find(req.uuid) == ref


def test_states_follow_the_configured_table(fake_servicenow: FakeServiceNow):
    """sc_task's 3 is Closed Complete (incident's 3 is On Hold)."""
    be = backend(fake_servicenow, table="sc_task", caller_field="")
    ref = be.create(make_request())
    for state, ours in [("1", "sent"), ("2", "acknowledged"), ("3", "resolved"), ("4", "rejected")]:
        fake_servicenow.tables["sc_task"][ref.id]["state"] = state
        assert be.status(ref) == ours
    be_custom = backend(fake_servicenow, table="sc_task", caller_field="", state_map={"9": "sent"})
    fake_servicenow.tables["sc_task"][ref.id]["state"] = "9"
    assert be_custom.status(ref) == "sent"


def test_caller_by_email_and_no_match_means_no_caller(fake_servicenow: FakeServiceNow):
    be = backend(fake_servicenow, user_match="email", user_domain="corp.example")
    ref = be.create(make_request())
    alice = fake_servicenow.sys_id_of("sys_user", user_name="alice")
    assert fake_servicenow.tables["incident"][ref.id]["caller_id"] == alice
    nobody = backend(fake_servicenow)
    req = make_request()
    req.user = "mallory"
    ref2 = nobody.create(req)
    assert "caller_id" not in fake_servicenow.tables["incident"][ref2.id]


def test_unreadable_sys_user_files_without_a_caller(fake_servicenow: FakeServiceNow, caplog):
    """An ACL on sys_user must not block every request: the record is filed, no caller."""
    fake_servicenow.unreadable_tables.add("sys_user")
    ref = backend(fake_servicenow).create(make_request())
    assert "caller_id" not in fake_servicenow.tables["incident"][ref.id]
    assert "cannot look up the caller" in caplog.text


def test_encoded_query_injection_in_a_user_name_finds_nobody(fake_servicenow: FakeServiceNow):
    req = make_request()
    req.user = "nobody^ORuser_name!=x"  # would match every user if it reached the query
    ref = backend(fake_servicenow).create(req)
    assert "caller_id" not in fake_servicenow.tables["incident"][ref.id]
    assert not any("nobody" in (r.q("sysparm_query") or "") for r in fake_servicenow.requests)
