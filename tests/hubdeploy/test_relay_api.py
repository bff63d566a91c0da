"""The relay API's rules against the real Hub: who the caller is comes from the token only,
scopes are enforced, a forward is idempotent on its uuid, bad input is a clear 4xx."""

from __future__ import annotations

import json
import sqlite3
import uuid as uuidlib
from typing import Any

import pytest
from hubdeploy.deploy import Hub, http  # type: ignore[import-not-found]

DRAFT = {"summary": "Need a GPU for the image model", "kind": "resource_limit", "subject": "gpu"}


@pytest.fixture(scope="module")
def relay(hub: Hub) -> str:
    return hub.relay_url + "api/v1/"


@pytest.fixture(scope="module")
def alice(hub: Hub) -> str:
    return hub.user_token("alice")


@pytest.fixture(scope="module")
def bob(hub: Hub) -> str:
    return hub.user_token("bob")


def _uuid() -> str:
    return str(uuidlib.uuid4())


def _rows(hub: Hub, request_uuid: str) -> int:
    db = sqlite3.connect(f"file:{hub.root / 'relay.sqlite3'}?mode=ro", uri=True)
    try:
        return int(
            db.execute("SELECT COUNT(*) FROM requests WHERE uuid = ?", (request_uuid,)).fetchone()[
                0
            ]
        )
    finally:
        db.close()


def test_who_may_call(hub: Hub, relay: str, alice: str) -> None:
    code, data = http("GET", relay + "requests", None)
    assert code == 401 and "token" in data["message"], data
    assert http("GET", relay + "requests", "not-a-hub-token")[0] == 401
    narrow = hub.user_token("alice", scopes=["read:users:name!user=alice"])
    code, data = http("GET", relay + "requests", narrow)
    assert code == 403 and "access:services!service=itbridge" in data["message"], data
    code, data = http("GET", relay + "health", hub.admin_token)  # a service, without the scope
    assert code == 403, data
    code, data = http("GET", relay + "health", alice)
    assert code == 200 and data["status"] == "ok", data
    assert "backend_info" not in data and "last_error" not in data  # IT's facts stay with IT


def test_forward_is_idempotent_and_owned_by_the_token(
    hub: Hub, relay: str, alice: str, bob: str
) -> None:
    request_uuid = _uuid()
    body = {"uuid": request_uuid, "user": "bob", "draft": {**DRAFT, "user": "bob"}}
    first = http("POST", relay + "requests", alice, body)
    again = http("POST", relay + "requests", alice, body)
    assert first[0] == 201 and again[0] == 200, (first, again)
    assert first[1]["id"] == again[1]["id"] and first[1]["uuid"] == request_uuid
    assert _rows(hub, request_uuid) == 1
    # The "user" fields meant nothing: it is alice's, bob cannot see it or take its uuid.
    assert http("GET", f"{relay}requests/{request_uuid}", alice)[0] == 200
    assert http("GET", f"{relay}requests/{request_uuid}", bob)[0] == 404
    code, data = http("POST", relay + "requests", bob, {"uuid": request_uuid, "draft": DRAFT})
    assert code == 409, data
    assert _rows(hub, request_uuid) == 1
    listed = http("GET", relay + "requests", alice)[1]["requests"]
    assert [r["uuid"] for r in listed].count(request_uuid) == 1


def test_follow_ups_on_own_requests_only(relay: str, alice: str, bob: str) -> None:
    request_uuid = _uuid()
    assert http("POST", relay + "requests", alice, {"uuid": request_uuid, "draft": DRAFT})[0] == 201
    code, view = http(
        "POST", f"{relay}requests/{request_uuid}/comment", alice, {"text": "any news?"}
    )
    assert code == 200 and view["uuid"] == request_uuid
    assert http("POST", f"{relay}requests/{request_uuid}/comment", alice, {"text": " "})[0] == 400
    assert http("POST", f"{relay}requests/{request_uuid}/cancel", bob, {})[0] == 404
    code, view = http("POST", f"{relay}requests/{request_uuid}/cancel", alice, {})
    assert code == 200 and view["state"] == "cancelled", view
    assert http("POST", f"{relay}requests/{request_uuid}/cancel", alice, {})[0] == 409
    code, data = http("POST", f"{relay}requests/{request_uuid}/comment", alice, {"text": "x"})
    assert code == 409, data


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("requests", b"{not json", 400),
        ("requests", b"[1, 2]", 400),
        ("requests", b"", 400),
        ("requests", {"draft": DRAFT}, 400),
        ("requests", {"uuid": 12345678, "draft": DRAFT}, 400),
        ("requests", {"uuid": "12345678", "draft": DRAFT}, 400),  # a plain number is an id
        ("requests", {"uuid": "abc/../def-ghi", "draft": DRAFT}, 400),
        ("requests", {"uuid": "aaaaaaaa-bad1", "draft": "text"}, 400),
        ("requests", {"uuid": "aaaaaaaa-bad2", "draft": {"summary": ""}}, 400),
        ("requests", {"uuid": "aaaaaaaa-bad3", "draft": {**DRAFT, "urgency": "asap"}}, 400),
        ("requests", b'{"uuid": "aaaaaaaa-bad4", "draft": {"summary": "\\ud800"}}', 400),
        ("requests", {"uuid": "aaaaaaaa-big", "draft": {"summary": "x" * 300_000}}, 413),
        ("sync", {"uuids": "abc"}, 400),
        ("sync", {"uuids": [1, 2]}, 400),
        ("sync", {"uuids": ["a"] * 1001}, 400),
        ("requests/nope/comment", {"text": 5}, 400),
    ],
)
def test_bad_input_is_a_clear_4xx(
    relay: str, alice: str, path: str, body: Any, status: int
) -> None:
    code, data = http("POST", relay + path, alice, body)
    assert code == status, (code, data)
    assert isinstance(data, dict) and data["message"], data
    json.dumps(data)


def test_unknown_or_malformed_ids_are_404(relay: str, alice: str) -> None:
    for key in ["00000000-0000-0000-0000-000000000000", "x" * 500, "%00", "1"]:
        code, data = http("GET", f"{relay}requests/{key}", alice)
        assert code == 404, (key, code, data)
