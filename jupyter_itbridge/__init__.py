"""jupyter-itbridge: turn environment failures in notebooks into precise, safe requests to IT.

This top-level module stays import-light: the kernel imports it at start-up, so everything heavy
(ipywidgets, requests, the signature catalog, the server) is imported lazily.
"""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0.dev0"


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
