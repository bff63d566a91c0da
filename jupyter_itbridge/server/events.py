"""Announce request state changes and incidents on the server's event bus (jupyter_events).

Why events and not polling: JupyterLab subscribes once to ``/api/events/subscribe`` and
refreshes the sidebar or shows a toast when one of our events arrives. The payloads are small
and already redacted (summaries and incident details are redacted before storage); the full
records stay behind the authenticated REST API.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..contract import EVENT_INCIDENT, EVENT_MESSAGE, EVENT_REQUEST_STATE
from ..jsontypes import IncidentJSON, MessageJSON, RequestJSON

if TYPE_CHECKING:
    from jupyter_events import EventLogger

log = logging.getLogger("jupyter_itbridge.events")

SCHEMA_DIR = Path(__file__).parent / "event_schemas"
SCHEMA_FILES: dict[str, Path] = {
    EVENT_REQUEST_STATE: SCHEMA_DIR / "request_state" / "v1.yaml",
    EVENT_INCIDENT: SCHEMA_DIR / "incident" / "v1.yaml",
    EVENT_MESSAGE: SCHEMA_DIR / "message" / "v1.yaml",
}

SUMMARY_MAX = 300
MESSAGE_MAX = 1_000


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def request_state_payload(record: RequestJSON, old_state: str | None) -> dict[str, Any]:
    """A request record (``RequestService.to_json``) -> the ``request_state`` event data."""
    return {
        "id": int(record["id"]),
        "uuid": str(record["uuid"]),
        "old_state": old_state,
        "new_state": record["state"],
        "state_detail": _text(record.get("state_detail"), MESSAGE_MAX),
        "summary": _text(record.get("summary"), SUMMARY_MAX),
        "kind": _text(record.get("kind"), 64),
        "ticket_id": _text(record.get("ticket_id"), 200),
        "ticket_url": _text(record.get("ticket_url"), 2_000),
        "deduped": bool(record.get("deduped")),
    }


def message_payload(record: RequestJSON, message: MessageJSON) -> dict[str, Any]:
    """IT's new message on a request -> the ``message`` event data (text cut to 1000)."""
    return {
        "id": int(record["id"]),
        "uuid": str(record["uuid"]),
        "state": record["state"],
        "summary": _text(record.get("summary"), SUMMARY_MAX),
        "kind": _text(record.get("kind"), 64),
        "message_id": str(message["id"]),
        "author": _text(message.get("author"), 200),
        "text": _text(message["text"], MESSAGE_MAX) or "",
        "created_at": _text(message.get("created_at"), 64),
        "unread": int(record.get("unread") or 0),
    }


def incident_payload(incident: IncidentJSON) -> dict[str, Any]:
    """An incident record (``RequestService.incidents``) -> the ``incident`` event data."""
    details = incident.get("details") or {}
    return {
        "incident_id": int(incident["id"]),
        "kind": incident["kind"],
        "cause": _text(details.get("cause"), 32),
        "kernel_id": _text(incident.get("kernel_id"), 200),
        "notebook_path": _text(incident.get("notebook_path"), 1_024),
        "exit_code": _int(details.get("exit_code")),
        "signal": _int(details.get("signal")),
        "signal_name": _text(details.get("signal_name"), 32),
        "oom_killed": bool(details.get("oom_killed")),
        "oom_kill_delta": _int(details.get("oom_kill_delta")),
        "limit_bytes": _int(details.get("limit_bytes")),
        "peak_bytes": _int(details.get("peak_bytes")),
        "usage_bytes": _int(details.get("usage_bytes")),
        "message": _text(details.get("message") or incident["kind"], MESSAGE_MAX) or "",
        "created_at": _text(incident.get("created_at"), 64),
    }


class ITBridgeEvents:
    """Emits our event types; never raises into the caller (a toast is not worth a 500)."""

    def __init__(
        self, event_logger: EventLogger | None, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        self.event_logger = event_logger
        self.loop = loop
        self.emitted = 0
        self.failed = 0

    def emit_request_state(
        self, record: RequestJSON, old_state: str | None = None
    ) -> dict[str, Any] | None:
        """Announce that a request was filed (``old_state`` None) or changed state."""
        try:
            data = request_state_payload(record, old_state)
        except Exception:
            log.exception("jupyter-itbridge: bad request record for an event")
            self.failed += 1
            return None
        return self._emit(EVENT_REQUEST_STATE, data)

    def emit_messages(self, record: RequestJSON, messages: list[MessageJSON]) -> int:
        """Announce IT's new messages on a request (one event each); returns how many."""
        sent = 0
        for message in messages:
            try:
                data = message_payload(record, message)
            except Exception:
                log.exception("jupyter-itbridge: bad message for an event")
                self.failed += 1
                continue
            sent += self._emit(EVENT_MESSAGE, data) is not None
        return sent

    def emit_incident(self, incident: IncidentJSON) -> dict[str, Any] | None:
        """Announce a new incident (kernel killed, memory pressure)."""
        try:
            data = incident_payload(incident)
        except Exception:
            log.exception("jupyter-itbridge: bad incident record for an event")
            self.failed += 1
            return None
        return self._emit(EVENT_INCIDENT, data)

    def _emit(self, schema_id: str, data: dict[str, Any]) -> dict[str, Any] | None:
        if self.event_logger is None:
            return None
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is None and self.loop is not None and not self.loop.is_closed():
            # Called from a worker thread: jupyter_events schedules listeners as tasks, which
            # needs the server's loop; hop over instead of failing.
            self.loop.call_soon_threadsafe(self._emit_now, schema_id, data)
            return data
        return self._emit_now(schema_id, data)

    def _emit_now(self, schema_id: str, data: dict[str, Any]) -> dict[str, Any] | None:
        if self.event_logger is None:
            return None
        try:
            capsule = self.event_logger.emit(schema_id=schema_id, data=data)
        except Exception:
            self.failed += 1
            log.exception("jupyter-itbridge: could not emit %s", schema_id)
            return None
        self.emitted += 1
        return capsule


def register_schemas(event_logger: EventLogger) -> None:
    """Register our schemas once (a second server extension load must not fail)."""
    for schema_id, path in SCHEMA_FILES.items():
        if schema_id in event_logger.schemas:
            continue
        event_logger.register_event_schema(path)


def server_events(
    event_logger: EventLogger | None, loop: asyncio.AbstractEventLoop | None
) -> ITBridgeEvents:
    """Our emitter on the server's event bus, schemas registered (a dud one if that fails)."""
    if event_logger is not None:
        try:
            register_schemas(event_logger)
        except Exception:
            log.exception("jupyter-itbridge: event schemas not registered")
            event_logger = None
    return ITBridgeEvents(event_logger, loop)
