"""jupyter-itbridge: turn environment failures in notebooks into precise, safe requests to IT.

This top-level module stays import-light: every kernel imports it at start-up, so everything
heavy (ipywidgets, requests, the signature catalog, the server) is imported lazily, and so is
``__version__`` (PEP 562): one module fewer on the kernel's start-up path.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        from ._version import __version__ as version
    except ImportError:  # running from a source tree that was never built
        version = "0.0.0.dev0"
    globals()["__version__"] = version  # later look-ups skip this hook
    return version


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-itbridge"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The server extension app, imported only when a Jupyter server asks for it."""
    from .server import _jupyter_server_extension_points as points

    return points()


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_itbridge`` (and the startup loader) end up here."""
    from .kernel import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .kernel import unload_ipython_extension as _unload

    _unload(ipython)
