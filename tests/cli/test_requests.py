"""``jupyter itbridge requests list|show|retry|export`` on a store filled through the service."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from jupyter_itbridge.backends.local import LocalBackend
from jupyter_itbridge.server.service import RequestService
from jupyter_itbridge.server.store import Store


@pytest.fixture
def filed(cli) -> dict[str, Any]:
    """Three requests filed the way the REST API files them; #2 failed, #3 delivered."""
    store = Store(str(cli.store_path))
    service = RequestService(store, LocalBackend())
    one, _ = service.file(
        "alice",
        {
            "summary": "Install pyspark, please",
            "description": "ModuleNotFoundError: No module named 'pyspark'",
            "justification": "Quarterly churn model",
            "kind": "missing_package",
            "subject": "pyspark",
        },
    )
    two, _ = service.file(
        "bob",
        {
            "summary": '=HYPERLINK("http://evil.example") Oracle client missing',
            "description": "DPI-1047: Cannot locate a 64-bit Oracle Client library\nline two",
            "kind": "missing_driver",
            "subject": "oracle-client",
        },
    )
    three, _ = service.file("alice", {"summary": "More memory for my server"})
    store.transition(
        two["uuid"],
        "failed",
        note="delivery failed",
        attempts=3,
        last_error="RTBackend.token was rejected by https://rt.example (HTTP 401).",
        next_attempt_at=4102444800.0,  # 2100: only a retry makes it due again
    )
    store.transition(three["uuid"], "sent", note="delivered", ticket_id="LOCAL-3")
    service.comment("alice", three["id"], "Any news?")
    store.close()
    return {"one": one, "two": two, "three": three}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_list_all_and_filtered(cli, filed) -> None:
    res = cli.run("requests", "list", via_jupyter=True)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATE", "USER", "KIND", "TICKET", "CREATED", "SUMMARY"]
    assert [line.split()[0] for line in lines[1:]] == ["3", "2", "1"]
    assert "LOCAL-3" in lines[1] and "failed" in lines[2] and "Install pyspark" in lines[3]

    failed = cli.run("requests", "list", "--state=failed")
    assert [line.split()[:3] for line in failed.stdout.splitlines()[1:]] == [["2", "failed", "bob"]]

    alice = cli.run("requests", "list", "--user", "alice", "--json")
    data = json.loads(alice.stdout)
    assert [(r["id"], r["user"]) for r in data] == [(3, "alice"), (1, "alice")]

    open_ = cli.run("requests", "list", "--state=open", "--user=alice", "--json")
    assert {r["state"] for r in json.loads(open_.stdout)} == {"queued", "sent"}

    none = cli.run("requests", "list", "--state=rejected")
    assert none.returncode == 0
    assert none.stdout.startswith("No requests matching the filters in ")


def test_bad_state_filter_is_a_usage_error(cli, filed) -> None:
    res = cli.run("requests", "list", "--state=done")
    assert res.returncode == 2
    assert res.stderr.strip() == (
        "jupyter itbridge requests list: Unknown state 'done'; valid states: queued, sent, "
        "acknowledged, resolved, rejected, failed, cancelled (or 'open')."
    )


def test_show_by_id_and_uuid(cli, filed) -> None:
    res = cli.run("requests", "show", "2")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert out.startswith(f"Request #2  {filed['two']['uuid']}")
    assert "state:      failed" in out
    assert "last error: RTBackend.token was rejected by https://rt.example (HTTP 401)." in out
    assert "queued -> failed  (delivery failed)" in out
    assert "DPI-1047: Cannot locate a 64-bit Oracle Client library" in out
    assert f"itbridge-request-id: {filed['two']['uuid']}" in out  # the body as sent to IT

    by_uuid = cli.run("requests", "show", filed["three"]["uuid"], "--json")
    record = json.loads(by_uuid.stdout)
    assert record["id"] == 3 and record["ticket_id"] == "LOCAL-3"
    assert [c["text"] for c in record["comments"]] == ["Any news?"]
    assert [h["to"] for h in record["history"]] == ["queued", "sent"]

    hashed = cli.run("requests", "show", "#1")
    assert hashed.returncode == 0 and "Install pyspark, please" in hashed.stdout


