"""In-doubt creates against the ServiceNow fake: exactly one record, and ours.

ServiceNow reads its own writes, but an insert the client gave up on still lands: the instance
finishes the transaction (its business rules) after our read timeout (see the fake's notes).
So a lost answer is not proof that nothing was created: the outbox keeps looking with ``find``
over the consistency window. And ``find`` must adopt only a record it read our UUID back from:
on a table without ``correlation_id`` the query term is dropped and every row comes back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from backends.fakes.servicenow import FakeServiceNow
from backends.helpers import queued
from backends.lost_answer import killed_after_commit, quick_outbox, restart_and_drain

from jupyter_itbridge.backends.servicenow import ServiceNowBackend
from jupyter_itbridge.server.store import Store

TABLE = "u_it_request"  # a custom table: no correlation_id, the query term is dropped


@pytest.fixture
def instance(fake_servicenow: FakeServiceNow) -> FakeServiceNow:
    """The fake with someone else's record in the custom table, listed before ours."""
    fake_servicenow.insert(TABLE, {"short_description": "someone else's request"})
    return fake_servicenow


def options(fake: FakeServiceNow, **kw: Any) -> dict[str, Any]:
    opts = {"url": fake.url, "user": fake.user, "password": fake.password, "retries": 0}
    return opts | {"table": TABLE, "caller_field": "u_caller"} | kw


def ours(fake: FakeServiceNow, request_uuid: str) -> list[str]:
    marker = f"itbridge-request-id: {request_uuid}"
    rows = fake.tables[TABLE].values()
    return [r["sys_id"] for r in rows if marker in str(r.get("description") or "")]


def assert_ours_adopted(fake: FakeServiceNow, store: Store, request_uuid: str) -> None:
    ids = ours(fake, request_uuid)
    assert len(ids) == 1, f"records holding the request's marker: {ids}"
    assert len(fake.tables[TABLE]) == 2  # the foreign record and ours
    stored = store.get_request(request_uuid)
    assert (stored["state"], stored["ticket_id"]) == ("sent", ids[0]), "adopted a foreign record"
    assert not (stored.get("meta") or {}), "the in-doubt mark outlived the delivery"


async def test_insert_finished_after_our_timeout_is_adopted_not_repeated(
    instance: FakeServiceNow, tmp_path: Path
):
    store = Store(str(tmp_path / "s.sqlite3"))
    row = queued(store, "servicenow", body="No module named 'pyspark'")
    instance.commit_delays = [1.5]  # business rules still running when our 0.5 s timeout fires
    be = ServiceNowBackend(**options(instance, timeout=0.5, consistency_window=3.0))
    await quick_outbox(store, be).drain(timeout=30)
    instance.settle()  # the slow insert has finished, whenever the outbox was done
    assert len(ours(instance, row["uuid"])) == 1, "the timed-out insert was repeated"
    assert instance.count("POST", rf"/api/now/table/{TABLE}$") == 1
    assert_ours_adopted(instance, store, row["uuid"])


async def test_crash_between_insert_and_store_adopts_our_record(
    instance: FakeServiceNow, tmp_path: Path
):
    path = str(tmp_path / "s.sqlite3")
    store = Store(path)
    row = queued(store, "servicenow", body="No module named 'pyspark'")
    killed_after_commit(instance, ServiceNowBackend, options(instance, timeout=2.0), path)
    assert len(ours(instance, row["uuid"])) == 1
    assert store.get_request(row["uuid"])["state"] == "queued"  # the store never heard

    await restart_and_drain(store, ServiceNowBackend(**options(instance, timeout=2.0)))
    assert instance.count("POST", rf"/api/now/table/{TABLE}$") == 1, "the crash made a second"
    assert_ours_adopted(instance, store, row["uuid"])


def test_default_window_covers_an_insert_that_outlives_the_timeout():
    """With the default config a lost insert is looked for before it is made again."""
    be = ServiceNowBackend(url="https://corp.service-now.com", user="u", password="p")
    assert be.consistency_window >= 60 and be.describe()["consistency_window"] >= 60
