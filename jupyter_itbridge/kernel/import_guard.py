"""A ``sys.meta_path`` finder that explains blocked packages at import time.

Guidance, not enforcement: the package index is the real gate, and ``uninstall()`` (or editing
``sys.meta_path``) removes the finder. It sits at position 0 so a blocked package is explained
even when it happens to be installed, and it costs one set lookup per *new* import: any name
that is not blocked returns ``None`` at once and the normal finders carry on.
"""

from __future__ import annotations

import linecache
import sys
from typing import Any

__all__ = ["BlockedImportError", "BlockedImportFinder", "install", "installed", "uninstall"]


class BlockedImportError(ModuleNotFoundError):
    """Import of a package the organisation's policy blocks; carries the policy's reason."""

    def __init__(
        self,
        module: str,
        distribution: str,
        reason: str = "",
        alternative: str = "",
    ) -> None:
        text = f"import of '{module}' is blocked by policy (package '{distribution}')"
        if reason:
            text += f": {reason.rstrip('.')}."
        if alternative:
            text += f" Approved alternative: '{alternative}'."
        super().__init__(text, name=module)
        self.distribution = distribution
        self.reason = reason
        self.alternative = alternative

    @classmethod
    def for_entry(cls, module: str, entry: dict[str, str]) -> BlockedImportError:
        return cls(module, entry["package"], entry.get("reason", ""), entry.get("alternative", ""))


#: The raise shown as the traceback's last frame, with these two lines as its source (kept
#: in ``linecache``, so IPython can show them): an explanation, not the extension's code.
_POLICY_FILE = "<your organisation's package policy>"
_POLICY_SOURCE = (
    "# This package is blocked by your organisation's policy (the reason is below).\nraise error\n"
)
_RAISE = compile(_POLICY_SOURCE, _POLICY_FILE, "exec")
linecache.cache[_POLICY_FILE] = (
    len(_POLICY_SOURCE),
    None,  # no mtime: linecache.checkcache keeps the entry
    _POLICY_SOURCE.splitlines(keepends=True),
    _POLICY_FILE,
)


class BlockedImportFinder:
    """Raises :class:`BlockedImportError` for blocked import names; ignores everything else."""

    def __init__(self, blocked: dict[str, dict[str, str]]) -> None:
        # import name (top-level or dotted) -> {"package", "reason", "alternative"}
        self._blocked = blocked
        self._names = frozenset(blocked)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        """None for every name but a blocked one (one set lookup: imports stay as fast).

        The traceback must not show this module's source (it read as if the extension had
        crashed): IPython hides a frame with ``__tracebackhide__`` unless it is the last one,
        so the raise itself happens in a one-line code object named after the policy.
        """
        if fullname not in self._names:
            return None
        __tracebackhide__ = True
        exec(_RAISE, {"error": BlockedImportError.for_entry(fullname, self._blocked[fullname])})

    def invalidate_caches(self) -> None:  # part of the finder protocol; nothing cached
        return None

    @property
    def names(self) -> frozenset[str]:
        return self._names


def blocked_import_names(policy: Any) -> dict[str, dict[str, str]]:
    """Import name -> policy entry, for every blocked distribution in ``policy``."""
    out: dict[str, dict[str, str]] = {}
    if not policy.blocked_packages:  # the common case needs no name table (~0.6 ms to load)
        return out
    from jupyter_itbridge.detect.names import import_names_for

    overrides = dict(policy.import_name_overrides or {})
    for dist in policy.blocked_packages:
        entry = policy.blocked_entry(dist)
        if entry is None:
            continue
        for name in import_names_for(dist, overrides):
            out[name] = entry
    return out


def installed() -> BlockedImportFinder | None:
    for finder in sys.meta_path:
        if isinstance(finder, BlockedImportFinder):
            return finder
    return None


def uninstall() -> None:
    """Remove every finder this module installed."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, BlockedImportFinder)]


def install(policy: Any) -> BlockedImportFinder | None:
    """Install (or replace) the finder for ``policy``; no blocked packages -> no finder at all.

    Already-imported blocked modules are left alone: the finder only sees new imports.
    """
    uninstall()
    blocked = blocked_import_names(policy)
    if not blocked:
        return None
    finder = BlockedImportFinder(blocked)
    sys.meta_path.insert(0, finder)
    return finder
