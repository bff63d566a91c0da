"""Detection: an error in, findings out. Pure (no Jupyter imports, no network I/O).

The entry points import the engine lazily, so ``import jupyter_itbridge.detect`` (and the
blocked-import finder that uses :mod:`.names`) costs nothing at kernel start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jupyter_itbridge.findings import Finding
    from jupyter_itbridge.policy import ITBridgePolicy

__all__ = ["diagnose", "diagnose_output", "diagnose_text"]


def diagnose(exc: BaseException, policy: ITBridgePolicy | None = None) -> list[Finding]:
    """Findings for a live exception (its ``__cause__``/``__context__`` chain included),
    deduplicated by fingerprint, most confident and most specific first."""
    from .engine import diagnose as _diagnose

    return _diagnose(exc, policy)


def diagnose_text(
    ename: str,
    evalue: str,
    traceback: list[str] | str | None = None,
    policy: ITBridgePolicy | None = None,
) -> list[Finding]:
    """Findings for an error as published on IOPub (bare class name, message, ANSI traceback)."""
    from .engine import diagnose_text as _diagnose_text

    return _diagnose_text(ename, evalue, traceback, policy)


def diagnose_output(text: str, policy: ITBridgePolicy | None = None) -> list[Finding]:
    """Findings in stream output, e.g. ``%pip install`` errors (pip prints, it does not raise)."""
    from .engine import diagnose_output as _diagnose_output

    return _diagnose_output(text, policy)
