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
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..jsontypes import IncidentJSON
from ..limits import (
    DEFAULT_CGROUP_ROOT,
    MemorySnapshot,
    memory_snapshot,
    process_memory,
)
from .events import ITBridgeEvents
from .incident_rules import (
    DeathFacts,
    MemorySample,
    PressureTracker,
    kernel_death_details,
    oom_delta,
    pressure_details,
)
from .kernel_hooks import KernelHooks, exit_code, kernel_pid
from .service import RequestService

log = logging.getLogger("jupyter_itbridge.watchers")

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
        service: RequestService | None = None,
        events: ITBridgeEvents | None = None,
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
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self.hooks = KernelHooks(
            kernel_manager,
            lambda: self.clock(),
            on_start=lambda kernel_id: self._safely(self.attach, kernel_id),
            stop_now=self.stop_now,
            stop=self.stop,
        )

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

    def sample_kernel(self, kernel_id: str, km: Any = None) -> MemorySample | None:
        km = km if km is not None else self._kernel(kernel_id)
        pid = kernel_pid(km) if km is not None else None
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
        self.hooks.install()

    def uninstall(self) -> None:
        self.hooks.uninstall()

    def user_acted(self, kernel_id: str) -> bool:
        """Did the user (or the culler) shut down / restart this kernel just now?"""
        return self.hooks.user_acted(kernel_id)

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
        code = exit_code(km)
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

    async def _record_death(self, facts: DeathFacts) -> IncidentJSON | None:
        path = facts.notebook_path or await self.notebook_path(facts.kernel_id)
        if path and path != facts.notebook_path:
            facts = DeathFacts(**{**facts.__dict__, "notebook_path": path})
        details = kernel_death_details(facts, self.rss_fraction)
        log.warning("jupyter-itbridge: kernel %s: %s", facts.kernel_id, details["message"])
        return self.record("kernel_died", facts.kernel_id, path, details)

    def record(
        self, kind: str, kernel_id: str | None, notebook_path: str | None, details: dict[str, Any]
    ) -> IncidentJSON | None:
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

    async def sample_once(self) -> IncidentJSON | None:
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
        self.hooks.forget_old_actions()
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

    def check_pressure(self, snap: MemorySnapshot) -> IncidentJSON | None:
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
