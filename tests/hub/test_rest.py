"""REST behaviour of the request hub against a real jupyter-server (pytest-jupyter)."""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_itbridge.findings import Finding, RequestDraft

FINDING = Finding(
    kind="missing_driver",
    subject="oracle-client",
    title="The Oracle Client library is not installed on this server.",
    explanation="oracledb thick mode needs libclntsh.so.",
    evidence={"message": "DPI-1047 while connecting to scott/tiger@prod-db:1521/XE"},
)


def _draft(**over: Any) -> dict[str, Any]:
    data = RequestDraft.from_finding(
        FINDING, {"python": "3.11", "DB_PASSWORD": "hunter2"}
    ).to_dict()
    data["justification"] = "Needed for the monthly sales report."
    data.update(over)
    return data


async def wait_state(api: Any, rid: int, state: str, timeout: float = 10) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        code, rec = await api("GET", f"requests/{rid}")
        assert code == 200
        if rec["state"] == state:
            return rec
        assert asyncio.get_running_loop().time() < deadline, rec
        await asyncio.sleep(0.05)


async def test_file_list_get_and_local_delivery(api: Any) -> None:
    code, rec = await api("POST", "requests", _draft())
    assert code == 201, rec
    assert rec["state"] in ("queued", "sent") and rec["deduped"] is False
    assert rec["backend"] == "local" and rec["user"] == "alice"
    # redacted again on the server: the DSN password and the env secret are gone everywhere
    assert "tiger" not in str(rec) and "hunter2" not in str(rec)
    assert f"itbridge-request-id: {rec['uuid']}" in rec["body"]
    sent = await wait_state(api, rec["id"], "sent")
    assert sent["ticket"] == {"id": f"LOCAL-{rec['id']}", "url": None}
    assert sent["state_detail"] == "recorded - no IT system configured"
    assert "c.ITBridge.backend" in sent["admin_hint"]
    assert [h["to"] for h in sent["history"]] == ["queued", "sent"]
    code, listing = await api("GET", "requests")
    assert code == 200 and [r["id"] for r in listing["requests"]] == [rec["id"]]
    code, by_uuid = await api("GET", f"requests/{rec['uuid']}")
    assert code == 200 and by_uuid["id"] == rec["id"]
    code, only_open = await api("GET", "requests", params={"state": "queued,failed"})
    assert code == 200 and only_open["requests"] == []


async def test_dedupe_adds_plus_one(api: Any) -> None:
    code, first = await api("POST", "requests", _draft())
    assert code == 201
    code, second = await api("POST", "requests", _draft(justification="Also for the audit."))
    assert code == 200, second
    assert second["deduped"] is True and second["id"] == first["id"]
    assert second["already_requested"]["message"] == (
        f"already requested on {first['created_at'][:10]} (#{first['id']})"
    )
    code, detail = await api("GET", f"requests/{first['id']}")
    plus = [c for c in detail["comments"] if c["kind"] == "plus_one"]
    assert len(plus) == 1 and "Also for the audit." in plus[0]["text"]
    # the comment's time is its created_at (shown in the page's format), not a UTC wording
    assert plus[0]["text"].startswith("+1: ") and " UTC" not in plus[0]["text"]
    assert plus[0]["created_at"]
    # a different subject is a different request
    other = _draft(subject="libpq", fingerprint=None, finding=None, kind="missing_driver")
    code, third = await api("POST", "requests", other)
    assert code == 201 and third["id"] != first["id"]


async def test_uuid_is_an_idempotency_key(api: Any) -> None:
    body = {**_draft(), "uuid": "card-0123456789"}
    code, first = await api("POST", "requests", body)
    assert code == 201 and first["uuid"] == "card-0123456789"
    code, again = await api("POST", "requests", body)
    assert code == 200 and again["replayed"] is True and again["id"] == first["id"]
    code, listing = await api("GET", "requests")
    assert len(listing["requests"]) == 1


async def test_cancel_and_comment(api: Any) -> None:
    _, rec = await api("POST", "requests", _draft())
    await wait_state(api, rec["id"], "sent")
    code, commented = await api(
        "POST", f"requests/{rec['id']}/comment", {"text": "token=abc123secret please hurry"}
    )
    assert code == 200
    texts = [c["text"] for c in commented["comments"]]
    assert any("please hurry" in t for t in texts) and "abc123secret" not in str(texts)
    code, cancelled = await api("POST", f"requests/{rec['id']}/cancel", {})
    assert code == 200 and cancelled["state"] == "cancelled" and cancelled["open"] is False
    assert any(c["kind"] == "system" for c in cancelled["comments"])
    code, err = await api("POST", f"requests/{rec['id']}/cancel", {})
    assert code == 409 and "cancelled" in err["message"]
    assert err["message"] == f"Request #{rec['id']} is cancelled; it cannot be cancelled."
    code, err = await api("POST", f"requests/{rec['id']}/comment", {"text": "x"})
    assert code == 409
    code, err = await api("POST", f"requests/{rec['id']}/retry", {})
    assert code == 409
    assert err["message"] == f"Request #{rec['id']} is cancelled; nothing to retry."
    # once cancelled, the same problem can be requested again
    code, fresh = await api("POST", "requests", _draft())
    assert code == 201 and fresh["id"] != rec["id"]


