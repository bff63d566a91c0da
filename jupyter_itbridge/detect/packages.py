"""Missing packages, decided on evidence so a typo in the user's own module name stays quiet.

Evidence, strongest first: the policy's ``import_name_overrides`` and the built-in import-name
table (high); the import came from inside an installed library, i.e. a missing dependency
(medium); the name is, or is a near-miss of, a module next to the user's code or an installed /
standard module (low = no card). An unknown name imported by the user's own code is low too:
we cannot tell a missing package from a typo without asking the index, and detection never does
network I/O. A dotted name Python 3 reports missing ('tensorflow.contrib') is a submodule an
installed package no longer has: the user's code to update, no card.
"""

from __future__ import annotations

import difflib
import linecache
import os
import re
import sys
from typing import Any

from jupyter_itbridge.policy import ITBridgePolicy

from .names import DIALECT_TO_DIST, distribution_for
from .record import Hit

_LIBRARY_DIRS = ("site-packages", "dist-packages")


def pip_install_command(dist: str, policy: ITBridgePolicy) -> str:
    """The ``%pip install`` line for ``dist``, from the organisation's index when one is set."""
    index = f"--index-url {policy.package_index_url} " if policy.package_index_url else ""
    return f"%pip install {index}{dist}"


def pip_self_service(dist: str, policy: ITBridgePolicy) -> dict[str, Any] | None:
    """``%pip install`` command when the policy lets users install packages themselves."""
    if policy.install_mode != "self-service":
        return None
    return {"title": f"Install {dist} yourself", "command": pip_install_command(dist, policy)}


def _missing(
    dist: str, policy: ITBridgePolicy, fmt: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "fmt": {"dist": dist, **(fmt or {})},
        "self_service": pip_self_service(dist, policy),
        **extra,
    }
    if out["self_service"] is not None:
        out.setdefault("policy_rule", "install_mode.self-service")
    return out


def _not_a_request(name: str, policy: ITBridgePolicy, module: str, decision: str) -> dict:
    """Low confidence (no card): most likely the user's own typo or a broken install."""
    return _missing(
        name, policy, {"module": module}, confidence="low", evidence={"decision": decision}
    )


def known_module(hit: Hit) -> dict[str, Any] | None:
    """A library told us exactly which module it needs (pandas optional dependencies)."""
    module = hit.groups.get("module") or hit.groups["module2"]
    dist = distribution_for(module, hit.policy.import_name_overrides) or module
    return _missing(dist, hit.policy, evidence={"import_name": module})


def sqlalchemy_dialect(hit: Hit) -> dict[str, Any] | None:
    dialect = hit.groups["dialect"]
    dist = DIALECT_TO_DIST.get(dialect)
    if dist is None or dist == "sqlalchemy":
        # unknown dialect, or an unknown driver of a built-in dialect: most likely a typo
        return _missing(
            dist or dialect,
            hit.policy,
            confidence="low",
            evidence={"dialect": dialect, "decision": "unknown dialect or driver name"},
        )
    return _missing(dist, hit.policy, evidence={"dialect": dialect})


class _KnownNames:
    """Standard-library and installed top-level import names, indexed by length, for the
    "looks like a typo of ..." hint. Built once (reading every installed distribution's
    metadata costs ~0.1 s) and rebuilt only when ``sys.path`` or one of its directories
    changes (``%pip install`` adds a directory entry, which changes the directory's mtime)."""

    def __init__(self) -> None:
        self.state: tuple[tuple[str, int | None], ...] | None = None
        self.by_length: dict[int, list[str]] = {}
        self.hints: dict[str, str | None] = {}

    @staticmethod
    def _path_state() -> tuple[tuple[str, int | None], ...]:
        out: list[tuple[str, int | None]] = []
        for entry in sys.path:
            try:
                out.append((entry, os.stat(entry or ".").st_mtime_ns))
            except OSError:
                out.append((entry, None))
        return tuple(out)

    def _rebuild(self, state: tuple[tuple[str, int | None], ...]) -> None:
        try:
            from importlib.metadata import packages_distributions

            installed = set(packages_distributions())
        except Exception:
            installed = set()
        by_length: dict[int, list[str]] = {}
        for name in set(sys.stdlib_module_names) | installed:
            by_length.setdefault(len(name), []).append(name)
        self.state, self.by_length, self.hints = state, by_length, {}

    def near_miss(self, name: str) -> str | None:
        state = self._path_state()
        if state != self.state:
            self._rebuild(state)
        if name not in self.hints:
            size = len(name)
            pool = [n for k in range(size - 2, size + 3) for n in self.by_length.get(k, ())]
            near = difflib.get_close_matches(name, pool, n=1, cutoff=0.8)
            if len(self.hints) > 512:
                self.hints.clear()
            self.hints[name] = near[0] if near else None
        return self.hints[name]


KNOWN_NAMES = _KnownNames()


_LOCAL_CACHE: dict[str, tuple[int, frozenset[str]]] = {}


