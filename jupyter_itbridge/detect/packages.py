"""Missing packages, decided on evidence so a typo in the user's own module name stays quiet.

Evidence, strongest first: the policy's ``import_name_overrides`` and the built-in import-name
table (high); the import came from inside an installed library, i.e. a missing dependency
(medium); the name is, or is a near-miss of, a module next to the user's code or an installed /
standard module (low = no card). An unknown name imported by the user's own code is low too:
we cannot tell a missing package from a typo without asking the index, and detection never does
network I/O.
"""

from __future__ import annotations

import difflib
import functools
import linecache
import os
import re
import sys
from typing import Any

from jupyter_itbridge.policy import ITBridgePolicy

from .engine import Hit
from .names import DIALECT_TO_DIST, distribution_for

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


@functools.lru_cache(maxsize=1)
def _installed_top_levels() -> frozenset[str]:
    """Import names provided by installed distributions (slow once, ~0.1 s; then cached)."""
    try:
        from importlib.metadata import packages_distributions

        return frozenset(packages_distributions())
    except Exception:
        return frozenset()


def _local_modules(directory: str) -> set[str]:
    try:
        entries = os.listdir(directory)
    except OSError:
        return set()
    out = set()
    for name in entries[:5000]:
        stem, ext = os.path.splitext(name)
        if ext in (".py", ".pyc", ".ipynb") or (
            not ext and os.path.isdir(os.path.join(directory, name))
        ):
            out.add(stem)
    return out


def _full_import_name(record: Any, module: str) -> str | None:
    """The longer dotted name the code imported, when Python reports only its first missing
    part (namespace packages: ``import google.cloud.bigquery`` -> "No module named
    'google.cloud'"). Read from the failing source lines, never by importing anything."""
    lines: list[str] = list(record.tb_tail)
    tb = getattr(record.exc, "__traceback__", None)
    while tb is not None:
        code = tb.tb_frame.f_code
        lines.append(linecache.getline(code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    pattern = re.compile(rf"\b(?:from|import)\s+({re.escape(module)}(?:\.\w+)+)")
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
    return bool(path) and any(d in path for d in _LIBRARY_DIRS)


def _user_dirs(last_file: str | None) -> list[str]:
    dirs = [os.getcwd()]
    if last_file and not _in_library(last_file) and os.path.isabs(last_file):
        parent = os.path.dirname(last_file)
        if parent not in dirs:
            dirs.append(parent)
    return dirs


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
    local = set().union(*(_local_modules(d) for d in _user_dirs(record.last_file)))
    if top in local:
        return _not_a_request(top, policy, module, f"'{top}' is a module next to your code")
    if "." in module and dist == distribution_for(top, overrides) and _importable(top):
        # 'numpy' is there but 'numpy.core._multiarray_umath' is not: a broken or mismatched
        # install (or a wrong submodule name), not a package IT must install. No card.
        # Namespace packages (google.cloud.bigquery vs google) have their own mapping: skipped.
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
    known = set(sys.stdlib_module_names) | _installed_top_levels()
    near = difflib.get_close_matches(top, known, n=1, cutoff=0.8)
    decision = f"looks like a typo of '{near[0]}'" if near else "unknown name imported by your code"
    return _not_a_request(top, policy, module, decision)


def pip_requirement(hit: Hit) -> dict[str, Any] | None:
    return _missing(hit.groups["req"], hit.policy)
