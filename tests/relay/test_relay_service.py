"""The relay's rules on a real store and outbox (no HTTP): one record per uuid, one ticket per
open problem across users, a count for users and names for IT, withdrawals, state following.

The backend is the embedded ``local`` one, so a delivered request has a ticket id at once; the
Hub-facing parts are tested on a real JupyterHub in ``tests/hubdeploy``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from jupyter_itbridge.backends.hub import HubBackend
from jupyter_itbridge.backends.local import LocalBackend
from jupyter_itbridge.relay._store_compat import open_store
from jupyter_itbridge.relay.service import RelayService
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.service import RequestService, ServiceError

PYSPARK = {"summary": "pyspark is missing", "kind": "missing_package", "subject": "pyspark"}


@pytest.fixture
def relay(tmp_path: Path) -> Any:
    store = open_store(f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    backend = LocalBackend()
    service = RequestService(store, backend, Outbox(store, backend, base_delay=0.01))
    yield RelayService(service)
    store.close()


def forward(relay: RelayService, user: str, uuid: str, **draft: Any) -> tuple[dict[str, Any], bool]:
    body = {"uuid": uuid, "draft": {**PYSPARK, **draft}}
    return relay.forward(user, RelayService.prepare(body))


def drain(relay: RelayService) -> None:
    assert relay.service.outbox is not None
    asyncio.run(relay.service.outbox.drain(timeout=10))


def test_same_uuid_is_one_record(relay: RelayService) -> None:
    first, created = forward(relay, "alice", "req-alice-0001")
    again, created_again = forward(relay, "alice", "req-alice-0001", justification="changed")
    assert created and not created_again and first["id"] == again["id"]
    assert len(relay.store.list_requests()) == 1
    with pytest.raises(ServiceError) as err:
        forward(relay, "bob", "req-alice-0001")
    assert err.value.status == 409


def test_same_problem_from_three_users_is_one_ticket(relay: RelayService) -> None:
    forward(relay, "alice", "req-alice-0001", justification="churn model")
    bob, _ = forward(relay, "bob", "req-bob-00001", justification="sales forecast")
    forward(relay, "carol", "req-carol-0001")
    drain(relay)
    delivered = [r for r in relay.store.list_requests() if r["ticket_id"]]
    assert len(delivered) == 1, "one ticket for the three of them"
    shared = delivered[0]
    comments = [c["text"] for c in relay.store.comments(shared["uuid"])]
    assert comments == [
        "+1 from bob: sales forecast",
        "+1 from carol: (no justification given)",
    ]
    assert all(c["delivered"] == 1 for c in relay.store.comments(shared["uuid"]))
    names = [r["user"] for r in relay.extra.requesters(shared["uuid"])]
    assert names == ["alice", "bob", "carol"]  # IT sees names
    view = relay.get("carol", "req-carol-0001")
    assert view["ticket"]["id"] == shared["ticket_id"] and view["joined"]
    assert view["requesters"] == 3 and view["colleagues"] == 2
    assert "alice" not in str(view) and "bob" not in str(view)  # users see a count
    assert bob["joined"] and not relay.get("alice", "req-alice-0001")["joined"]


def test_withdrawals_and_the_last_one_cancels(relay: RelayService) -> None:
    forward(relay, "alice", "req-alice-0001")
    forward(relay, "bob", "req-bob-00001")
    drain(relay)
    # alice filed first, but bob still needs it: the ticket stays, alice is withdrawn.
    mine = relay.cancel("alice", "req-alice-0001")
    assert mine["state"] == "cancelled"
    shared = relay.store.get_request("req-alice-0001")
    assert shared is not None and shared["state"] == "sent"
    assert relay.get("bob", "req-bob-00001")["requesters"] == 1
    with pytest.raises(ServiceError):
        relay.cancel("alice", "req-bob-00001")  # not hers: 404
    relay.cancel("bob", "req-bob-00001")
    shared = relay.store.get_request("req-alice-0001")
    assert shared is not None and shared["state"] == "cancelled"
    texts = [c["text"] for c in relay.store.comments("req-alice-0001")]
    assert "alice no longer needs this; 1 requester(s) still do." in texts
    assert "The requester cancelled this request." in texts


def test_joined_rows_follow_the_shared_state(relay: RelayService) -> None:
    forward(relay, "alice", "req-alice-0001")
    forward(relay, "bob", "req-bob-00001")
    drain(relay)
    old, row = relay.store.transition("req-alice-0001", "resolved", note="done by IT")
    relay.service._notify(row, old)  # what the outbox's status sync does after a change
    bob = relay.store.get_request("req-bob-00001")
    assert bob is not None and bob["state"] == "resolved"
    # a new report of the same problem after it was resolved makes a new ticket
    forward(relay, "carol", "req-carol-0001")
    drain(relay)
    assert relay.store.get_request("req-carol-0001")["ticket_id"]  # type: ignore[index]


def test_comments_go_to_the_ticket_the_request_is_on(relay: RelayService) -> None:
    forward(relay, "alice", "req-alice-0001")
    forward(relay, "bob", "req-bob-00001")
    relay.comment("bob", "req-bob-00001", RequestService.prepare_comment("Any ETA?"))
    texts = [c["text"] for c in relay.store.comments("req-alice-0001")]
    assert "From bob: Any ETA?" in texts
    with pytest.raises(ServiceError) as err:
        relay.comment("alice", "req-bob-00001", ("hi", []))
    assert err.value.status == 404


def test_no_dedupe_across_users_when_turned_off(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "relay.sqlite3"))
    backend = LocalBackend()
    relay = RelayService(
        RequestService(store, backend, Outbox(store, backend)), dedupe_across_users=False
    )
    forward(relay, "alice", "req-alice-0001")
    bob, _ = forward(relay, "bob", "req-bob-00001")
    assert not bob["joined"]
    store.close()


@pytest.mark.parametrize(
    ("row", "text"),
    [
        ({"state": "queued"}, "waiting for the IT relay"),
        ({"state": "failed"}, "waiting for the IT relay - retrying automatically"),
        (
            {"state": "sent", "meta": {"relay": {"ticket": None}}},
            "with the IT relay; waiting for the ticket system",
        ),
        ({"state": "sent", "meta": {"relay": {"ticket": {"id": "42"}}}}, "sent to IT as #42"),
        (
            {"state": "acknowledged", "meta": {"relay": {"ticket": {"id": "42"}, "colleagues": 2}}},
            "IT is working on #42; 2 colleagues asked for the same",
        ),
        (
            {
                "state": "sent",
                "meta": {"relay": {"ticket": {"id": "42"}, "colleagues": 3, "joined": True}},
            },
            "Already requested by 3 colleagues (#42); your note was added",
        ),
        ({"state": "resolved"}, None),
    ],
)
def test_what_users_read(row: dict[str, Any], text: str | None) -> None:
    assert HubBackend.row_state_detail(row) == text