def _local_modules(directory: str) -> frozenset[str]:
    """Module names in ``directory`` (cached until the directory changes: one ``stat`` per
    failing import instead of listing a big notebook folder every time)."""
    try:
        mtime = os.stat(directory).st_mtime_ns
    except OSError:
        return frozenset()
    cached = _LOCAL_CACHE.get(directory)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        entries = os.listdir(directory)
    except OSError:
        return frozenset()
    out = set()
    for name in entries[:5000]:
        stem, ext = os.path.splitext(name)
        if ext in (".py", ".pyc", ".ipynb") or (
            not ext and os.path.isdir(os.path.join(directory, name))
        ):
            out.add(stem)
    if len(_LOCAL_CACHE) > 64:
        _LOCAL_CACHE.clear()
    _LOCAL_CACHE[directory] = (mtime, frozenset(out))
    return _LOCAL_CACHE[directory][1]


def _full_import_name(record: Any, module: str) -> str | None:
    """The longer dotted name the code imported, when Python reports only its first missing
    part (namespace packages: ``import google.cloud.bigquery`` -> "No module named
    'google.cloud'"). Read from the failing source lines, never by importing anything."""
    lines: list[str] = [*record.tb_tail, *record.imports]
    tb = getattr(record.exc, "__traceback__", None)
    while tb is not None:
        code = tb.tb_frame.f_code
        lines.append(linecache.getline(code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    name = re.escape(module)
    pattern = re.compile(rf"(?:\b(?:from|import)\s{{1,10}}|^)({name}(?:\.\w{{1,100}}){{1,20}})")
    for line in reversed(lines):
        match = pattern.search(line)
        if match:
            return match.group(1)
    return None


def _importable(top: str) -> bool:
    """Is the top-level package present in this environment? (No import is done.)"""
    if top in sys.modules:
        return True
    try:
        import importlib.util

        return importlib.util.find_spec(top) is not None
    except Exception:  # a finder that raises (e.g. the blocked-import guard) means "no"
        return False


def _in_library(path: str | None) -> bool:
    return path is not None and any(d in path for d in _LIBRARY_DIRS)


def _user_dirs(record: Any) -> list[str]:
    """Folders holding the user's own modules. In the kernel (a live exception) that is the
    working directory and the failing file's folder; from text (the server) only the failing
    file's folder: the server's working directory is not the kernel's."""
    dirs = [os.getcwd()] if record.origin == "exception" else []
    last_file = record.last_file
    if last_file and not _in_library(last_file) and os.path.isabs(last_file):
        parent = os.path.dirname(last_file)
        if parent not in dirs:
            dirs.append(parent)
    return dirs


def _quoted(message: str) -> bool:
    return any(q in message for q in ("'", "\u2018", '"'))


def module_not_found(hit: Hit) -> dict[str, Any] | None:
    record, policy = hit.record, hit.policy
    module = record.module_name or hit.groups["module"]
    top = module.split(".")[0]
    if top in ("__main__", "") or module.startswith("_"):
        return None
    overrides = policy.import_name_overrides
    full = _full_import_name(record, module)
    if full and distribution_for(full, overrides):
        module = full  # `import google.cloud.bigquery` failed at 'google.cloud'
    dist = distribution_for(module, overrides)
    local = frozenset().union(*(_local_modules(d) for d in _user_dirs(record)))
    if top in local:
        return _not_a_request(top, policy, module, f"'{top}' is a module next to your code")
    # Python 3 names the FIRST missing part, so "No module named 'a.b'" means 'a' was
    # imported: an installed package lacks 'b' (removed between versions, like
    # tensorflow.contrib, or a broken install). The user's code to update, not IT's.
    # Namespace packages (google.cloud.bigquery) have their own mapping and pass.
    if (
        "." in module
        and dist == distribution_for(top, overrides)
        and (_quoted(record.message) or (record.origin == "exception" and _importable(top)))
    ):
        decision = f"'{top}' is installed; only '{module}' inside it is missing"
        return _not_a_request(dist or top, policy, module, decision)
    if dist is not None:
        fmt = {
            "module": module,
            "imported_as": f" (imported as '{module}')" if dist != module else "",
        }
        source = (
            "policy override" if module in overrides or top in overrides else "known import name"
        )
        return _missing(dist, policy, fmt, evidence={"import_name": module, "decision": source})
    near_local = difflib.get_close_matches(top, local, n=1, cutoff=0.75)
    if near_local:
        decision = f"looks like a typo of your module '{near_local[0]}'"
        return _not_a_request(top, policy, module, decision)
    if _in_library(record.last_file):
        return _missing(
            top,
            policy,
            {"module": module},
            confidence="medium",
            evidence={"import_name": module, "decision": "imported by an installed library"},
        )
    near = KNOWN_NAMES.near_miss(top)
    decision = f"looks like a typo of '{near}'" if near else "unknown name imported by your code"
    return _not_a_request(top, policy, module, decision)


def pip_requirement(hit: Hit) -> dict[str, Any] | None:
    return _missing(hit.groups["req"], hit.policy)
