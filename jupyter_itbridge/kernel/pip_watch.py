"""``%pip`` failures: pip prints its errors and the magic raises nothing, so watch the output.

IPython's ``%pip`` runs ``python -m pip ...`` through ``shell.system``, which streams the child's
output to ``sys.stdout`` as it arrives. We re-register ``pip`` as a thin wrapper around the
original magic that swaps ``sys.stdout``/``sys.stderr`` for a tee for the duration of the call:
the user still sees every line live, and we keep a bounded copy. When pip failed (non-zero
``_exit_code`` or an ``ERROR:`` line) the copy goes to ``detect.diagnose_output``. The original
magic is restored on unload.

``!pip install ...`` (a shell escape) goes through the same ``shell.system``; the instance's
``system`` is wrapped too, and only commands that run pip are teed (one regex match otherwise).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from typing import Any

#: Keep at most this much of pip's output (the errors are at the end).
MAX_CAPTURE = 64 * 1024


class _Tee:
    """A write-through stream that keeps the tail of what passed through it."""

    def __init__(self, inner: Any, sink: list[str]) -> None:
        self._inner = inner
        self._sink = sink

    def write(self, text: str) -> int:
        if isinstance(text, str):
            self._sink.append(text)
            if len(self._sink) > 4096:
                joined = "".join(self._sink)[-MAX_CAPTURE:]
                self._sink[:] = [joined]
        return self._inner.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


#: ``pip install``, ``pip3.11 download``, ``/opt/py/bin/pip wheel``, ``python -m pip install``,
#: ``{sys.executable} -m pip install`` (IPython expands ``{...}`` later, inside ``system``).
PIP_COMMAND = (
    r"^\s*(?:(?:\S*/)?pip[\d.]*|\S+\s+-m\s+pip)\s+(?:\S+\s+)*?(?:install|download|wheel)\b"
)


@functools.cache
def _pip_command() -> re.Pattern[str]:
    """Compiled on the first shell command that mentions pip, not at kernel start (~0.4 ms)."""
    return re.compile(PIP_COMMAND)


def runs_pip(command: object) -> bool:
    """True for a shell command that installs/downloads with pip (a substring test first)."""
    return isinstance(command, str) and "pip" in command and bool(_pip_command().match(command))


def _watched(ipython: Any, bridge: Any, label: str, command: str, run: Callable[[], Any]) -> Any:
    """Run pip with stdout/stderr teed; diagnose the captured text when pip failed."""
    captured: list[str] = []
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(out, captured), _Tee(err, captured)
    try:
        return run()
    finally:
        sys.stdout, sys.stderr = out, err
        try:
            exit_code = ipython.user_ns.get("_exit_code")
            text = "".join(captured)[-MAX_CAPTURE:]
            if (exit_code not in (0, None)) or "ERROR:" in text:
                bridge.handle_output(f"$ {command}\n{text}", source=label)
        except Exception as error:  # never make pip worse
            bridge.last_internal_error = f"pip watch: {type(error).__name__}: {error}"


def wrap_system(ipython: Any, bridge: Any) -> Callable[..., Any] | None:
    """Watch ``!pip ...`` shell escapes; returns the original ``system`` (for unwrapping)."""
    original = getattr(ipython, "system", None)
    if original is None:
        return None

    def system(cmd: str, *args: Any, **kwargs: Any) -> Any:
        if bridge.in_pip_magic or not runs_pip(cmd):
            return original(cmd, *args, **kwargs)
        run = lambda: original(cmd, *args, **kwargs)  # noqa: E731
        return _watched(ipython, bridge, f"!{cmd}", cmd, run)

    system.__wrapped__ = original  # type: ignore[attr-defined]
    ipython.system = system
    return original


def unwrap_system(ipython: Any, original: Any) -> None:
    if original is not None and getattr(ipython, "system", None) is not original:
        ipython.system = original


class WatchedPip:
    """The ``pip`` line magic: IPython's own, with its output watched.

    IPython 9 registers ``%pip`` as a lazy placeholder that imports its packaging magics on
    first use; resolving it at load cost ~1 ms of every kernel start, so it is resolved on the
    first ``%pip`` (or ``%pip?``). IPython 8 registers the real method: nothing to resolve.
    """

    def __init__(self, ipython: Any, bridge: Any, original: Any) -> None:
        self._ipython = ipython
        self._bridge = bridge
        self.original = original  # what ``unwrap_pip`` puts back if pip was never used
        self._real: Any = None if _is_lazy(original) else original

    def real(self) -> Any:
        """IPython's ``%pip`` itself, loaded on the first call."""
        if self._real is None:
            # The placeholder looks "pip" up by name in the magics table: let it find itself
            # there (not this wrapper, which would recurse), then take the table back.
            table = self._ipython.magics_manager.magics["line"]
            table["pip"] = self.original
            try:
                self._real = type(self.original)._resolve(self.original)
            finally:
                table["pip"] = self
        return self._real

    @property
    def __wrapped__(self) -> Any:
        return self.real()

    @property  # ``%pip?`` shows IPython's help for %pip
    def __doc__(self) -> str | None:  # type: ignore[override]
        return getattr(self.real(), "__doc__", None)

    def __call__(self, line: str = "") -> Any:
        real, bridge = self.real(), self._bridge
        bridge.in_pip_magic = True  # %pip calls shell.system: watched once, here
        try:
            run = lambda: real(line)  # noqa: E731
            return _watched(self._ipython, bridge, f"%pip {line}", f"pip {line}", run)
        finally:
            bridge.in_pip_magic = False


def _is_lazy(magic: Any) -> bool:
    return getattr(type(magic), "_resolve", None) is not None


def wrap_pip(ipython: Any, bridge: Any) -> WatchedPip | None:
    """Replace the ``pip`` line magic with a watching wrapper (``None``: no ``%pip`` here)."""
    original = ipython.magics_manager.magics.get("line", {}).get("pip")
    if original is None:
        return None
    wrapper = WatchedPip(ipython, bridge, original)
    ipython.register_magic_function(wrapper, "line", "pip")
    return wrapper


def unwrap_pip(ipython: Any, wrapper: WatchedPip | None) -> None:
    """Put IPython's ``%pip`` back (the resolved magic, or its placeholder if never used)."""
    if wrapper is None:
        return
    original = wrapper._real if wrapper._real is not None else wrapper.original
    ipython.magics_manager.magics.setdefault("line", {})["pip"] = original
