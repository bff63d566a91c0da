"""Our jupyter_events schemas and emission: valid for the installed jupyter_events, robust,
and delivered on the server's ``/api/events/subscribe`` websocket that JupyterLab listens to."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
import yaml
from jupyter_events import EventLogger
from watchers.helpers import wait_until  # type: ignore[import-not-found]

from jupyter_itbridge.contract import EVENT_INCIDENT as INCIDENT
from jupyter_itbridge.contract import EVENT_REQUEST_STATE as REQUEST_STATE
from jupyter_itbridge.server.events import (
    SCHEMA_FILES,
    ITBridgeEvents,
    incident_payload,
    register_schemas,
    request_state_payload,
)

INCIDENT_RECORD = {
    "id": 7,
    "kind": "kernel_died",
    "kernel_id": "k-1",
    "notebook_path": "a.ipynb",
    "created_at": "2026-01-01T00:00:00+00:00",
    "details": {
        "cause": "oom",
        "message": "Your kernel was stopped: it used 3.9 GiB of its 4.0 GiB memory limit.",
        "exit_code": -9,
        "signal": 9,
        "signal_name": "SIGKILL",
        "oom_killed": True,
        "oom_kill_delta": 1,
        "limit_bytes": 4 << 30,
        "peak_bytes": 4187593113,
    },
}

REQUEST_RECORD = {
    "id": 3,
    "uuid": "5d0c4a4e-8a8f-4f57-9a43-3f1c6f7b1d11",
    "state": "sent",
    "state_detail": "sent to IT as RT-12",
    "summary": "Install the Oracle client",
    "kind": "missing_driver",
    "ticket_id": "12",
    "ticket_url": "https://rt.example/Ticket/Display.html?id=12",
}


def capture(logger: EventLogger, schema_id: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    async def listener(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        seen.append(data)

    logger.add_listener(schema_id=schema_id, listener=listener)
    return seen


def test_schema_files_are_what_jupyter_events_expects() -> None:
    for schema_id, path in SCHEMA_FILES.items():
        schema = yaml.safe_load(path.read_text())
        assert schema["$id"] == schema_id and schema["version"] == "1"
        assert schema_id.startswith("https://events.jupyter.org/jupyter_itbridge/")
    logger = EventLogger()
    register_schemas(logger)  # validates each against the jupyter_events metaschema
    register_schemas(logger)  # a second load of the extension must not fail
    assert {INCIDENT, REQUEST_STATE} <= set(logger.schemas.schema_ids)


async def test_emit_validates_and_reaches_listeners() -> None:
    logger = EventLogger()
    register_schemas(logger)
    incidents, states = capture(logger, INCIDENT), capture(logger, REQUEST_STATE)
    events = ITBridgeEvents(logger)
    capsule = events.emit_incident(INCIDENT_RECORD)
    assert capsule is not None and capsule["__schema__"] == INCIDENT
    assert events.emit_request_state(REQUEST_RECORD, "queued") is not None
    events.emit_request_state({**REQUEST_RECORD, "state": "queued"}, None)  # just filed
    await asyncio.sleep(0.01)
    assert incidents == [incident_payload(INCIDENT_RECORD)]
    assert incidents[0]["limit_bytes"] == 4 << 30 and incidents[0]["oom_killed"] is True
    assert [(s["old_state"], s["new_state"]) for s in states] == [
        ("queued", "sent"),
        (None, "queued"),
    ]
    assert states[0]["ticket_url"] == REQUEST_RECORD["ticket_url"]
    assert events.emitted == 3 and events.failed == 0


async def test_minimal_records_with_nulls_validate() -> None:
    logger = EventLogger()
    register_schemas(logger)
    seen, states = capture(logger, INCIDENT), capture(logger, REQUEST_STATE)
    events = ITBridgeEvents(logger)
    pressure = {"id": 1, "kind": "memory_pressure", "details": {"usage_bytes": 10, "fraction": 0.9}}
    assert events.emit_incident(pressure) is not None
    assert events.emit_request_state({"id": 1, "uuid": "u" * 36, "state": "queued"}) is not None
    await asyncio.sleep(0.01)
    assert seen[0]["kernel_id"] is None and seen[0]["message"] == "memory_pressure"
    assert seen[0]["usage_bytes"] == 10 and seen[0]["exit_code"] is None
    assert states[0]["old_state"] is None and states[0]["ticket_url"] is None


@pytest.mark.parametrize(
    "bad",
    [
        {**INCIDENT_RECORD, "kind": "coffee_spilled"},  # not in the schema's enum
        {"kind": "kernel_died"},  # no id
        "not a record",
    ],
)
def test_bad_records_are_logged_never_raised(bad: Any) -> None:
    logger = EventLogger()
    register_schemas(logger)
    capture(logger, INCIDENT)
    events = ITBridgeEvents(logger)
    assert events.emit_incident(bad) is None
    assert events.failed == 1 and events.emitted == 0


def test_payloads_are_bounded() -> None:
    record = {**REQUEST_RECORD, "summary": "x" * 5000}
    assert len(request_state_payload(record, None)["summary"]) == 300
    incident = {**INCIDENT_RECORD, "details": {"message": "y" * 5000, "exit_code": "-9"}}
    data = incident_payload(incident)
    assert len(data["message"]) == 1000 and data["exit_code"] is None


async def test_emit_from_a_worker_thread_hops_to_the_loop() -> None:
    logger = EventLogger()
    register_schemas(logger)
    seen = capture(logger, INCIDENT)
    events = ITBridgeEvents(logger, asyncio.get_running_loop())
    thread = threading.Thread(target=events.emit_incident, args=(INCIDENT_RECORD,))
    thread.start()
    thread.join()
    await wait_until(lambda: seen, timeout=5, what="the event from the thread")
    assert seen[0]["incident_id"] == 7


async def test_incident_reaches_the_events_websocket(
    jp_ws_fetch: Any, jp_serverapp: Any, itbridge: Any
) -> None:
    """The channel JupyterLab listens to: ``/api/events/subscribe``."""
    ws = await jp_ws_fetch("api", "events", "subscribe")
    try:
        incident = itbridge.watchers.record(
            "kernel_died",
            "k-9",
            "nb.ipynb",
            {
                "cause": "signal",
                "message": "Your kernel process was killed (signal 9, SIGKILL).",
                "exit_code": -9,
                "signal": 9,
                "api_token": "ghp_" + "a" * 36,
            },
        )
        assert incident is not None and "ghp_" not in json.dumps(incident)  # redacted on store
        message = json.loads(await asyncio.wait_for(ws.read_message(), 10))
    finally:
        ws.close()
    assert message["schema_id"] == INCIDENT
    assert message["incident_id"] == incident["id"] and message["kernel_id"] == "k-9"
    assert message["signal"] == 9 and message["notebook_path"] == "nb.ipynb"
