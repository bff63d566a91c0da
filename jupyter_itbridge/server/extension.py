"""The jupyter-server extension: an ``ExtensionApp`` that wires config, store, backend, service,
events and watchers, registers the REST routes and hands kernels their URL and token.

Why an ``ExtensionApp`` (jupyter_server's own model): it loads ``jupyter_itbridge_config.*``
from the config path, gives us ``initialize_settings`` / ``initialize_handlers`` to build the
parts in order, an async start hook that runs once the event loop does, and ``stop_extension``
when the server shuts down. Handlers reach the parts as one typed
:class:`~jupyter_itbridge.server.context.ITBridgeContext` in ``settings["itbridge"]``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join
from traitlets import default
from traitlets.config import Config

from ..backends.base import Backend
from ..backends.registry import make_backend
from ..backends.unavailable import UnavailableBackend
from ..config import ITBridge
from ..contract import API_PREFIX, ENV_TOKEN, ENV_URL
from ..policy import ITBridgePolicy
from ..policy_files import config_files, load_config_file
from ..redact import redact
from .context import ITBridgeContext
from .env_scrub import KernelEnvScrub, read_backend_secrets, scrub_process_environment
from .events import server_events
from .outbox import Outbox
from .package_facts import FactsService
from .service import RequestService
from .store import Store, default_store_path
from .watchers import Watchers

#: The extension's own config file on the Jupyter config path (``.py``, ``.json``, ``.d/``).
CONFIG_FILE = "jupyter_itbridge_config"
#: jupyter_server 2.16 added the async start hook; older 2.x never call it (see ``_start_soon``).
SERVER_CALLS_START_HOOK = hasattr(ExtensionApp, "_start_jupyter_server_extension")


def route_table() -> list[tuple[str, type]]:
    """All REST routes, relative to the server's ``base_url`` (``itbridge/api/...``)."""
    from . import health, packages_api, requests_api

    return [
        (url_path_join(API_PREFIX, path), handler)
        for path, handler in [*health.HANDLERS, *requests_api.HANDLERS, *packages_api.HANDLERS]
    ]


def kernel_api_url(serverapp: ServerApp) -> str:
    """The URL kernels use to reach the API (loopback, with the server's base_url)."""
    return url_path_join(serverapp.connection_url, API_PREFIX) + "/"


