"""Detection: an error in, findings out. Pure (no Jupyter imports, no network I/O).

The entry points live in :mod:`.engine` and are loaded on first access (PEP 562), so
``import jupyter_itbridge.detect`` (and the blocked-import finder that uses :mod:`.names`)
costs nothing at kernel start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import diagnose, diagnose_output, diagnose_text
    from .r import diagnose_r

__all__ = ["diagnose", "diagnose_output", "diagnose_r", "diagnose_text"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import engine, r

    value = getattr(r if name == "diagnose_r" else engine, name)
    globals()[name] = value  # later look-ups skip this hook
    return value
