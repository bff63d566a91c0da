"""The ``jupyter itbridge`` command: traitlets apps for ``doctor`` and ``requests ...``.

Why JupyterApp: ``jupyter itbridge`` then behaves like every other Jupyter command (``--help``,
``--config=FILE``, ``--log-level``, ``--Class.trait=value`` overrides) and reads the same config
files as the kernels and the server, so what ``doctor`` reports is what they will do.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

from jupyter_core.application import JupyterApp, base_aliases, base_flags
from traitlets import Bool, Enum, Integer, TraitError, Unicode

from .. import __version__
from ..config import ITBridge
from ..policy import ITBridgePolicy
from .adminconfig import ConfigLoadError, LoadedConfig, load_admin_config

#: Trait values that are credentials even though their name does not say so.
ALWAYS_SECRET = {"WebhookBackend.url"}

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _backend_classes() -> list[type]:
    from ..backends.registry import available_backends

    try:
        return list(available_backends().values())
    except Exception:  # a broken third-party entry point must not break the CLI
        return []


def effective_store(settings: ITBridge) -> str:
    """The store the server uses: ``c.ITBridge.store_path`` or the per-user default."""
    from ..server.store import default_store_path

    return settings.store_path or default_store_path()


class _Base(JupyterApp):
    """Config loading and error exits shared by every subcommand."""

    version = __version__
    # Every section an admin can write, so `--help-all` documents all of them.
    classes = [ITBridge, ITBridgePolicy, *_backend_classes()]
    aliases = {
        **base_aliases,
        "store": "ITBridge.store_path",
    }
    flags = {"debug": base_flags["debug"]}

    loaded: LoadedConfig | None = None
    config_error: str | None = None

    def load_config_file(self, suppress_errors: bool = True) -> None:  # type: ignore[override]
        """Read what kernels and the server read (see ``load_admin_config``), plus --config."""
        try:
            self.loaded = load_admin_config(self.config_file)
        except ConfigLoadError as err:
            self.config_error = str(err)
            return
        self.update_config(self.loaded.config)

    def fail(self, message: str, code: int = EXIT_PROBLEM) -> NoReturn:
        """One sentence on stderr and a non-zero exit: no traceback for an admin's typo."""
        print(f"{self.name.replace('-', ' ')}: {message}", file=sys.stderr)
        sys.stdout.flush()
        raise SystemExit(code)

    def settings(self) -> ITBridge:
        if self.config_error:
            self.fail(self.config_error)
        try:
            return ITBridge(parent=self)
        except TraitError as err:
            self.fail(
                f"Invalid c.ITBridge setting: {' '.join(str(err).split())} "
                "Run 'jupyter itbridge doctor'."
            )

    def store_path(self) -> str:
        return effective_store(self.settings())


# -- doctor -----------------------------------------------------------------------------------