async def test_bad_input_is_4xx_never_500(api: Any, itbridge: Any) -> None:
    limit = itbridge.config.max_body_bytes
    code, err = await api("POST", "requests", raw=b'{"summary": "' + b"x" * limit + b'"}')
    assert code == 413 and str(limit) in err["message"]
    code, err = await api("POST", "requests", raw=b"{not json")
    assert code == 400 and "not valid JSON" in err["message"]
    code, err = await api("POST", "requests", raw=b"")
    assert code == 400
    code, err = await api("POST", "requests", [1, 2])
    assert code == 400 and "JSON object" in err["message"]
    code, err = await api("POST", "requests", {"summary": 5})
    assert code == 400 and "'summary'" in err["message"]
    code, err = await api("POST", "requests", {"summary": "s", "urgency": "asap"})
    assert code == 400 and "'urgency'" in err["message"]
    code, err = await api("POST", "requests", {"summary": "s", "environment": []})
    assert code == 400 and "'environment'" in err["message"]
    code, err = await api("POST", "requests", {"summary": "s", "finding": "x"})
    assert code == 400 and "'finding'" in err["message"]
    code, err = await api("POST", "requests", {"summary": "s", "uuid": 7})
    assert code == 400 and "'uuid'" in err["message"]
    code, err = await api("POST", "requests", {"summary": "s", "uuid": "../../etc"})
    assert code == 400 and "'uuid'" in err["message"]
    code, err = await api("GET", "requests/999999")
    assert code == 404
    code, err = await api("GET", "requests/no-such-uuid")
    assert code == 404
    code, err = await api("POST", "requests/12/comment", {"text": ""})
    assert code in (400, 404)
    code, err = await api("GET", "requests", params={"state": "bogus"})
    assert code == 400 and "bogus" in err["message"]
    code, err = await api("GET", "requests", params={"limit": "-1"})
    assert code == 400
    code, err = await api("POST", "diagnose", {"evalue": "x"})
    assert code == 400 and "'ename'" in err["message"]
    code, err = await api("POST", "diagnose", {"ename": "E", "traceback": [1]})
    assert code == 400 and "'traceback'" in err["message"]


async def test_long_fields_truncated_with_notice(api: Any) -> None:
    code, rec = await api(
        "POST",
        "requests",
        {"summary": "s" * 1000, "description": "d" * 30_000, "justification": "j"},
    )
    assert code == 201
    assert len(rec["summary"]) < 400 and "truncated" in rec["summary"]
    assert any("'summary' was truncated" in n for n in rec["notices"])
    assert any("'description' was truncated" in n for n in rec["notices"])


async def test_free_form_request_and_diagnose(api: Any) -> None:
    code, rec = await api("POST", "requests", {"summary": "I need access to the GPU queue"})
    assert code == 201 and rec["kind"] is None and rec["fingerprint"] is None
    code, found = await api(
        "POST",
        "diagnose",
        {"ename": "ModuleNotFoundError", "evalue": "No module named 'pyspark'", "traceback": []},
    )
    assert code == 200
    kinds = [(f["kind"], f["subject"]) for f in found["findings"]]
    assert ("missing_package", "pyspark") in kinds
    code, none = await api(
        "POST", "diagnose", {"ename": "ZeroDivisionError", "evalue": "division by zero"}
    )
    assert code == 200 and none["findings"] == []


async def test_policy_and_incidents(api: Any, itbridge: Any) -> None:
    code, data = await api("GET", "policy")
    assert code == 200 and data["policy"]["install_mode"] in ("request", "self-service")
    itbridge.service.record_incident(
        "alice",
        "kernel_died",
        kernel_id="k1",
        notebook_path="a.ipynb",
        details={"exit_code": -9, "env": {"API_TOKEN": "t0ps3cret"}},
    )
    itbridge.service.record_incident("bob", "kernel_died", kernel_id="k2")
    code, data = await api("GET", "incidents")
    assert code == 200
    assert [i["kernel_id"] for i in data["incidents"]] == ["k1"]
    assert "t0ps3cret" not in str(data)


async def test_health(api: Any) -> None:
    code, data = await api("GET", "health")
    assert code == 200 and data["backend"] == "local"
    assert data["outbox_running"] is True and "outbox_depth" in data
