"""``jupyter itbridge requests list|show|retry|export``: follow up users' requests.

The records are the REST API's JSON shape (``RequestService.to_json``), read through the same
service and store the server uses, so what an admin sees is what users see in JupyterLab.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, cast

from traitlets import Bool, Enum, Integer, Unicode

from ..contract import OPEN_STATES, STATES, RequestState
from ..jsontypes import RequestJSON, StoredRequest
from .base import EXIT_USAGE, _Base

if TYPE_CHECKING:
    from ..backends.base import Backend
    from ..server.service import RequestService
    from .relay_client import RelayClient

# -- requests ---------------------------------------------------------------------------------


def _states(value: str) -> list[RequestState] | None:
    if not value:
        return None
    out: list[RequestState] = []
    for item in (v.strip() for v in value.split(",")):
        if item == "open":
            out.extend(sorted(OPEN_STATES))
        elif item in STATES:
            out.append(item)
        else:
            raise ValueError(
                f"Unknown state {item!r}; valid states: {', '.join(STATES)} (or 'open')."
            )
    return out


class _RequestsBase(_Base):
    """Opens the store and the request service (the same code the REST API uses)."""

    def open_service(self) -> RequestService | None:
        """The service over the configured store, or None when no request was ever filed."""
        from ..backends.unavailable import UnavailableBackend
        from ..server.service import RequestService
        from ..server.store import Store
        from ..server.store_engine import resolve

        path = self.store_path()
        local = resolve(path).path if "://" in path else path
        if local is not None and not os.path.exists(local):
            return None
        try:
            store = Store(path)
        except Exception as err:
            self.fail(f"The request store {path} cannot be opened ({type(err).__name__}: {err}).")
        name = self.settings().backend
        backend: Backend
        try:
            from ..backends.registry import make_backend
            from .doctor import quiet

            backend = make_backend(name, parent=self)
            quiet(backend)
        except Exception as err:  # listing must work even when the backend config is broken
            backend = UnavailableBackend(name, type(err).__name__)
        return RequestService(store, backend)

    def require_one_id(self) -> str:
        if len(self.extra_args) != 1:
            self.fail("Give exactly one request id (e.g. 5, #5 or the request UUID).", EXIT_USAGE)
        return self.extra_args[0]

    def lookup(self, key: str) -> tuple[RequestService, StoredRequest]:
        """The service and the request ``key`` names (5, #5 or a UUID), or exit 2."""
        from .records import UnknownRequest, find_row

        service = self.open_service()
        if service is None:
            self.fail(
                f"No request {key} in the store {self.store_path()} (it does not exist yet).",
                EXIT_USAGE,
            )
        try:
            return service, find_row(service.store, key)
        except UnknownRequest as err:
            self.fail(str(err), EXIT_USAGE)

    def selected(
        self, service: RequestService | None, state: str, user: str, limit: int
    ) -> list[RequestJSON]:
        try:
            states = _states(state)
        except ValueError as err:
            self.fail(str(err), EXIT_USAGE)
        if service is None:
            return []
        rows = service.store.list_requests(user or None, states=states, limit=limit)
        return [service.to_json(r, detail=True) for r in rows]


#: ``--relay``'s help, shared by list, show and export.
RELAY_HELP = """Read every user's requests from the hub relay's admin API at this URL (the
service's address, e.g. https://hub.example.org/services/itbridge/) instead of a local store.
The token comes from $ITBRIDGE_RELAY_TOKEN, else $JUPYTERHUB_API_TOKEN: a hub admin's API
token or one with the relay's admin scope (custom:itbridge:admin)."""


class _RelayReading(_RequestsBase):
    """``--relay URL``: the same records, read from the relay instead of a local store."""

    relay = Unicode("", help=RELAY_HELP).tag(config=True)

    def relay_client(self) -> RelayClient:
        from .relay_client import RelayClient, RelayError

        try:
            return RelayClient.from_env(self.relay)
        except RelayError as err:
            self.fail(str(err))

    def relay_selected(self, state: str, user: str, limit: int) -> list[RequestJSON]:
        """Like ``selected``, from the relay: one call per state when several are given."""
        from .relay_client import RelayError

        try:
            states = _states(state)
        except ValueError as err:
            self.fail(str(err), EXIT_USAGE)
        client = self.relay_client()
        items = [v.strip() for v in state.split(",")] if state else [""]
        try:
            if len(items) == 1:
                found = client.requests(state=items[0], user=user, limit=limit)
            else:
                merged = {
                    r["uuid"]: r
                    for s in states or []
                    for r in client.requests(state=s, user=user, limit=limit)
                }
                found = sorted(merged.values(), key=lambda r: -int(r["id"]))[:limit]
        except RelayError as err:
            self.fail(str(err))
        return cast("list[RequestJSON]", found)

    def records_and_source(
        self, state: str, user: str, limit: int
    ) -> tuple[list[RequestJSON], str]:
        """The selected records and where they came from (for "No requests in ...")."""
        if self.relay:
            return self.relay_selected(state, user, limit), f"the relay at {self.relay}"
        return self.selected(self.open_service(), state, user, limit), self.store_path()


class RequestsListApp(_RelayReading):
    """``jupyter itbridge requests list``."""

    name = "jupyter-itbridge-requests-list"
    description = """List requests in the store, newest first (every user's, unless --user).

    --state takes one state or a comma-separated list: queued, sent, acknowledged, resolved,
    rejected, failed, cancelled, or 'open' (queued, sent, acknowledged, failed)."""
    examples = """
    jupyter itbridge requests list
    jupyter itbridge requests list --state=failed
    jupyter itbridge requests list --state=open --user=alice --json
    ITBRIDGE_RELAY_TOKEN=... jupyter itbridge requests list --relay=https://hub.example.org/services/itbridge/
    """

    state = Unicode("", help="Only requests in this state (comma-separated list allowed).").tag(
        config=True
    )
    user = Unicode("", help="Only requests filed by this user.").tag(config=True)
    limit = Integer(500, help="Most requests to list.").tag(config=True)
    as_json = Bool(False, help="Print JSON (the REST API's request shape) instead of a table.").tag(
        config=True
    )

    aliases = {
        **_Base.aliases,
        "state": "RequestsListApp.state",
        "user": "RequestsListApp.user",
        "limit": "RequestsListApp.limit",
        "relay": "RequestsListApp.relay",
    }
    flags = {
        **_Base.flags,
        "json": ({"RequestsListApp": {"as_json": True}}, "Print JSON instead of a table."),
    }

    def start(self) -> None:
        from .records import table, to_json_text

        records, where = self.records_and_source(self.state, self.user, self.limit)
        if self.as_json:
            sys.stdout.write(to_json_text(records))
        elif not records:
            print(
                f"No requests{' matching the filters' if self.state or self.user else ''} "
                f"in {where}."
            )
        else:
            print(table(records))


class RequestsShowApp(_RelayReading):
    """``jupyter itbridge requests show ID``."""

    name = "jupyter-itbridge-requests-show"
    description = """Show one request: state, ticket, last error, history, comments and the
    body exactly as sent to IT (from the relay, also who requested it). ID is the number shown
    by 'list' (5 or #5) or the UUID."""
    examples = """
    jupyter itbridge requests show 5
    jupyter itbridge requests show 3f0c2a1e-... --json
    ITBRIDGE_RELAY_TOKEN=... jupyter itbridge requests show 12 --relay=https://hub.example.org/services/itbridge/
    """
    as_json = Bool(False, help="Print JSON (the REST API's request shape).").tag(config=True)
    aliases = {**_Base.aliases, "relay": "RequestsShowApp.relay"}
    flags = {
        **_Base.flags,
        "json": ({"RequestsShowApp": {"as_json": True}}, "Print JSON instead of text."),
    }

    def start(self) -> None:
        import json

        from .records import detail

        record = self.relay_record() if self.relay else self.local_record()
        if self.as_json:
            print(json.dumps(record, indent=2, ensure_ascii=False))
        else:
            print(detail(record))

    def local_record(self) -> RequestJSON:
        service, row = self.lookup(self.require_one_id())
        return service.to_json(row, detail=True)

    def relay_record(self) -> RequestJSON:
        from .relay_client import RelayError, UnknownRelayRequest

        key = self.require_one_id()
        client = self.relay_client()
        try:
            return cast("RequestJSON", client.request(key))
        except UnknownRelayRequest as err:
            self.fail(str(err), EXIT_USAGE)
        except RelayError as err:
            self.fail(str(err))


class RequestsRetryApp(_RequestsBase):
    """``jupyter itbridge requests retry ID``."""

    name = "jupyter-itbridge-requests-retry"
    description = """Queue a failed (or queued) request for delivery again, now.

    Use after fixing the backend config (check with 'jupyter itbridge doctor'). The owner's
    running Jupyter server delivers it: its outbox looks at the store at least every 60
    seconds. Requests already delivered, resolved or cancelled are not retried (exit 1)."""
    examples = """
    jupyter itbridge requests retry 5
    """

    def start(self) -> None:
        from ..server.service import ServiceError

        service, row = self.lookup(self.require_one_id())
        before, error = row["state"], row.get("last_error")
        try:
            record = service.retry(row["user"], row["uuid"])
        except ServiceError as err:
            self.fail(err.message)
        was = f"was {before}" + (f": {error}" if error and before == "failed" else "")
        print(
            f"Request #{record['id']} ({was}) is {record['state']} again; the running Jupyter "
            f"server of {record['user']} delivers it within 60 seconds."
        )


class RequestsExportApp(_RelayReading):
    """``jupyter itbridge requests export``."""

    name = "jupyter-itbridge-requests-export"
    description = """Export requests as JSON (the REST API's request shape, with history and
    comments) or CSV (one row per request). Writes to stdout unless --output is given."""
    examples = """
    jupyter itbridge requests export --format=csv --output=requests.csv
    jupyter itbridge requests export --format=json --state=open
    ITBRIDGE_RELAY_TOKEN=... jupyter itbridge requests export --format=csv --relay=https://hub.example.org/services/itbridge/
    """

    format = Enum(["json", "csv"], "json", help="Output format: json or csv.").tag(config=True)
    output = Unicode("", help="File to write (default: stdout).").tag(config=True)
    state = Unicode("", help="Only requests in this state (comma-separated list allowed).").tag(
        config=True
    )
    user = Unicode("", help="Only requests filed by this user.").tag(config=True)
    limit = Integer(100_000, help="Most requests to export.").tag(config=True)

    aliases = {
        **_Base.aliases,
        "format": "RequestsExportApp.format",
        "output": "RequestsExportApp.output",
        "state": "RequestsExportApp.state",
        "user": "RequestsExportApp.user",
        "limit": "RequestsExportApp.limit",
        "relay": "RequestsExportApp.relay",
    }

    def start(self) -> None:
        from .records import to_csv_text, to_json_text

        records, _where = self.records_and_source(self.state, self.user, self.limit)
        text = to_csv_text(records) if self.format == "csv" else to_json_text(records)
        if not self.output:
            sys.stdout.write(text)
            return
        try:
            with open(self.output, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as err:
            self.fail(f"Cannot write {self.output} ({err.strerror or err}).")
        print(
            f"Exported {len(records)} request(s) as {self.format} to {self.output}.",
            file=sys.stderr,
        )


class RequestsApp(_Base):
    """``jupyter itbridge requests ...``."""

    name = "jupyter-itbridge-requests"
    description = """Inspect and follow up the requests in the request store (the SQLite file
    at c.ITBridge.store_path, default <jupyter data dir>/itbridge/itbridge.sqlite3). On
    JupyterHub with the itbridge relay, list, show and export read every user's requests from
    the relay with --relay=URL (token in $ITBRIDGE_RELAY_TOKEN or $JUPYTERHUB_API_TOKEN);
    without a relay each user has a store: point at one with --store=PATH."""
    examples = """
    jupyter itbridge requests list --state=failed
    jupyter itbridge requests show 5
    jupyter itbridge requests retry 5
    jupyter itbridge requests export --format=csv --output=requests.csv
    """
    subcommands = {
        "list": (RequestsListApp, "List requests (filters: --state, --user)."),
        "show": (RequestsShowApp, "Show one request with history, comments and body."),
        "retry": (RequestsRetryApp, "Queue a failed request for delivery again."),
        "export": (RequestsExportApp, "Export requests as JSON or CSV."),
    }

    def start(self) -> None:
        if self.subapp is None:
            self._usage("requests", self.subcommands)
        super().start()
