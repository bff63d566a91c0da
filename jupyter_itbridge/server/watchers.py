"""Kernel-death and memory-pressure watchers: failures a kernel cannot report itself.

- Kernel deaths: each kernel's restarter calls us back (``restart``: it died and is being
  restarted; ``dead``: it could not be restarted). We then read the exit code or signal, the
  cgroup ``oom_kill`` counter delta and the kernel's last memory samples, and record an incident.
  A kernel the user (or the culler) shut down or restarted goes through the kernel manager's
  ``shutdown_kernel``/``restart_kernel``; we observe those calls so they are never incidents.
- Memory: a periodic task samples the cgroup (v2, then v1, then ``MEM_LIMIT``) and each
  kernel's resident memory; one incident per crossing of ``memory_pressure_threshold``.

Everything is defensive: a watcher error is logged, never raised into the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..limits import (
    DEFAULT_CGROUP_ROOT,
    MemorySnapshot,
    memory_snapshot,
    process_memory,
)
from .incident_rules import (
    DeathFacts,
    MemorySample,
    PressureTracker,
    kernel_death_details,
    oom_delta,
    pressure_details,
)

log = logging.getLogger("jupyter_itbridge.watchers")

#: After a user shutdown/restart finished, a death noticed within this many seconds is theirs.
USER_ACTION_GRACE = 10.0
#: A crash-looping kernel gives one incident per this many seconds, not one per restart try.
REPEAT_WINDOW = 30.0
#: An oom_kill counter rise that no kernel death claimed within this many seconds belonged to
#: another process (e.g. a pip build); it is then no longer attributed to later kernel deaths.
OOM_SETTLE = 15.0


@dataclass
class KernelWatch:
    """What we keep per kernel between samples."""

    kernel_id: str
    samples: deque[MemorySample]
    oom_baseline: int | None = None
    notebook_path: str | None = None
    attached_to: int | None = None  # id() of the restarter our callbacks are on
    last_incident_at: float = 0.0
    callbacks: list[tuple[Callable[[], None], str]] = field(default_factory=list)


class Watchers:
    """Watches the kernels of one server and its memory; records incidents, emits events."""

    def __init__(
        self,
        *,
        kernel_manager: Any = None,
        session_manager: Any = None,
        service: Any = None,
        events: Any = None,
        owner: str = "",
        interval: float = 5.0,
        threshold: float = 0.9,
        rearm: float = 0.05,
        max_samples: int = 12,
        rss_fraction: float = 0.9,
        cgroup_root: str = DEFAULT_CGROUP_ROOT,
        proc_root: str = "/proc",
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.kernel_manager = kernel_manager
        self.session_manager = session_manager
        self.service = service
        self.events = events
        self.owner = owner
        self.interval = max(0.05, interval)
        self.max_samples = max(1, max_samples)
        self.rss_fraction = rss_fraction
        self.cgroup_root = cgroup_root
        self.proc_root = proc_root
        self.environ = environ
        self.clock = clock
        self.pressure = PressureTracker(threshold, rearm)
        self.kernels: dict[str, KernelWatch] = {}
        self.oom_claimed: int | None = None  # counter value already attributed to a death
        self._oom_seen: tuple[int | None, float] = (None, 0.0)  # (count, since when)
        self.last_snapshot: MemorySnapshot | None = None
        self.incidents_recorded = 0
        self.stopping = False
        self._busy: dict[str, int] = {}
        self._user_action_at: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self._originals: dict[str, Any] = {}

    # -- readings -----------------------------------------------------------------------------

    def snapshot(self) -> MemorySnapshot:
        """The memory limit/usage/oom counter for this server's cgroup (or ``MEM_LIMIT``)."""
        env = None if self.environ is None else dict(self.environ)  # None: os.environ, no copy
        snap = memory_snapshot(
            self.cgroup_root, os.path.join(self.proc_root, "self", "cgroup"), env
        )
        self.last_snapshot = snap
        return snap

    def _watch(self, kernel_id: str) -> KernelWatch:
        watch = self.kernels.get(kernel_id)
        if watch is None:
            watch = KernelWatch(kernel_id, deque(maxlen=self.max_samples))
            snap = self.last_snapshot or self.snapshot()
            watch.oom_baseline = snap.oom_kill_count
            self.kernels[kernel_id] = watch
        return watch

    def _kernel(self, kernel_id: str) -> Any:
        try:
            return self.kernel_manager.get_kernel(kernel_id)
        except Exception:
            return None

    @staticmethod
    def kernel_pid(km: Any) -> int | None:
        provisioner = getattr(km, "provisioner", None)
        pid = getattr(provisioner, "pid", None)
        if pid is None:
            pid = getattr(getattr(provisioner, "process", None), "pid", None)
        return pid if isinstance(pid, int) else None

    @staticmethod
    def exit_code(km: Any) -> int | None:
        """The dead kernel process's return code (the restarter has polled it already)."""
        provisioner = getattr(km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        code = getattr(process, "returncode", None)
        if code is None and process is not None:
            try:
                code = process.poll()
            except Exception:
                code = None
        return code if isinstance(code, int) else None

    def sample_kernel(self, kernel_id: str, km: Any = None) -> MemorySample | None:
        km = km if km is not None else self._kernel(kernel_id)
        pid = self.kernel_pid(km) if km is not None else None
        if pid is None:
            return None
        mem = process_memory(pid, self.proc_root)
        if mem is None:
            return None
        sample = MemorySample(self.clock(), mem.rss_bytes, mem.hwm_bytes)
        self._watch(kernel_id).samples.append(sample)
        return sample

    # -- kernel manager hooks -------------------------------------------------------------------

    def install(self) -> None:
        """Observe start/shutdown/restart on the server's kernel manager (instance wrappers)."""
        km = self.kernel_manager
        if km is None or self._originals:
            return
        for name, wrapper in (
            ("start_kernel", self._wrap_start),
            ("shutdown_kernel", self._wrap_user_action),
            ("restart_kernel", self._wrap_user_action),
            ("shutdown_all", self._wrap_shutdown_all),
        ):
            original = getattr(km, name, None)
            if original is None:
                continue
            self._originals[name] = original
            setattr(km, name, wrapper(original))

    def uninstall(self) -> None:
        km = self.kernel_manager
        for name in list(self._originals):
            with contextlib.suppress(AttributeError):
                delattr(km, name)  # back to the class attribute
            del self._originals[name]

    def _wrap_start(self, original: Callable[..., Any]) -> Callable[..., Any]:
        async def start_kernel(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            if isinstance(result, str):
                self._safely(self.attach, result)
            return result

        return start_kernel

    def _wrap_user_action(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def action(*args: Any, **kwargs: Any) -> Any:
            kernel_id = kwargs.get("kernel_id", args[0] if args else None)
            kid = str(kernel_id) if kernel_id is not None else None
            if kid:
                self._busy[kid] = self._busy.get(kid, 0) + 1
            try:
                result = original(*args, **kwargs)
            except BaseException:
                self._end_user_action(kid)
                raise
            if not inspect.isawaitable(result):
                self._end_user_action(kid)
                return result

            async def finish() -> Any:
                try:
                    return await result
                finally:
                    self._end_user_action(kid)

            return finish()

        return action

    def _end_user_action(self, kid: str | None) -> None:
        if not kid:
            return
        self._busy[kid] = max(0, self._busy.get(kid, 1) - 1)
        self._user_action_at[kid] = self.clock()

    def _wrap_shutdown_all(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def shutdown_all(*args: Any, **kwargs: Any) -> Any:
            # The server is stopping: every kernel goes away on purpose; stop watching first.
            self.stop_now()
            result = original(*args, **kwargs)
            if not inspect.isawaitable(result):
                return result

            async def finish() -> Any:
                await self.stop()  # let the cancelled sampler finish before the loop closes
                return await result

            return finish()

        return shutdown_all

    def user_acted(self, kernel_id: str) -> bool:
        """Did the user (or the culler) shut down / restart this kernel just now?"""
        if self._busy.get(kernel_id):
            return True
        at = self._user_action_at.get(kernel_id)
        return at is not None and self.clock() - at < USER_ACTION_GRACE

    def attach(self, kernel_id: str) -> bool:
        """Register our restarter callbacks on a kernel (once per restarter)."""
        km = self._kernel(kernel_id)
        restarter = getattr(km, "_restarter", None) if km is not None else None
        if restarter is None or not hasattr(km, "add_restart_callback"):
            return False  # not started yet (pending) or autorestart off: next sample retries
        watch = self._watch(kernel_id)
        if watch.attached_to == id(restarter):
            return True
        for event in ("restart", "dead"):

            def callback(event: str = event) -> None:
                self._safely(self.kernel_died, kernel_id, event == "restart")

            km.add_restart_callback(callback, event)
            watch.callbacks.append((callback, event))
        watch.attached_to = id(restarter)
        self.sample_kernel(kernel_id, km)
        return True

    # -- deaths -------------------------------------------------------------------------------

    def kernel_died(self, kernel_id: str, restarted: bool) -> DeathFacts | None:
        """Restarter callback: gather the facts now (before the restart), record soon."""
        if self.stopping:
            return None
        km = self._kernel(kernel_id)
        if self.user_acted(kernel_id) or getattr(km, "shutting_down", False):
            log.debug("jupyter-itbridge: kernel %s stopped by the user; no incident", kernel_id)
            return None
        code = self.exit_code(km)
        if code == 0:
            # A clean exit (``exit()`` in a cell, or the kernel asked to shut down): not a failure.
            return None
        watch = self._watch(kernel_id)
        now = self.clock()
        if now - watch.last_incident_at < REPEAT_WINDOW:
            return None  # crash loop: the first death of the streak is the incident
        watch.last_incident_at = now
        snap = self.snapshot()
        baseline = watch.oom_baseline
        if self.oom_claimed is not None and baseline is not None:
            baseline = max(baseline, self.oom_claimed)
        delta = oom_delta(baseline, snap.oom_kill_count)
        if delta and code is not None and code < 0:
            self.oom_claimed = snap.oom_kill_count
        watch.oom_baseline = snap.oom_kill_count
        facts = DeathFacts(
            kernel_id=kernel_id,
            exit_code=code,
            restarted=restarted,
            samples=tuple(watch.samples),
            limit_bytes=snap.limit_bytes,
            limit_source=snap.source,
            oom_kill_delta=delta,
            cgroup_usage_bytes=snap.usage_bytes,
            cgroup_peak_bytes=snap.peak_bytes,
            notebook_path=watch.notebook_path,
            kernel_name=getattr(km, "kernel_name", None),
        )
        watch.samples.clear()  # the next process starts from scratch
        self._spawn(self._record_death(facts))
        return facts

    async def _record_death(self, facts: DeathFacts) -> dict[str, Any] | None:
        path = facts.notebook_path or await self.notebook_path(facts.kernel_id)
        if path and path != facts.notebook_path:
            facts = DeathFacts(**{**facts.__dict__, "notebook_path": path})
        details = kernel_death_details(facts, self.rss_fraction)
        log.warning("jupyter-itbridge: kernel %s: %s", facts.kernel_id, details["message"])
        return self.record("kernel_died", facts.kernel_id, path, details)

    def record(
        self, kind: str, kernel_id: str | None, notebook_path: str | None, details: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Store the incident (redacted by the service) and announce it."""
        if self.service is None:
            log.warning("jupyter-itbridge: no request service; incident not stored: %s", details)
            return None
        incident = self.service.record_incident(
            self.owner,
            kind,
            kernel_id=kernel_id,
            notebook_path=notebook_path,
            details=details,
        )
        self.incidents_recorded += 1
        if self.events is not None:
            self.events.emit_incident(incident)
        return incident

    async def notebook_path(self, kernel_id: str) -> str | None:
        """The session path (notebook) of a kernel, if a session uses it."""
        sm = self.session_manager
        if sm is None:
            return None
        try:
            session = await sm.get_session(kernel_id=kernel_id)
        except Exception:
            return None
        path = session.get("path") if isinstance(session, dict) else None
        return path if isinstance(path, str) and path else None

    async def refresh_paths(self) -> None:
        sm = self.session_manager
        if sm is None:
            return
        try:
            sessions = await sm.list_sessions()
        except Exception:
            return
        for session in sessions:
            kid = (session.get("kernel") or {}).get("id")
            if kid in self.kernels and session.get("path"):
                self.kernels[kid].notebook_path = session["path"]

    # -- memory -------------------------------------------------------------------------------

    async def sample_once(self) -> dict[str, Any] | None:
        """One round: attach to new kernels, sample them, check memory pressure."""
        km = self.kernel_manager
        live: list[str] = []
        if km is not None:
            try:
                live = list(km.list_kernel_ids())
            except Exception:
                live = []
        snap = self.snapshot()
        for kid in live:
            self._safely(self.attach, kid)
            self._safely(self.sample_kernel, kid)
        for kid in list(self.kernels):
            if kid not in live:
                del self.kernels[kid]
        self._settle_oom(snap.oom_kill_count)
        now = self.clock()
        for kid, at in list(self._user_action_at.items()):
            if now - at > USER_ACTION_GRACE and not self._busy.get(kid):
                del self._user_action_at[kid]
                self._busy.pop(kid, None)
        await self.refresh_paths()
        return self.check_pressure(snap)

    def _settle_oom(self, count: int | None) -> None:
        """Move kernels' oom baselines past counter rises no kernel death claimed in time."""
        seen, since = self._oom_seen
        now = self.clock()
        if count != seen:
            self._oom_seen = (count, now)
            return
        if count is None or now - since < OOM_SETTLE:
            return
        for watch in self.kernels.values():
            if watch.oom_baseline is None or watch.oom_baseline < count:
                watch.oom_baseline = count

    def kernel_usage(self) -> list[dict[str, Any]]:
        """Each kernel's last resident memory, biggest first."""
        out = []
        for kid, watch in self.kernels.items():
            if watch.samples:
                out.append(
                    {
                        "kernel_id": kid,
                        "notebook_path": watch.notebook_path,
                        "rss_bytes": watch.samples[-1].rss_bytes,
                    }
                )
        return sorted(out, key=lambda k: k["rss_bytes"], reverse=True)

    def check_pressure(self, snap: MemorySnapshot) -> dict[str, Any] | None:
        """Record one memory-pressure incident per crossing of the threshold."""
        kernels = self.kernel_usage()
        usage = snap.usage_bytes
        if usage is None and snap.limit_bytes and kernels:
            usage = sum(k["rss_bytes"] for k in kernels)  # MEM_LIMIT without a cgroup
        if not self.pressure.update(usage, snap.limit_bytes):
            return None
        assert usage is not None and snap.limit_bytes
        details = pressure_details(
            usage_bytes=usage,
            limit_bytes=snap.limit_bytes,
            threshold=self.pressure.threshold,
            source=snap.source,
            kernels=kernels,
        )
        top = kernels[0] if kernels else {}
        log.warning("jupyter-itbridge: %s", details["message"])
        return self.record(
            "memory_pressure", top.get("kernel_id"), top.get("notebook_path"), details
        )

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self) -> None:
        while not self.stopping:
            try:
                await self.sample_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("jupyter-itbridge: memory watcher round failed")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Start the sampling task on the running loop."""
        if self._task is not None and not self._task.done():
            return
        self.stopping = False
        self._task = asyncio.get_running_loop().create_task(self.run(), name="itbridge-watch")

    def stop_now(self) -> None:
        """Stop watching (synchronous: called as the server shuts all kernels down)."""
        self.stopping = True
        if self._task is not None:
            self._task.cancel()

    async def stop(self) -> None:
        """Stop sampling and let incidents being recorded finish (bounded wait)."""
        self.stop_now()
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for pending in list(self._pending):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(pending, 5)

    def _spawn(self, coro: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:
            coro.close()
            return
        self._pending.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("jupyter-itbridge: recording an incident failed", exc_info=task.exception())

    @staticmethod
    def _safely(func: Callable[..., Any], *args: Any) -> Any:
        try:
            return func(*args)
        except Exception:
            log.exception(
                "jupyter-itbridge: watcher step %s failed", getattr(func, "__name__", func)
            )
            return None


def setup_watchers(app: Any, serverapp: Any) -> Watchers | None:
    """Build the watchers from ``c.ITBridge.*`` and hook the kernel manager.

    The caller starts sampling (``watchers.start``) once the server's event loop runs.
    """
    cfg = app.config
    if not getattr(cfg, "watchers_enabled", True):
        return None
    threshold = cfg.memory_pressure_threshold
    if not 0 < threshold <= 1:
        serverapp.log.error(
            "jupyter-itbridge: ITBridge.memory_pressure_threshold=%r is not in (0, 1]; using 0.9",
            threshold,
        )
        threshold = 0.9
    try:
        watchers = Watchers(
            kernel_manager=getattr(serverapp, "kernel_manager", None),
            session_manager=getattr(serverapp, "session_manager", None),
            service=getattr(app, "service", None),
            events=getattr(app, "events", None),
            owner=app.owner,
            interval=cfg.watch_interval,
            threshold=threshold,
            rearm=cfg.memory_pressure_rearm,
            max_samples=cfg.kernel_memory_samples,
            rss_fraction=cfg.oom_rss_fraction,
            cgroup_root=cfg.cgroup_root,
        )
        watchers.install()
    except Exception:
        serverapp.log.exception("jupyter-itbridge: watchers not started")
        return None
    app.watchers = watchers
    snap = watchers.snapshot()
    serverapp.log.info(
        "jupyter-itbridge: watching kernels; memory limit %s (source %s)",
        snap.limit_bytes,
        snap.source,
    )
    return watchers