class ITBridgeExtension(ExtensionApp):
    """jupyter-itbridge inside a Jupyter server (JupyterLab, Notebook 7, JupyterHub's
    single-user server). Config: ``c.ITBridge.*``, ``c.ITBridgePolicy.*``, ``c.<X>Backend.*``."""

    name = "jupyter_itbridge"  # the package jpserver_extensions enables
    description = "Turn environment failures in notebooks into precise, safe requests to IT."

    context: ITBridgeContext | None = None

    @default("config_file_name")
    def _config_file_name_default(self) -> str:
        # ExtensionApp derives "jupyter_{name}_config" (jupyter_jupyter_itbridge_config here);
        # ours is the file kernels and the CLI read: jupyter_itbridge_config.{py,json}.
        return CONFIG_FILE

    def load_config_file(self, suppress_errors: bool = True) -> None:  # type: ignore[override]
        """``jupyter_itbridge_config.{py,json}`` as every extension app, plus the
        ``jupyter_itbridge_config.d/*.json`` fragments that kernels and the CLI read too."""
        super().load_config_file(suppress_errors)
        fragments = Config()
        for path in config_files(self.config_file_paths, (self.config_file_name,)):
            if os.path.basename(os.path.dirname(path)).endswith(".d"):
                fragments.merge(load_config_file(path))
        if fragments:
            fragments.merge(self.config)  # the .py/.json files win over the fragments
            self.update_config(fragments)

    # -- jupyter_server's lifecycle -----------------------------------------------------------

    def initialize_settings(self) -> None:
        """Build every part, in dependency order, and put them in ``settings["itbridge"]``."""
        serverapp = self._server()
        config = ITBridge(parent=self)
        policy = ITBridgePolicy(parent=self)
        token = secrets.token_urlsafe(32)
        try:
            api_url = kernel_api_url(serverapp)
        except Exception:  # unix sockets and exotic setups: kernels then use the offline drafts
            api_url = ""
        # Kernels started by this server inherit these (and only kernels of this server know them).
        os.environ[ENV_TOKEN] = token
        if api_url:
            os.environ[ENV_URL] = api_url

        store, backend = self._store_and_backend(config)
        self._scrub_secrets(serverapp, backend)
        service = RequestService(store, backend, self._outbox(store, backend, config))
        self._import_offline_drafts(service, config.owner)  # not announced: nobody listens yet
        events = server_events(serverapp.event_logger, _server_loop(serverapp))
        service.add_listener(events.emit_request_state)  # state changes on the event bus
        service.add_message_listener(events.emit_messages)  # IT's replies too
        self.context = ITBridgeContext(
            config=config,
            policy=policy,
            kernel_token=token,
            api_url=api_url,
            service=service,
            events=events,
        )
        self.context.watchers = self._watchers(self.context)
        self.context.facts = self._facts(config, policy)
        self.settings["itbridge"] = self.context
        if not SERVER_CALLS_START_HOOK:
            _start_soon(serverapp, self._start)

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table())
        self._server().log.info(
            "jupyter-itbridge: API at %s, backend %r",
            url_path_join(self._server().base_url, API_PREFIX),
            self._context().config.backend,
        )

    async def _start_jupyter_server_extension(self, serverapp: ServerApp) -> None:
        """Start the outbox and the watchers once the server's event loop runs."""
        await self._start()

    async def stop_extension(self) -> None:
        """Stop the watchers and the outbox. Nothing is lost if this never runs: every request
        is committed before delivery, so a kill only delays it."""
        context = self.context
        if context is None:
            return
        stops = [context.watchers.stop] if context.watchers is not None else []
        for stop in [*stops, context.service.stop]:
            try:
                await stop()
            except Exception:
                self._server().log.exception("jupyter-itbridge: stopping %r failed", stop)
        if context.facts is not None:
            context.facts.close()

    # -- the parts ----------------------------------------------------------------------------

    async def _start(self) -> None:
        context = self._context()
        await context.service.start()
        if context.watchers is not None:
            context.watchers.start()

    def _store_and_backend(self, config: ITBridge) -> tuple[Store, Backend]:
        """The store and the backend (a stand-in if it fails to load), from ``c.ITBridge``."""
        try:
            backend = make_backend(config.backend, parent=self)
        except Exception as err:
            self._server().log.error(
                "jupyter-itbridge: backend %r failed to load: %s", config.backend, err
            )
            backend = UnavailableBackend(config.backend, redact(f"{type(err).__name__}: {err}"))
        else:
            from ..backends.config_check import missing_settings

            missing = missing_settings(backend)
            if missing:  # requests will queue and fail: say why now, not at the first one
                self._server().log.warning(
                    "jupyter-itbridge: backend %r cannot deliver yet: %s", config.backend, missing
                )
        return Store(config.store_path or default_store_path()), backend

    def _scrub_secrets(self, serverapp: ServerApp, backend: Backend) -> None:
        """Read the backend's ``ITBRIDGE_*`` secrets, then keep them from every kernel."""
        read_backend_secrets(backend)
        removed = scrub_process_environment()
        KernelEnvScrub(getattr(serverapp, "kernel_manager", None)).install()
        if removed:
            serverapp.log.info(
                "jupyter-itbridge: %d ITBRIDGE_* variable(s) read and removed from the "
                "server's environment; kernels never inherit them",
                len(removed),
            )

    @staticmethod
    def _outbox(store: Store, backend: Backend, config: ITBridge) -> Outbox:
        return Outbox(
            store,
            backend,
            sync_interval=config.sync_interval,
            base_delay=config.retry_base_delay,
            max_delay=config.retry_max_delay,
            config_error_delay=config.config_error_retry_delay,
            concurrency=config.outbox_concurrency,
            lease=config.delivery_lease,
        )

    @staticmethod
    def _facts(config: ITBridge, policy: ITBridgePolicy) -> FactsService:
        """Package facts from the policy's index, bounded by ``c.ITBridge.package_facts_*``."""
        return FactsService(
            policy,
            timeout=max(0.1, config.package_facts_timeout),
            ttl=max(0.0, config.package_facts_ttl),
            error_ttl=max(0.0, config.package_facts_error_ttl),
            max_entries=config.package_facts_cache_size,
        )

    def _watchers(self, context: ITBridgeContext) -> Watchers | None:
        """Kernel-death and memory watchers from ``c.ITBridge.*``, hooked to the kernel manager
        (None when disabled or when they cannot be set up: the rest works without them)."""
        config, log = context.config, self._server().log
        if not config.watchers_enabled:
            return None
        threshold = config.memory_pressure_threshold
        if not 0 < threshold <= 1:
            log.error(
                "jupyter-itbridge: ITBridge.memory_pressure_threshold=%r is not in (0, 1]; "
                "using 0.9",
                threshold,
            )
            threshold = 0.9
        serverapp = self._server()
        try:
            watchers = Watchers(
                kernel_manager=serverapp.kernel_manager,
                session_manager=serverapp.session_manager,
                service=context.service,
                events=context.events,
                owner=context.owner,
                interval=config.watch_interval,
                threshold=threshold,
                rearm=config.memory_pressure_rearm,
                max_samples=config.kernel_memory_samples,
                rss_fraction=config.oom_rss_fraction,
                cgroup_root=config.cgroup_root,
            )
            watchers.install()
        except Exception:
            log.exception("jupyter-itbridge: watchers not started")
            return None
        snap = watchers.snapshot()
        log.info(
            "jupyter-itbridge: watching kernels; memory limit %s (source %s)",
            snap.limit_bytes,
            snap.source,
        )
        return watchers

    def _import_offline_drafts(self, service: RequestService, owner: str) -> None:
        """Drafts a kernel saved while the server was unreachable are filed now."""
        log = self._server().log
        try:
            report = service.import_offline_drafts(owner)
        except Exception as err:
            log.warning("jupyter-itbridge: offline drafts not imported: %s", err)
            return
        if report.imported or report.failed:
            log.info(
                "jupyter-itbridge: imported %d offline draft(s); %d kept after errors",
                len(report.imported),
                len(report.failed),
            )

    def _server(self) -> ServerApp:
        assert self.serverapp is not None  # linked before initialize_settings runs
        return self.serverapp

    def _context(self) -> ITBridgeContext:
        assert self.context is not None  # built by initialize_settings
        return self.context


def _server_loop(serverapp: ServerApp) -> asyncio.AbstractEventLoop | None:
    """The loop events are emitted on (worker threads hop over to it)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        io_loop = getattr(serverapp, "io_loop", None)
        loop: asyncio.AbstractEventLoop | None = getattr(io_loop, "asyncio_loop", None)
        return loop


def _start_soon(serverapp: ServerApp, start: Callable[[], Awaitable[None]]) -> None:
    """jupyter_server < 2.16: run ``start`` on the server's loop at its next turn.

    Tests load the extension inside the running loop; a real server loads it before its loop
    runs, so the callback waits for it.
    """
    from tornado.ioloop import IOLoop

    try:
        asyncio.get_running_loop()
        io_loop = IOLoop.current()
    except RuntimeError:
        io_loop = getattr(serverapp, "io_loop", None) or IOLoop.current()
    io_loop.add_callback(start)  # tornado awaits a coroutine result and logs its errors
