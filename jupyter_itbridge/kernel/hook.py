"""The ``post_run_cell`` hook: the normal traceback stays, the finding is shown after it.

IPython publishes the traceback inside ``run_cell``; ``post_run_cell`` fires afterwards, so a
display from here lands right under the error. The success path is one attribute read and a
comparison: a cell that does not fail pays nothing measurable. Everything else (policy,
detection, widgets) is loaded on demand, and no error of ours ever reaches the user's cell.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Any

#: Seconds the first cell waits for the policy (fetched in the background at load time).
POLICY_WAIT = 3.0


class ItbridgeMagic:
    """``%itbridge``, registered at load and imported on first use.

    Most kernels never call it, and its module builds an argument parser at import: a stub
    keeps that off every kernel's start. ``%itbridge?`` reads ``__doc__``, so that is lazy too.
    """

    def __init__(self, bridge: KernelBridge) -> None:
        self._bridge = bridge

    def __call__(self, line: str = "") -> None:
        from .magics import itbridge_magic

        itbridge_magic(self._bridge, line)

    @property  # an instance docstring, computed when asked for
    def __doc__(self) -> str | None:  # type: ignore[override]
        from .magics import itbridge

        return itbridge.__doc__


class KernelBridge:
    """Per-kernel state: the hook, findings already shown (once per fingerprint), on/off."""

    def __init__(self, ipython: Any) -> None:
        self.ipython = ipython
        self.enabled = True
        self.shown: set[str] = set()
        #: The card of each fingerprint shown this session: an unsent one is shown again.
        self.cards_by_fingerprint: dict[str, Any] = {}
        self.last_findings: list[Any] = []
        self.last_source = ""
        self.last_internal_error: str | None = None
        self.cards: list[Any] = []
        self._policy: Any = None
        self.policy_origin = ""
        self._policy_thread: threading.Thread | None = None
        self._guard_installed = False
        self._pip_wrapper: Any = None
        self._original_system: Any = None
        self.in_pip_magic = False  # set by the %pip wrapper so its shell.system is not re-watched
        # Seconds, shown by ``%itbridge status``: wall time, and the CPU time of the thread
        # that did the work (``*_cpu``), which other load on the machine barely moves.
        self.timings: dict[str, float] = {}

    # ----------------------------------------------------------------- lifecycle
    def register(self) -> None:
        """Hook in, cheaply: everything not needed before the first cell is deferred.

        On the kernel's main thread this registers two events, the ``%itbridge`` magic (a
        stub: the magic's module and argument parser load on first use) and the ``%pip`` /
        ``!pip`` watchers (IPython's own ``%pip`` is resolved on first use, not here). The
        policy and the import guard are built in a thread, joined by the first cell.
        """
        t0, c0 = time.perf_counter(), time.thread_time()
        events = self.ipython.events
        events.register("post_run_cell", self.post_run_cell)
        events.register("pre_run_cell", self._first_cell)
        from .pip_watch import wrap_pip, wrap_system

        self.ipython.register_magic_function(ItbridgeMagic(self), "line", "itbridge")
        self._pip_wrapper = wrap_pip(self.ipython, self)
        self._original_system = wrap_system(self.ipython, self)
        self._policy_thread = threading.Thread(
            target=self._load_policy, name="itbridge-policy", daemon=True
        )
        self._policy_thread.start()
        self.timings["load"] = time.perf_counter() - t0
        self.timings["load_cpu"] = time.thread_time() - c0

    def unregister(self) -> None:
        for event, func in (
            ("post_run_cell", self.post_run_cell),
            ("pre_run_cell", self._first_cell),
        ):
            with contextlib.suppress(ValueError):
                self.ipython.events.unregister(event, func)
        from .pip_watch import unwrap_pip, unwrap_system

        unwrap_pip(self.ipython, self._pip_wrapper)
        unwrap_system(self.ipython, self._original_system)
        self.ipython.magics_manager.magics.get("line", {}).pop("itbridge", None)
        self._uninstall_guard()

    def _first_cell(self, *_args: Any) -> None:
        """Runs once, before the first cell: make sure the policy and guard are in place."""
        with contextlib.suppress(ValueError):
            self.ipython.events.unregister("pre_run_cell", self._first_cell)
        thread = self._policy_thread
        if thread is not None:
            t0 = time.perf_counter()
            thread.join(POLICY_WAIT)
            self.timings["first_cell_wait"] = time.perf_counter() - t0

    # -------------------------------------------------------------------- policy
    def _load_policy(self) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            from .policy_source import load_policy

            policy, origin = load_policy(lazy=True)
            self.set_policy(policy, origin)
            self.timings["policy"] = time.perf_counter() - t0
            self.timings["policy_cpu"] = time.thread_time() - c0
        except Exception as err:  # never break the kernel over a policy
            self.last_internal_error = f"policy: {type(err).__name__}: {err}"

    @property
    def policy(self) -> Any:
        if self._policy is None:
            thread = self._policy_thread
            if thread is not None and thread.is_alive():
                thread.join(POLICY_WAIT)
            if self._policy is None and self.policy_origin:
                # The config set nothing: the defaults, built now that a failure needs them.
                from ..policy import ITBridgePolicy

                self._policy = ITBridgePolicy()
            if self._policy is None:
                self.reload_policy()
        return self._policy

    def set_policy(self, policy: Any, origin: str) -> None:
        """``policy`` is None when nothing configures it (see ``load_policy(lazy=True)``):
        the defaults block nothing, so there is no import guard to install."""
        self._policy = policy
        self.policy_origin = origin
        if policy is not None:
            self._install_guard(policy)
        else:
            self._uninstall_guard()

    def reload_policy(self) -> Any:
        from .policy_source import load_policy

        self.set_policy(*load_policy())
        return self._policy

    def _install_guard(self, policy: Any) -> None:
        """(Re)build the blocked-import finder; ``install`` replaces any previous one."""
        try:
            from . import import_guard

            import_guard.install(policy)
            self._guard_installed = True
        except Exception as err:
            self.last_internal_error = f"import guard: {type(err).__name__}: {err}"

    def _uninstall_guard(self) -> None:
        if not self._guard_installed:
            return
        from . import import_guard

        import_guard.uninstall()
        self._guard_installed = False

    # ------------------------------------------------------------------ the hook
    def post_run_cell(self, result: Any) -> None:
        """Called by IPython after every cell; cheap unless the cell failed."""
        error = result.error_in_exec
        if error is None or not self.enabled:
            return
        try:
            self.handle_error(error)
        except Exception as err:  # IPython would print "Error in callback": never ours
            self.last_internal_error = f"hook: {type(err).__name__}: {err}"

    def handle_error(self, error: BaseException) -> None:
        """Diagnose a live exception and show new findings; swallow any error of our own."""
        try:
            from ..detect import diagnose

            findings = diagnose(error, self.policy)
        except Exception as err:  # detection must never make a failing cell worse
            self.last_internal_error = f"diagnose: {type(err).__name__}: {err}"
            return
        self.show_findings(findings, source=type(error).__name__)

    def handle_output(self, text: str, source: str) -> None:
        """Diagnose command output (``%pip``) that failed without raising."""
        if not self.enabled:
            return
        try:
            from ..detect import diagnose_output

            findings = diagnose_output(text, self.policy)
        except Exception as err:
            self.last_internal_error = f"diagnose_output: {type(err).__name__}: {err}"
            return
        self.show_findings(findings, source=source)

    def is_shown(self, finding: Any) -> bool:
        """The show rule: high/medium always; low only if the policy asks for it."""
        return finding.shown or bool(getattr(self._policy, "show_low_confidence", False))

    def show_findings(self, findings: list[Any], source: str) -> None:
        """Show a card per finding: once per fingerprint, which PEP 503-normalises package
        names, so ``some_pkg`` (wheel URL) and ``some-pkg`` (requirement) count as one.

        A card neither sent nor dismissed is not "already shown": its draft, with what the
        user typed, is kept for the session and the same card shows again under the cell
        that failed again (re-running a cell clears its old output, card included).
        """
        self.last_findings = list(findings)
        self.last_source = source
        for finding in findings:
            key = finding.fingerprint
            if not self.is_shown(finding):
                continue
            card = self.cards_by_fingerprint.get(key)
            if card is not None:
                if card.state.is_open:
                    self._redisplay(card, finding)
                continue
            if key in self.shown:  # its card could not be built: do not try on every cell
                continue
            self.shown.add(key)
            try:
                from .card import show_card

                card = show_card(finding, self)
            except Exception as err:
                self.last_internal_error = f"card: {type(err).__name__}: {err}"
                print(
                    f"jupyter-itbridge: {finding.title} (the request card failed: {err})",
                    file=sys.stderr,
                )
                continue
            self.cards.append(card)
            self.cards_by_fingerprint[key] = card

    def _redisplay(self, card: Any, finding: Any) -> None:
        try:
            card.redisplay()
        except Exception as err:
            self.last_internal_error = f"card: {type(err).__name__}: {err}"
            print(
                f"jupyter-itbridge: {finding.title} (the request card failed: {err})",
                file=sys.stderr,
            )
