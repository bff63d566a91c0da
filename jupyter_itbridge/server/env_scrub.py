"""Keep ticket-system secrets out of every kernel (and terminal) a Jupyter server starts.

Why: backends read their credentials from ``ITBRIDGE_*`` environment variables of the server
(``ITBRIDGE_RT_TOKEN``, ``ITBRIDGE_SNOW_PASSWORD`` ...). Kernels inherit the server's
environment, so before this module every such secret was one ``os.environ`` away in any
notebook. Two layers:

1. ``read_backend_secrets`` forces the backend's env-var trait defaults to be read, then
   ``scrub_process_environment`` removes the ``ITBRIDGE_*`` names from the server's own
   ``os.environ``: every child started later (kernels, terminals, ``!cmd``) inherits nothing.
2. ``KernelEnvScrub`` wraps the kernel manager's ``start_kernel`` and ``update_env`` (the two
   places jupyter_server hands a kernel its environment: launch, and the session rename that
   re-applies ``{**os.environ, ...}``) so a secret set after start-up or passed in an explicit
   ``env`` never reaches a kernel either. The kernel's own ``JUPYTER_ITBRIDGE_URL`` and
   ``JUPYTER_ITBRIDGE_TOKEN`` are kept: they start with ``JUPYTER_``.

This does not make a single-user server on JupyterHub safe: the user owns that process and can
read its ``/proc/<pid>/environ``. There the secret belongs on the relay only (docs/hub.md).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from ..contract import SECRET_ENV_PREFIX


def is_scrubbed(name: str) -> bool:
    """True for the variable names no kernel may inherit (``ITBRIDGE_*``, any case)."""
    return name.upper().startswith(SECRET_ENV_PREFIX)


def scrubbed(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``env`` without the secret names."""
    return {k: v for k, v in env.items() if not is_scrubbed(k)}


def read_backend_secrets(configurable: Any) -> None:
    """Evaluate every config trait of ``configurable`` now, while the environment still holds
    the secrets (their defaults are read from ``os.environ`` lazily, on first access)."""
    names = getattr(configurable, "trait_names", None)
    if not callable(names):
        return
    for name in names(config=True):
        try:
            getattr(configurable, name)
        except Exception:  # a trait that cannot be read now cannot be read later either
            continue


def scrub_process_environment(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Remove the secret names from this process's environment; returns the names removed."""
    env = os.environ if environ is None else environ
    removed = sorted(k for k in env if is_scrubbed(k))
    for name in removed:
        env.pop(name, None)
    return removed


class KernelEnvScrub:
    """Instance wrappers (never the class) on a kernel manager's ``start_kernel`` and
    ``update_env``: the environment a kernel gets never holds a secret name."""

    def __init__(self, kernel_manager: Any) -> None:
        self.kernel_manager = kernel_manager
        self.installed = False

    def install(self) -> None:
        km = self.kernel_manager
        if km is None or self.installed:
            return
        start = getattr(km, "start_kernel", None)
        if start is not None:
            km.start_kernel = self._wrap_start(start)
        update = getattr(km, "update_env", None)
        if update is not None:
            km.update_env = self._wrap_update(update)
        self.installed = True

    @staticmethod
    def _wrap_start(original: Callable[..., Any]) -> Callable[..., Any]:
        async def start_kernel(*args: Any, **kwargs: Any) -> Any:
            # No ``env``: jupyter_client would copy os.environ at launch (and on restart).
            kwargs["env"] = scrubbed(kwargs.get("env") or os.environ)
            result = original(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result

        return start_kernel

    @staticmethod
    def _wrap_update(original: Callable[..., Any]) -> Callable[..., Any]:
        def update_env(*args: Any, **kwargs: Any) -> Any:
            if isinstance(kwargs.get("env"), Mapping):
                kwargs["env"] = scrubbed(kwargs["env"])
            return original(*args, **kwargs)

        return update_env