class DoctorApp(_Base):
    """Validate the config, show the effective policy and backend, test them."""

    name = "jupyter-itbridge-doctor"
    description = """Check that jupyter-itbridge can deliver requests to IT.

    Reads the same config files as the server and kernels (jupyter_server_config.* and
    jupyter_itbridge_config.* on the Jupyter config path, plus --config=FILE), reports unknown
    or invalid settings, prints the effective policy and backend settings (credentials are
    masked), tests connectivity and credentials against the ticket system and checks that the
    request store is writable. Exits 0 when everything is fine, otherwise 1 with one sentence
    that says what to fix."""
    examples = """
    jupyter itbridge doctor
    jupyter itbridge doctor --config=/etc/jupyter/jupyter_server_config.py
    ITBRIDGE_RT_TOKEN=... jupyter itbridge doctor --ITBridge.backend=rt
    """

    def start(self) -> None:
        from . import adminconfig as ac
        from . import doctor

        out: list[str] = ["jupyter-itbridge doctor", ""]
        report = doctor.Report()
        if self.config_error:
            self.fail(self.config_error)
        assert self.loaded is not None
        files = self.loaded.files
        out.append("Config files (lowest priority first):")
        out.extend(f"  {path}" for path in files) if files else out.append("  (none: defaults)")

        from ..backends.registry import available_backends

        backends = available_backends()
        found = ac.config_problems(self.config, backends, ALWAYS_SECRET)
        clean = ac.without(self.config, found)

        settings = ITBridge(config=clean)
        policy = ITBridgePolicy(config=clean)
        problems = [p.message for p in found]
        problems += ac.settings_problems(settings) + ac.policy_problems(policy)
        report.add(
            "config",
            not problems,
            problems[0] if problems else f"{len(files)} file(s); no unknown or invalid settings.",
        )
        for extra in problems[1:]:
            report.add("config", False, extra)

        out += ["", "Settings (c.ITBridge):"]
        store = effective_store(settings)
        out += [f"  {k} = {v}" for k, v in ac.trait_lines(settings, self.config, ALWAYS_SECRET)]
        out.append(f"  (effective store: {store})")
        out += ["", "Policy (c.ITBridgePolicy, as users see it):"]
        out += [f"  {k} = {v}" for k, v in ac.trait_lines(policy, self.config, ALWAYS_SECRET)]

        backend = None
        try:
            backend = doctor.load_backend_like_server(settings.backend, parent=settings)
        except Exception as err:
            report.add("backend", False, doctor.backend_problem(settings.backend, err))
        if backend is not None:
            doctor.quiet(backend)
            secrets = set(ALWAYS_SECRET)
            secret_trait = getattr(backend, "secret_trait", None)
            if callable(secret_trait):
                secrets.add(str(secret_trait()))
            cls = type(backend)
            out += ["", f"Backend {settings.backend!r} ({cls.__module__}.{cls.__name__}):"]
            out += [f"  {k} = {v}" for k, v in ac.trait_lines(backend, self.config, secrets)]
            ok, message = doctor.check_backend(backend)
            report.add("backend", ok, message)

        ok, message = doctor.check_store(store)
        report.add("store", ok, message)

        out += ["", "Checks:"]
        for check in report.checks:
            mark = "warn" if check.warning else ("ok" if check.ok else "FAIL")
            out.append(f"  [{mark:>4}] {check.name}: {check.message}")
        print("\n".join(out))
        sys.stdout.flush()
        if report.problems:
            first = report.problems[0].message
            more = len(report.problems) - 1
            if more:
                first += f" ({more} more problem{'s' if more > 1 else ''} listed above.)"
            self.fail(first)
        print("\nAll checks passed.")


# -- requests ---------------------------------------------------------------------------------


def _states(value: str) -> list[str] | None:
    from ..findings import OPEN_STATES, STATES

    if not value:
        return None
    out: list[str] = []
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

    def open_service(self) -> Any:
        """The service over the configured store, or None when no request was ever filed."""
        from ..server.service import RequestService, UnavailableBackend
        from ..server.store import Store

        path = self.store_path()
        if not os.path.exists(path):
            return None
        try:
            store = Store(path)
        except Exception as err:
            self.fail(f"The request store {path} cannot be opened ({type(err).__name__}: {err}).")
        name = self.settings().backend
        try:
            from .doctor import load_backend_like_server, quiet

            backend = load_backend_like_server(name, parent=self)
            quiet(backend)
        except Exception as err:  # listing must work even when the backend config is broken
            backend = UnavailableBackend(name, type(err).__name__)
        return RequestService(store, backend)

    def require_one_id(self) -> str:
        if len(self.extra_args) != 1:
            self.fail("Give exactly one request id (e.g. 5, #5 or the request UUID).", EXIT_USAGE)
        return self.extra_args[0]

    def lookup(self, service: Any, key: str) -> dict[str, Any]:
        from .records import UnknownRequest, find_row

        if service is None:
            self.fail(
                f"No request {key} in the store {self.store_path()} (it does not exist yet).",
                EXIT_USAGE,
            )
        try:
            return find_row(service.store, key)
        except UnknownRequest as err:
            self.fail(str(err), EXIT_USAGE)

    def selected(self, service: Any, state: str, user: str, limit: int) -> list[dict[str, Any]]:
        try:
            states = _states(state)
        except ValueError as err:
            self.fail(str(err), EXIT_USAGE)
        if service is None:
            return []
        rows = service.store.list_requests(user or None, states=states, limit=limit)
        return [service.to_json(r, detail=True) for r in rows]


