"""The ``post_run_cell`` hook: the normal traceback stays, the finding is shown after it."""

from __future__ import annotations

from typing import Any


class KernelBridge:
    """Per-kernel state: the hook, findings already shown (once per fingerprint), on/off."""

    def __init__(self, ipython: Any) -> None:
        self.ipython = ipython
        self.enabled = True
        self.shown: set[str] = set()
        self.last_findings: list[Any] = []

    def register(self) -> None:
        self.ipython.events.register("post_run_cell", self.post_run_cell)

    def unregister(self) -> None:
        try:
            self.ipython.events.unregister("post_run_cell", self.post_run_cell)
        except ValueError:
            pass

    def post_run_cell(self, result: Any) -> None:
        """Called by IPython after every cell; cheap unless the cell failed."""
        error = getattr(result, "error_in_exec", None)
        if error is None or not self.enabled:
            return
        self.handle_error(error)

    def handle_error(self, error: BaseException) -> None:
        try:
            from ..detect import diagnose
        except ImportError:
            return
        try:
            self.last_findings = diagnose(error)
        except Exception:  # detection must never make a failing cell worse
            self.last_findings = []
