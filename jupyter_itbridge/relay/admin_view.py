"""IT's view of the hub relay: every user's requests with filters, top subjects, each request's
exact text, requesters and ticket, CSV/JSON exports, and the admin JSON API the CLI reads.

Who may look: hub admins and holders of ``c.ITBridgeRelay.admin_scope`` (the relay's base
handler decides, in ``require_admin``: anonymous browsers go to the Hub's login, anyone else
gets a 403 page). Why server-rendered tornado templates: the page must work with a strict
Content-Security-Policy (no inline script or style), render every user-typed text as text
(tornado's autoescape), and need no build step; a few lines of vanilla JS only add comfort.

Mounting: ``admin_handlers(prefix)`` returns the routes; each handler class is one of the
classes below on top of the relay's ``RelayHandler`` (or another ``base`` that offers the same
``relay_store`` and ``require_admin``, as the tests' harness does).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from tornado import web

from ..contract import KINDS, STATES
from ..jsontypes import StoredRequest
from ..server.base import error_message
from ..server.store import TransitionError
from ..server.validation import parse_request_key
from . import admin_records as ar

if TYPE_CHECKING:
    from .admin_records import AdminStore

#: No inline script or style, nothing from elsewhere, no framing, forms post only here.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
RETRYABLE = frozenset({"queued", "failed"})
T = TypeVar("T")


class _ITView(web.RequestHandler):
    """What every handler of IT's view shares: filters, lookups, security headers.

    ``relay_store`` and ``require_admin`` come from the base handler the classes are mounted on.
    """

    prefix: ClassVar[str] = "/"

    if TYPE_CHECKING:

        @property
        def relay_store(self) -> AdminStore: ...

        def require_admin(self) -> dict[str, Any]: ...

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "same-origin")
        self.set_header("Cache-Control", "no-store")

    def filters(self, max_limit: int = ar.MAX_PAGE) -> ar.Filters:
        try:
            return ar.parse_filters(lambda name: self.get_argument(name, ""), max_limit=max_limit)
        except ar.FilterError as err:
            raise web.HTTPError(400, str(err)) from None

    def find(self, key: str) -> StoredRequest:
        parsed = parse_request_key(key)
        row = None
        if isinstance(parsed, int):
            row = self.relay_store.get_request_by_id(parsed)
        elif parsed is not None:
            row = self.relay_store.get_request(parsed)
        if row is None:
            raise web.HTTPError(404, f"No request {key[:64]} in the relay's store.")
        return row

    def admin_name(self) -> str:
        return str(self.require_admin().get("name", ""))

    async def off_loop(self, read: Callable[[], T]) -> T:
        """Run a store read that grows with the store (exports, top subjects, pages of
        detail records) in a thread, so the relay keeps answering forwards meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(None, read)