class RequestsListApp(_RequestsBase):
    """``jupyter itbridge requests list``."""

    name = "jupyter-itbridge-requests-list"
    description = """List requests in the store, newest first (every user's, unless --user).

    --state takes one state or a comma-separated list: queued, sent, acknowledged, resolved,
    rejected, failed, cancelled, or 'open' (queued, sent, acknowledged, failed)."""
    examples = """
    jupyter itbridge requests list
    jupyter itbridge requests list --state=failed
    jupyter itbridge requests list --state=open --user=alice --json
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
    }
    flags = {
        **_Base.flags,
        "json": ({"RequestsListApp": {"as_json": True}}, "Print JSON instead of a table."),
    }

    def start(self) -> None:
        from .records import table, to_json_text

        service = self.open_service()
        records = self.selected(service, self.state, self.user, self.limit)
        if self.as_json:
            sys.stdout.write(to_json_text(records))
        elif not records:
            where = self.store_path()
            print(
                f"No requests{' matching the filters' if self.state or self.user else ''} "
                f"in {where}."
            )
        else:
            print(table(records))


class RequestsShowApp(_RequestsBase):
    """``jupyter itbridge requests show ID``."""

    name = "jupyter-itbridge-requests-show"
    description = """Show one request: state, ticket, last error, history, comments and the
    body exactly as sent to IT. ID is the number shown by 'list' (5 or #5) or the UUID."""
    examples = """
    jupyter itbridge requests show 5
    jupyter itbridge requests show 3f0c2a1e-... --json
    """
    as_json = Bool(False, help="Print JSON (the REST API's request shape).").tag(config=True)
    flags = {
        **_Base.flags,
        "json": ({"RequestsShowApp": {"as_json": True}}, "Print JSON instead of text."),
    }

    def start(self) -> None:
        import json

        from .records import detail

        key = self.require_one_id()
        service = self.open_service()
        row = self.lookup(service, key)
        record = service.to_json(row, detail=True)
        if self.as_json:
            print(json.dumps(record, indent=2, ensure_ascii=False))
        else:
            print(detail(record))


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

        key = self.require_one_id()
        service = self.open_service()
        row = self.lookup(service, key)
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


class RequestsExportApp(_RequestsBase):
    """``jupyter itbridge requests export``."""

    name = "jupyter-itbridge-requests-export"
    description = """Export requests as JSON (the REST API's request shape, with history and
    comments) or CSV (one row per request). Writes to stdout unless --output is given."""
    examples = """
    jupyter itbridge requests export --format=csv --output=requests.csv
    jupyter itbridge requests export --format=json --state=open
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
    }

    def start(self) -> None:
        from .records import to_csv_text, to_json_text

        service = self.open_service()
        records = self.selected(service, self.state, self.user, self.limit)
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
    JupyterHub each user has a store; point at one with --store=PATH."""
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

    def _usage(self, what: str, subcommands: dict[str, Any]) -> NoReturn:
        names = ", ".join(subcommands)
        if self.extra_args:
            self.fail(
                f"Unknown {what} subcommand {self.extra_args[0]!r}; use one of: {names}.",
                EXIT_USAGE,
            )
        self.fail(f"Give a subcommand: {names} (see --help).", EXIT_USAGE)


# -- top level --------------------------------------------------------------------------------


class ITBridgeCLI(RequestsApp):
    """``jupyter itbridge``."""

    name = "jupyter-itbridge"
    description = """Admin tools for jupyter-itbridge: check the configuration and the
    connection to the ticket system, and follow up users' requests to IT."""
    examples = """
    jupyter itbridge doctor
    jupyter itbridge requests list --state=failed
    jupyter itbridge requests retry 5
    jupyter itbridge requests export --format=csv --output=requests.csv
    jupyter itbridge doctor --help
    """
    subcommands = {
        "doctor": (DoctorApp, "Validate the config and test the backend and the store."),
        "requests": (RequestsApp, "List, show, retry and export requests."),
    }

    def start(self) -> None:
        if self.subapp is None:
            self._usage("jupyter itbridge", self.subcommands)
        JupyterApp.start(self)


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``jupyter-itbridge`` (run by ``jupyter itbridge``)."""
    ITBridgeCLI.launch_instance(argv)