def test_show_an_all_digit_uuid_is_not_a_request_number(cli, filed) -> None:
    """The REST API's rule: ``00000002`` is a UUID; only ``2`` / ``#2`` is request #2."""
    store = Store(str(cli.store_path))
    RequestService(store, LocalBackend()).file("carol", {"summary": "zeros"}, "00000002")
    store.close()
    res = cli.run("requests", "show", "00000002", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["summary"] == "zeros"
    missing = cli.run("requests", "show", "00000003")
    assert missing.returncode == 2 and "No request 00000003 in the store" in missing.stderr


@pytest.mark.parametrize("command", ["show", "retry"])
def test_unknown_id_exits_2_with_a_sentence(cli, filed, command: str) -> None:
    res = cli.run("requests", command, "999")
    assert res.returncode == 2
    assert res.stderr.strip() == (
        f"jupyter itbridge requests {command}: No request 999 in the store {cli.store_path}."
    )
    assert res.stdout == ""


def test_unknown_id_without_a_store(cli) -> None:
    res = cli.run("requests", "show", "1")
    assert res.returncode == 2
    assert "it does not exist yet" in res.stderr and "Traceback" not in res.stderr
    assert not cli.store_path.exists()
    listed = cli.run("requests", "list")
    assert listed.returncode == 0 and listed.stdout.startswith("No requests in ")


def test_show_needs_exactly_one_id(cli, filed) -> None:
    res = cli.run("requests", "show")
    assert res.returncode == 2
    assert "Give exactly one request id" in res.stderr


def test_retry_queues_a_failed_request(cli, filed) -> None:
    res = cli.run("requests", "retry", "2", via_jupyter=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == (
        "Request #2 (was failed: RTBackend.token was rejected by https://rt.example (HTTP 401).)"
        " is queued again; the running Jupyter server of bob delivers it within 60 seconds."
    )
    store = Store(str(cli.store_path))
    try:
        row = store.get_request(filed["two"]["uuid"])
        assert row["state"] == "queued"
        assert row["next_attempt_at"] < 4102444800.0
        assert store.due_requests(), "the retried request must be due for the outbox now"
        assert store.history(row["uuid"])[-1]["note"] == "retry requested by the user"
    finally:
        store.close()


def test_retry_refuses_a_delivered_request(cli, filed) -> None:
    res = cli.run("requests", "retry", "3")
    assert res.returncode == 1
    assert res.stderr.strip() == (
        "jupyter itbridge requests retry: Request #3 is sent; nothing to retry."
    )


def test_export_json_and_csv(cli, filed, tmp_path) -> None:
    res = cli.run("requests", "export", "--format=json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [r["id"] for r in data] == [3, 2, 1]
    assert data[1]["last_error"].startswith("RTBackend.token was rejected")
    assert data[0]["comments"][0]["text"] == "Any news?"

    out = tmp_path / "requests.csv"
    res = cli.run("requests", "export", "--format", "csv", f"--output={out}")
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == f"Exported 3 request(s) as csv to {out}."
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == ["3", "2", "1"]
    assert rows[1]["state"] == "failed" and rows[1]["user"] == "bob"
    assert "\nline two" in rows[1]["body"]  # multi-line bodies survive the round trip
    assert rows[1]["summary"].startswith("'=HYPERLINK")  # no formula for spreadsheets
    assert rows[2]["subject"] == "pyspark" and rows[0]["ticket_id"] == "LOCAL-3"

    only_bob = cli.run("requests", "export", "--format=csv", "--user=bob")
    assert [r["id"] for r in _rows(only_bob.stdout)] == ["2"]

    bad = cli.run("requests", "export", "--format=xml")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_store_option_points_at_another_users_store(cli, filed, tmp_path) -> None:
    moved = tmp_path / "alice.sqlite3"
    cli.store_path.rename(moved)
    assert cli.run("requests", "list").stdout.startswith("No requests in ")
    res = cli.run("requests", "list", f"--store={moved}", "--json")
    assert [r["id"] for r in json.loads(res.stdout)] == [3, 2, 1]
