"""``incident_id`` on ``POST requests``: the incident is linked to the request filed for it.

Why: after "Request more memory" on a kernel incident, the sidebar and the toast must show
"Requested (#id)" instead of offering the action again - that needs the link on the server.
"""

from __future__ import annotations

from typing import Any

MEMORY = {
    "summary": "More memory for my notebook kernel (limit 4.0 GiB)",
    "justification": "Joining 40 GB of sensor data.",
    "kind": "resource_limit",
    "subject": "memory",
    "fingerprint": "memfp-0001",
}


def _incident(itbridge: Any, owner: str = "alice", kernel: str = "k1") -> int:
    rec = itbridge.service.record_incident(
        owner,
        "kernel_died",
        kernel_id=kernel,
        notebook_path="analysis.ipynb",
        details={"exit_code": -9, "oom_killed": True},
    )
    return rec["id"]


async def _incidents(api: Any) -> dict[int, dict[str, Any]]:
    code, data = await api("GET", "incidents")
    assert code == 200
    return {i["id"]: i for i in data["incidents"]}


async def test_filed_request_is_linked_to_its_incident(api: Any, itbridge: Any) -> None:
    inc = _incident(itbridge)
    other = _incident(itbridge, kernel="k2")
    before = await _incidents(api)
    assert before[inc]["request"] is None and before[inc]["request_id"] is None

    code, rec = await api("POST", "requests", {**MEMORY, "incident_id": inc})
    assert code == 201, rec
    after = await _incidents(api)
    linked = after[inc]["request"]
    assert (linked["id"], linked["uuid"]) == (rec["id"], rec["uuid"])
    assert linked["state"] in ("queued", "sent")  # the local backend delivers at once
    assert after[inc]["request_id"] == rec["id"] and after[inc]["request_uuid"] == rec["uuid"]
    assert after[other]["request"] is None  # only the incident named is linked
    # the linked request's state follows the request (cancel it: the incident says so)
    code, _ = await api("POST", f"requests/{rec['id']}/cancel", {})
    assert code == 200
    assert (await _incidents(api))[inc]["request"]["state"] == "cancelled"
    # the incident_id is not part of the stored request
    code, stored = await api("GET", f"requests/{rec['id']}")
    assert "incident_id" not in stored["draft"] and "incident_id" not in stored["body"]


async def test_dedupe_links_the_incident_to_the_open_request(api: Any, itbridge: Any) -> None:
    first_incident = _incident(itbridge)
    code, first = await api("POST", "requests", {**MEMORY, "incident_id": first_incident})
    assert code == 201
    second_incident = _incident(itbridge, kernel="k2")  # killed again later: same problem
    code, again = await api(
        "POST",
        "requests",
        {**MEMORY, "justification": "Still failing.", "incident_id": second_incident},
    )
    assert code == 200 and again["deduped"] is True and again["id"] == first["id"]
    incidents = await _incidents(api)
    assert incidents[first_incident]["request"]["id"] == first["id"]
    assert incidents[second_incident]["request"]["id"] == first["id"]
    code, listing = await api("GET", "requests")
    assert [r["id"] for r in listing["requests"]] == [first["id"]]


async def test_replay_links_the_incident_too(api: Any, itbridge: Any) -> None:
    inc = _incident(itbridge)
    body = {**MEMORY, "uuid": "dialog-0123456789"}
    code, first = await api("POST", "requests", body)
    assert code == 201
    code, again = await api("POST", "requests", {**body, "incident_id": inc})
    assert code == 200 and again["replayed"] is True and again["id"] == first["id"]
    assert (await _incidents(api))[inc]["request"]["uuid"] == "dialog-0123456789"


async def test_another_users_incident_is_404_and_files_nothing(api: Any, itbridge: Any) -> None:
    bobs = _incident(itbridge, owner="bob")
    code, err = await api("POST", "requests", {**MEMORY, "incident_id": bobs})
    assert code == 404, err
    assert err["message"] == f"No incident {bobs} for this user."
    code, listing = await api("GET", "requests")
    assert listing["requests"] == []
    # bob's incident stays unlinked (read from the store: alice's API does not list it)
    assert itbridge.service.store.get_incident(bobs)["request_uuid"] is None


async def test_unknown_or_malformed_incident_id(api: Any, itbridge: Any) -> None:
    for missing in (999_999, 0, -1, 2**70):
        code, err = await api("POST", "requests", {**MEMORY, "incident_id": missing})
        assert code == 404, (missing, err)
        assert err["message"] == f"No incident {missing} for this user."
    for bad in ("1", 1.5, True, [1], {"id": 1}):
        code, err = await api("POST", "requests", {**MEMORY, "incident_id": bad})
        assert code == 400, (bad, err)
        assert "'incident_id' must be an integer" in err["message"]
    code, listing = await api("GET", "requests")
    assert listing["requests"] == []  # none of these filed anything
    # null means "no incident": filed normally
    code, rec = await api("POST", "requests", {**MEMORY, "incident_id": None})
    assert code == 201 and rec["deduped"] is False