class _Page(_ITView):
    """HTML pages: errors are pages too (403 says who is signed in and what is needed)."""

    def page(self, template: str, **values: Any) -> None:
        self.render(
            template,
            prefix=self.prefix,
            who=self.admin_name(),
            states=("open", *STATES),
            kinds=KINDS,
            age_choices=ar.AGE_CHOICES,
            age=ar.age_words,
            when=_when,
            link=ar.safe_url,
            **values,
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        err = exc_info[1] if exc_info else None
        message = error_message(err) if isinstance(err, web.HTTPError) else None
        user = self.current_user
        self.render(
            "it_error.html",
            prefix=self.prefix,
            status=status_code,
            reason=self._reason,
            message=message or self._reason,
            who=str(user.get("name", "")) if isinstance(user, dict) else "",
        )


def _when(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class ITViewHandler(_Page):
    """``{prefix}``: the list, its filters, top subjects and export links."""

    async def get(self) -> None:
        self.require_admin()
        filters = self.filters(max_limit=ar.MAX_PAGE)
        store = self.relay_store

        def read() -> dict[str, Any]:
            rows, more = ar.page(store, filters)
            recs = ar.records(store, rows, detail=False)
            return {"requests": recs, "more": more, "subjects": ar.top_subjects(store, 10)}

        self.page("it_index.html", filters=filters, **(await self.off_loop(read)))


class ITRequestHandler(_Page):
    """``{prefix}requests/{id}``: one request exactly as sent, its requesters and history."""

    def get(self, key: str) -> None:
        self.require_admin()
        row = self.find(key)
        self.page(
            "it_request.html",
            request=ar.record(self.relay_store, row, detail=True),
            retryable=row["state"] in RETRYABLE,
            created=row["created_at"],
        )


class ITRetryHandler(_Page):
    """``POST {prefix}requests/{id}/retry`` (XSRF-checked form): deliver a failed request now,
    e.g. after IT fixed the relay's ticket-system config."""

    def post(self, key: str) -> None:
        name = self.admin_name()
        row = self.find(key)
        try:
            self.relay_store.transition(
                row["uuid"],
                "queued",
                expect=RETRYABLE,
                note=f"retry requested by IT ({name})",
                next_attempt_at=time.time(),
            )
        except TransitionError:
            raise web.HTTPError(
                409, f"Request #{row['id']} is {row['state']}; only queued or failed ones retry."
            ) from None
        _wake_outbox(self.settings)
        self.redirect(f"{self.prefix}requests/{row['id']}", status=303)


def _wake_outbox(settings: dict[str, Any]) -> None:
    """Deliver now rather than at the outbox's next look at the store (at most a minute)."""
    context = settings.get("itbridge_relay")
    outbox = getattr(getattr(context, "service", None), "outbox", None)
    if outbox is not None:
        outbox.wake()


class ITExportHandler(_Page):
    """``{prefix}export.csv`` / ``export.json``: every request matching the page's filters."""

    async def get(self, fmt: str) -> None:
        self.require_admin()
        filters, store = self.filters(), self.relay_store
        recs = await self.off_loop(
            lambda: ar.records(store, ar.all_rows(store, filters), detail=True)
        )
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        if fmt == "csv":
            body, ctype = ar.to_csv(recs), "text/csv; charset=utf-8"
        else:
            body, ctype = ar.to_json(recs), "application/json; charset=utf-8"
        self.set_header("Content-Type", ctype)
        self.set_header(
            "Content-Disposition", f'attachment; filename="itbridge-requests-{stamp}.{fmt}"'
        )
        self.finish(body.encode("utf-8"))


class _AdminAPI(_ITView):
    """JSON for tools (``jupyter itbridge requests --relay``): 401, never a login redirect."""

    def get_login_url(self) -> str:
        raise web.HTTPError(
            401, "A JupyterHub token of a hub admin or with the relay's admin scope is required."
        )

    def write_records(self, data: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, ensure_ascii=False))


class AdminRequestsAPIHandler(_AdminAPI):
    """``GET {prefix}api/v1/admin/requests``: a page of requests (detail form), newest first."""

    async def get(self) -> None:
        self.require_admin()
        filters, store = self.filters(), self.relay_store

        def read() -> dict[str, Any]:
            rows, more = ar.page(store, filters)
            return {
                "requests": ar.records(store, rows, detail=True),
                "offset": filters.offset,
                "limit": filters.limit,
                "next_offset": filters.offset + len(rows) if more else None,
            }

        self.write_records(await self.off_loop(read))


class AdminRequestAPIHandler(_AdminAPI):
    """``GET {prefix}api/v1/admin/requests/{id or uuid}``."""

    def get(self, key: str) -> None:
        self.require_admin()
        self.write_records(ar.record(self.relay_store, self.find(key), detail=True))


class AdminSubjectsAPIHandler(_AdminAPI):
    """``GET {prefix}api/v1/admin/subjects?limit=n``: open problems by number of users."""

    def get(self) -> None:
        self.require_admin()
        try:
            limit = ar.parse_limit(self.get_argument("limit", ""), default=20, high=500)
        except ar.FilterError as err:
            raise web.HTTPError(400, str(err)) from None
        self.write_records(
            {"subjects": [s.as_json() for s in ar.top_subjects(self.relay_store, limit)]}
        )


_KEY = r"(?P<key>[^/]+)"
#: Paths relative to the service prefix ("" is the prefix itself).
ROUTES: list[tuple[str, type[_ITView]]] = [
    ("", ITViewHandler),
    (rf"requests/{_KEY}", ITRequestHandler),
    (rf"requests/{_KEY}/retry", ITRetryHandler),
    (r"export\.(?P<fmt>csv|json)", ITExportHandler),
    (r"api/v1/admin/requests", AdminRequestsAPIHandler),
    (rf"api/v1/admin/requests/{_KEY}", AdminRequestAPIHandler),
    (r"api/v1/admin/subjects", AdminSubjectsAPIHandler),
]


def _relay_base() -> type[web.RequestHandler]:
    """The relay's ``RelayHandler``, looked up when mounting (the relay imports this module)."""
    try:
        module = importlib.import_module(".base", __package__)
    except ImportError as err:
        raise RuntimeError(
            "IT's view mounts on the relay's RelayHandler (jupyter_itbridge.relay.base), which "
            "is not installed; pass base= a handler class with relay_store and require_admin."
        ) from err
    base: type[web.RequestHandler] = module.RelayHandler
    return base


def admin_handlers(
    prefix: str, base: type[web.RequestHandler] | None = None
) -> list[tuple[str, type]]:
    """IT's view under ``prefix`` (``/services/itbridge/``), on the relay's base handler.

    ``base`` defaults to ``jupyter_itbridge.relay.base.RelayHandler``; it must provide
    ``relay_store`` (the relay's Store) and ``require_admin()`` (403 unless a hub admin or the
    admin scope; a login redirect for anonymous browsers). The app needs ``template_path`` and
    ``static_path`` pointing at this package's ``templates/`` and ``static/``.
    """
    parent = base or _relay_base()
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    routes: list[tuple[str, type]] = []
    for path, view in ROUTES:
        handler = type(
            view.__name__,
            (view, parent),
            {"prefix": prefix, "__module__": __name__, "__doc__": view.__doc__},
        )
        routes.append((prefix + path, handler))
    return routes
