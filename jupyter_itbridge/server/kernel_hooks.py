"""What the watchers learn from the kernel manager: starts, user actions, the dead process.

Why apart from the watchers: a kernel the user (or the culler) shut down or restarted goes
through the kernel manager's ``shutdown_kernel``/``restart_kernel``, and such a stop must never
become an incident. jupyter_server has no hook for "the user did this", so we wrap those
methods on the server's kernel manager instance (never the class) and remember which kernel
was acted on, and when. Reading a kernel's pid and exit code goes through the provisioner,
whose shape differs between jupyter_client versions; that knowledge lives here too.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

#: After a user shutdown/restart finished, a death noticed within this many seconds is theirs.
USER_ACTION_GRACE = 10.0


def kernel_pid(km: Any) -> int | None:
    """The kernel process id, from its provisioner (None while pending or remote)."""
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(provisioner, "pid", None)
    if pid is None:
        pid = getattr(getattr(provisioner, "process", None), "pid", None)
    return pid if isinstance(pid, int) else None


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


class KernelHooks:
    """Instance wrappers on a kernel manager's start/shutdown/restart/shutdown_all.

    ``on_start(kernel_id)`` runs after a kernel started. When the server shuts every kernel
    down, ``stop_now()`` runs first (synchronously) and ``stop()`` is awaited before the
    kernels go, so that no death of that shutdown is taken for an incident.
    """

    def __init__(
        self,
        kernel_manager: Any,
        clock: Callable[[], float],
        on_start: Callable[[str], Any],
        stop_now: Callable[[], None],
        stop: Callable[[], Awaitable[None]],
    ) -> None:
        self.kernel_manager = kernel_manager
        self.clock = clock
        self.on_start = on_start
        self.stop_now = stop_now
        self.stop = stop
        self._busy: dict[str, int] = {}
        self._user_action_at: dict[str, float] = {}
        self._originals: dict[str, Callable[..., Any]] = {}

    def install(self) -> None:
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

    def user_acted(self, kernel_id: str) -> bool:
        """Did the user (or the culler) shut down / restart this kernel just now?"""
        if self._busy.get(kernel_id):
            return True
        at = self._user_action_at.get(kernel_id)
        return at is not None and self.clock() - at < USER_ACTION_GRACE

    def forget_old_actions(self) -> None:
        """Drop user actions older than the grace period (kernels come and go)."""
        now = self.clock()
        for kid, at in list(self._user_action_at.items()):
            if now - at > USER_ACTION_GRACE and not self._busy.get(kid):
                del self._user_action_at[kid]
                self._busy.pop(kid, None)

    def _wrap_start(self, original: Callable[..., Any]) -> Callable[..., Any]:
        async def start_kernel(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            if isinstance(result, str):
                self.on_start(result)
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
