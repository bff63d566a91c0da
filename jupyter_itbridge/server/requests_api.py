"""REST handlers for policy, diagnose, requests and incidents (paths in ``openapi.yaml``).

Thin on purpose: parse and bound the input, call :class:`RequestService`, write JSON. Every
client mistake becomes a 4xx with a message naming the field; nothing a user sends gives a 500.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from tornado import web

from ..contract import STATES, RequestState
from ..detect.record import bounded
from ..redact import redact_obj
from .base import ITBridgeHandler, endpoint
from .package_facts import attach_facts
from .service import RequestService, ServiceError

T = TypeVar("T")

MAX_TRACEBACK_LINES = 500
MAX_TEXT = 100_000
MAX_LANGUAGE = 100
MAX_LIST = 20_000


class _Base(ITBridgeHandler):
    @property
    def service(self) -> RequestService:
        return self.itbridge.service

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a service call, mapping ServiceError to an HTTP error with the same message."""
        try:
            return fn(*args, **kwargs)
        except ServiceError as err:
            raise web.HTTPError(err.status, err.message) from None

    async def call_off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        """``call`` in the loop's thread pool: for CPU-heavy pure steps (redaction)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.call, fn, *args)

    def body_object(self) -> dict[str, Any]:
        data = self.read_json()
        if not isinstance(data, dict):
            raise web.HTTPError(400, "The request body must be a JSON object.")
        try:  # lone surrogates ("\ud800") parse as JSON but cannot be stored or sent
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, ValueError, RecursionError):
            raise web.HTTPError(400, "The request body contains invalid Unicode text.") from None
        return data


class PolicyHandler(_Base):
    @endpoint(kernel=True)
    async def get(self) -> None:
        self.write_json({"policy": self.itbridge.policy.to_public_dict()})


class DiagnoseHandler(_Base):
    """An error (any kernel) and/or the cell's stderr in, findings out.

    ``{ename, evalue, traceback, stderr?, language?}``: ``ename`` is required unless ``stderr``
    is given (R's ``install.packages`` and ``require()`` only warn: the cell has no error);
    ``language`` is the kernel's ``language_info.name`` (``R`` selects R's shapes; without it
    IRkernel's ename ``ERROR`` does). Long texts are cut, never refused.
    """

    @endpoint(kernel=True)
    async def post(self) -> None:
        data = self.body_object()
        stderr = _optional_text(data, "stderr")
        language = _optional_text(data, "language")
        if stderr is not None:  # warnings come last: keep the head and the tail
            stderr = bounded(stderr, MAX_TEXT // 2, MAX_TEXT // 2)
        if language is not None:
            language = language[:MAX_LANGUAGE]
        ename, evalue, traceback = data.get("ename"), data.get("evalue", ""), data.get("traceback")
        if ename is None and stderr:
            ename = ""
        if not isinstance(ename, str) or (not ename.strip() and not stderr):
            raise web.HTTPError(
                400, "'ename' is required and must be a non-empty string (or give 'stderr')."
            )
        if evalue is None:
            evalue = ""
        if not isinstance(evalue, str):
            raise web.HTTPError(400, "'evalue' must be a string.")
        if traceback is None:
            traceback = []
        if isinstance(traceback, str):
            traceback = traceback[:MAX_TEXT]
        elif isinstance(traceback, list) and all(isinstance(line, str) for line in traceback):
            traceback = [line[:MAX_TEXT] for line in traceback[-MAX_TRACEBACK_LINES:]]
        else:
            raise web.HTTPError(400, "'traceback' must be a string or a list of strings.")
        from ..detect import diagnose_text  # lazy: the catalog is only needed here

        findings = diagnose_text(
            ename[:1000],
            evalue[:MAX_TEXT],
            traceback,
            self.itbridge.policy,
            stderr=stderr,
            language=language,
        )
        from ..summaries import request_summary

        # the frontend card's Summary: the same prefill as the kernel card (summaries.py)
        answer = [
            {**f.to_dict(), "request_summary": request_summary(f.kind, f.subject, f.title)}
            for f in findings
        ]
        self.write_json({"findings": [redact_obj(item) for item in answer]})


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    """An optional string field (absent or null: None); anything else is a 400."""
    value = data.get(name)
    if value is None or isinstance(value, str):
        return value
    raise web.HTTPError(400, f"'{name}' must be a string.")


class RequestsHandler(_Base):
    @endpoint(kernel=True)
    async def get(self) -> None:
        names: list[str] = []
        for value in self.get_arguments("state"):
            names.extend(s for s in value.split(",") if s)
        unknown = sorted(set(names) - set(STATES))
        if unknown:
            raise web.HTTPError(
                400, f"Unknown state {', '.join(unknown)}; expected one of {', '.join(STATES)}."
            )
        raw_limit = self.get_argument("limit", "500")
        if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= MAX_LIST:
            raise web.HTTPError(400, f"'limit' must be an integer from 1 to {MAX_LIST}.")
        states = cast("list[RequestState]", names)  # every name was checked above
        items = self.service.list_requests(self.owner, states=states or None, limit=int(raw_limit))
        self.write_json({"requests": items})

    @endpoint(kernel=True)
    async def post(self) -> None:
        data = self.body_object()
        request_uuid = data.pop("uuid", None)
        if request_uuid is not None and not isinstance(request_uuid, str):
            raise web.HTTPError(400, "'uuid' must be a string.")
        incident_id = data.pop("incident_id", None)
        # The server's own package facts go into the body (the cache answers what the card
        # showed); a slow index delays filing by c.ITBridge.package_facts_timeout at most.
        facts_notice = await attach_facts(self.itbridge.facts, data)
        # Validation and redaction off the event loop; the replay/dedupe/insert step on it.
        prepared = await self.call_off_loop(self.service.prepare, data, request_uuid)
        if facts_notice:
            prepared.notices.append(facts_notice)
        record, deduped = self.call(self.service.commit, self.owner, prepared, incident_id)
        created = not deduped and not record.get("replayed")
        self.write_json(record, status=201 if created else 200)


class PreviewHandler(_Base):
    """``POST preview``: the ticket body a request would get, redacted as filing redacts it.

    Why: the frontend card shows "What will be sent" exactly, without a second redaction in
    TypeScript. This runs the very ``prepare`` step of ``POST requests`` (validation, bounds,
    redaction, rendering) and stores nothing; pass the card's ``uuid`` so the marker line is
    the one the ticket will carry.
    """

    @endpoint()
    async def post(self) -> None:
        data = self.body_object()
        request_uuid = data.pop("uuid", None)
        if request_uuid is not None and not isinstance(request_uuid, str):
            raise web.HTTPError(400, "'uuid' must be a string.")
        data.pop("incident_id", None)  # linking is a filing step; it changes no text
        prepared = await self.call_off_loop(self.service.prepare, data, request_uuid)
        self.write_json({"body": prepared.body, "notices": prepared.notices, "uuid": prepared.uuid})


class RequestHandler(_Base):
    @endpoint(kernel=True)
    async def get(self, request_id: str) -> None:
        self.write_json(self.call(self.service.get, self.owner, request_id))


class RetryHandler(_Base):
    @endpoint()
    async def post(self, request_id: str) -> None:
        self.write_json(self.call(self.service.retry, self.owner, request_id))


class CancelHandler(_Base):
    @endpoint()
    async def post(self, request_id: str) -> None:
        self.write_json(self.call(self.service.cancel, self.owner, request_id))


class CommentHandler(_Base):
    @endpoint()
    async def post(self, request_id: str) -> None:
        data = self.body_object()
        prepared = await self.call_off_loop(self.service.prepare_comment, data.get("text"))
        self.write_json(self.call(self.service.commit_comment, self.owner, request_id, prepared))


class SeenHandler(_Base):
    """``POST requests/{id}/seen``: the user opened the thread (clears the unread count)."""

    @endpoint()
    async def post(self, request_id: str) -> None:
        self.write_json(self.call(self.service.mark_seen, self.owner, request_id))


class IncidentsHandler(_Base):
    @endpoint()
    async def get(self) -> None:
        self.write_json({"incidents": self.service.incidents(self.owner)})


_ID = r"(?P<request_id>[^/]+)"

#: Paths relative to ``{base_url}itbridge/api/``.
HANDLERS: list[tuple[str, type[ITBridgeHandler]]] = [
    (r"policy", PolicyHandler),
    (r"diagnose", DiagnoseHandler),
    (r"requests", RequestsHandler),
    (r"preview", PreviewHandler),
    (rf"requests/{_ID}", RequestHandler),
    (rf"requests/{_ID}/retry", RetryHandler),
    (rf"requests/{_ID}/comment", CommentHandler),
    (rf"requests/{_ID}/cancel", CancelHandler),
    (rf"requests/{_ID}/seen", SeenHandler),
    (r"incidents", IncidentsHandler),
]
