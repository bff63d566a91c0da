"""Backend lookup by name: the built-ins plus the ``jupyter_itbridge.backends`` entry points.

The one place that turns ``c.ITBridge.backend`` into a backend: the server, ``doctor`` and the
CLI all call :func:`make_backend`, so they always agree. Built-ins are imported lazily so that
choosing ``local`` never imports ``requests``.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from traitlets.config import Config, Configurable

from .base import Backend

ENTRY_POINT_GROUP = "jupyter_itbridge.backends"

BUILTINS: dict[str, str] = {
    "local": "jupyter_itbridge.backends.local:LocalBackend",
    "rt": "jupyter_itbridge.backends.rt:RTBackend",
    "servicenow": "jupyter_itbridge.backends.servicenow:ServiceNowBackend",
    "jira": "jupyter_itbridge.backends.jira:JiraBackend",
    "github": "jupyter_itbridge.backends.github:GitHubBackend",
    "gitlab": "jupyter_itbridge.backends.gitlab:GitLabBackend",
    "email": "jupyter_itbridge.backends.email:EmailBackend",
    "webhook": "jupyter_itbridge.backends.webhook:WebhookBackend",
    "hub": "jupyter_itbridge.backends.hub:HubBackend",
}


def _load(target: str) -> type[Backend]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def available_backends() -> dict[str, type[Backend]]:
    """Every backend that can be chosen with ``c.ITBridge.backend`` (built-ins win)."""
    found: dict[str, type[Backend]] = {}
    for name, target in BUILTINS.items():
        try:
            found[name] = _load(target)
        except (ImportError, AttributeError):  # e.g. local.py not present in this build
            continue
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found:
            continue
        try:
            cls = ep.load()
        except Exception:  # a broken plugin must not break the built-ins
            continue
        if isinstance(cls, type) and issubclass(cls, Backend):
            found[ep.name] = cls
    return found


def backend_class(name: str) -> type[Backend]:
    """The class ``c.ITBridge.backend`` names: a built-in, an entry point, or ``module:Class``.

    Only that backend is imported (so ``local``, the default, never imports ``requests``); the
    other names are listed only to explain an unknown one. Built-ins win over entry points.
    """
    key = (name or "").strip() or "local"
    if key.lower() in BUILTINS:
        return _load(BUILTINS[key.lower()])  # an ImportError here says what is missing
    cls: Any = None
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=key):
        cls = ep.load()
        break
    else:
        if ":" in key or "." in key:
            module, _, attr = key.replace(":", ".").rpartition(".")
            cls = getattr(importlib.import_module(module), attr)
    if cls is None:
        valid = ", ".join(sorted(available_backends()))
        raise ValueError(
            f"Unknown ticket-system backend {name!r} in c.ITBridge.backend; valid names: "
            f"{valid} (third-party backends register under the {ENTRY_POINT_GROUP!r} "
            "entry point group)."
        )
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise ValueError(f"c.ITBridge.backend = {name!r} does not name a Backend subclass.")
    return cls


def registered_backend_class(name: str) -> type[Backend] | None:
    """The class registered under ``name`` (built-in or entry point), or None; never raises.

    For showing stored requests of a backend that is no longer the configured one: only
    registered names are looked up, never a ``module:Class`` path read back from the store.
    """
    try:
        if name in BUILTINS:
            return _load(BUILTINS[name])
        for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
            cls = ep.load()
            return cls if isinstance(cls, type) and issubclass(cls, Backend) else None
    except Exception:  # a broken plugin must not break listing requests
        return None
    return None


def make_backend(
    name: str, parent: Configurable | None = None, config: Config | None = None, **kw: Any
) -> Backend:
    """Instantiate the backend called ``name`` with traitlets config from ``parent``/``config``."""
    cls = backend_class(name)
    if parent is not None:
        return cls(parent=parent, **kw)
    return cls(config=config, **kw) if config is not None else cls(**kw)
