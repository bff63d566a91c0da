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
_PIP_COMMAND = re.compile(
    r"^\s*(?:(?:\S*/)?pip[\d.]*|\S+\s+-m\s+pip)\s+(?:\S+\s+)*?(?:install|download|wheel)\b"
)


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
        watched = isinstance(cmd, str) and _PIP_COMMAND.match(cmd) is not None
        if not watched or bridge.in_pip_magic:
            return original(cmd, *args, **kwargs)
        run = lambda: original(cmd, *args, **kwargs)  # noqa: E731
        return _watched(ipython, bridge, f"!{cmd}", cmd, run)

    system.__wrapped__ = original  # type: ignore[attr-defined]
    ipython.system = system
    return original


def unwrap_system(ipython: Any, original: Any) -> None:
    if original is not None and getattr(ipython, "system", None) is not original:
        ipython.system = original


def wrap_pip(ipython: Any, bridge: Any) -> Any:
    """Replace the ``pip`` line magic with a watching wrapper; returns the original."""
    magics = ipython.magics_manager.magics.get("line", {})
    original = magics.get("pip")
    if original is None:
        return None
    resolve = getattr(type(original), "_resolve", None)
    if resolve is not None:
        # IPython 9 keeps a lazy placeholder that looks the magic up again when called (it
        # would find this wrapper and recurse): load the real one now (about 0.5 ms).
        original = resolve(original)

    def pip(line: str) -> Any:
        bridge.in_pip_magic = True  # %pip calls shell.system: watched once, here
        try:
            return _watched(ipython, bridge, f"%pip {line}", f"pip {line}", lambda: original(line))
        finally:
            bridge.in_pip_magic = False

    pip.__doc__ = getattr(original, "__doc__", None)
    pip.__wrapped__ = original  # type: ignore[attr-defined]
    ipython.register_magic_function(pip, "line", "pip")
    return original


def unwrap_pip(ipython: Any, original: Any) -> None:
    if original is None:
        return
    ipython.magics_manager.magics.setdefault("line", {})["pip"] = original
