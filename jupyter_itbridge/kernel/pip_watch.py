"""``%pip`` failures: pip prints its errors and the magic raises nothing, so watch the output.

IPython's ``%pip`` runs ``python -m pip ...`` through ``shell.system``, which streams the child's
output to ``sys.stdout`` as it arrives. We re-register ``pip`` as a thin wrapper around the
original magic that swaps ``sys.stdout``/``sys.stderr`` for a tee for the duration of the call:
the user still sees every line live, and we keep a bounded copy. When pip failed (non-zero
``_exit_code`` or an ``ERROR:`` line) the copy goes to ``detect.diagnose_output``. The original
magic is restored on unload.
"""

from __future__ import annotations

import sys
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
        captured: list[str] = []
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Tee(out, captured), _Tee(err, captured)
        exit_code: Any = None
        try:
            return original(line)
        finally:
            sys.stdout, sys.stderr = out, err
            try:
                exit_code = ipython.user_ns.get("_exit_code")
                text = "".join(captured)[-MAX_CAPTURE:]
                if (exit_code not in (0, None)) or "ERROR:" in text:
                    bridge.handle_output(f"$ pip {line}\n{text}", source=f"%pip {line}")
            except Exception as error:  # never make %pip worse
                bridge.last_internal_error = f"%pip watch: {type(error).__name__}: {error}"

    pip.__doc__ = getattr(original, "__doc__", None)
    pip.__wrapped__ = original  # type: ignore[attr-defined]
    ipython.register_magic_function(pip, "line", "pip")
    return original


def unwrap_pip(ipython: Any, original: Any) -> None:
    if original is None:
        return
    ipython.magics_manager.magics.setdefault("line", {})["pip"] = original
