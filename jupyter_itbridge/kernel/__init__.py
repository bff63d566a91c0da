"""The IPython extension: watches cells for environment failures and shows a request card.

Kept import-light: only IPython is touched at load time; detection, widgets and HTTP are
imported on the first failing cell.
"""

from __future__ import annotations

from typing import Any

_bridge: Any = None


def load_ipython_extension(ipython: Any) -> None:
    global _bridge
    if _bridge is not None:
        return
    from .hook import KernelBridge

    _bridge = KernelBridge(ipython)
    _bridge.register()


def unload_ipython_extension(ipython: Any) -> None:
    global _bridge
    if _bridge is not None:
        _bridge.unregister()
        _bridge = None


def is_loaded() -> bool:
    """True when the extension is active in this kernel (used by tests and ``%itbridge``)."""
    return _bridge is not None


def bridge() -> Any:
    return _bridge


def last_card() -> Any:
    """The most recent card shown in this kernel (scripts and tests click its buttons)."""
    if _bridge is None or not _bridge.cards:
        return None
    return _bridge.cards[-1]
