"""The environment facts a request carries, so IT does not have to ask.

Collected only when a card is built (a failing cell), never at kernel start.
"""

from __future__ import annotations

import os
import sys
from typing import Any

#: Python distributions worth reporting for a driver subject (the client library in use).
DRIVER_PACKAGES: dict[str, tuple[str, ...]] = {
    "oracle-client": ("oracledb", "cx_Oracle"),
    "odbc-driver-manager": ("pyodbc",),
    "libpq": ("psycopg", "psycopg2", "psycopg2-binary"),
    "mysql-client": ("mysqlclient", "PyMySQL"),
    "java-runtime": ("JPype1", "JayDeBeApi"),
    "cuda": ("torch", "tensorflow", "cupy"),
    "kerberos": ("requests-kerberos", "gssapi", "pykerberos"),
}


def notebook_path(user_ns: dict[str, Any] | None = None) -> str | None:
    """The notebook this kernel runs, if the frontend told the kernel (``__session__``)."""
    if user_ns:
        session = user_ns.get("__session__")
        if isinstance(session, str) and session:
            return session
    return os.environ.get("JPY_SESSION_NAME") or None


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except Exception:  # not installed (PackageNotFoundError) or broken metadata
        return None


def packages_involved(finding: dict[str, Any] | None) -> dict[str, str]:
    """Versions of the distributions a finding is about (``not installed`` when absent)."""
    if not finding:
        return {}
    kind = finding.get("kind")
    subject = str(finding.get("subject") or "")
    names: list[str] = []
    if kind in ("missing_package", "blocked_package") and subject:
        names.append(subject)
    if kind == "missing_driver":
        if subject.startswith("odbc-driver"):
            names.extend(DRIVER_PACKAGES["odbc-driver-manager"])
        elif subject.startswith("jdbc-driver"):
            names.extend(DRIVER_PACKAGES["java-runtime"])
        else:
            names.extend(DRIVER_PACKAGES.get(subject, ()))
    evidence = finding.get("evidence") or {}
    for key in ("package", "distribution", "module"):
        value = evidence.get(key)
        if isinstance(value, str) and value and value not in names:
            names.append(value)
    out: dict[str, str] = {}
    for name in names:
        version = _version(name)
        if version is not None or kind in ("missing_package", "blocked_package"):
            out[name] = version or "not installed"
    return out


#: The keys of ``limits.memory_evidence()``: a memory finding's evidence already holds them.
LIMIT_KEYS = (
    "memory_limit",
    "memory_limit_source",
    "memory_usage",
    "memory_peak",
    "oom_kill_count",
    "RLIMIT_AS",
    "RLIMIT_DATA",
)


def limits_in_force(finding: dict[str, Any] | None = None) -> dict[str, Any]:
    """Memory limit (cgroup v2/v1, MEM_LIMIT) and RLIMITs, formatted for a human.

    A memory finding read them when the error happened: those values are reused rather than
    reading the cgroup files and RLIMITs a second time.
    """
    evidence = (finding or {}).get("evidence") or {}
    if "memory_limit_source" in evidence:
        return {key: evidence[key] for key in LIMIT_KEYS if key in evidence}
    from ..limits import memory_evidence

    try:
        return memory_evidence()
    except Exception:  # a card without the limits beats no card
        return {}


def collect(
    finding: dict[str, Any] | None = None, user_ns: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Flat ``{label: value}`` dict for ``RequestDraft.environment`` (rendered line by line)."""
    import platform

    env: dict[str, Any] = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_executable": sys.executable,
        "os": platform.platform(),
        "host": platform.node(),
    }
    kernel_bits = []
    for mod in ("ipykernel", "IPython"):
        module = sys.modules.get(mod)
        if module is not None:
            kernel_bits.append(f"{mod} {getattr(module, '__version__', '?')}")
    if kernel_bits:
        env["kernel"] = ", ".join(kernel_bits)
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user:
        env["jupyterhub_user"] = hub_user
    image = os.environ.get("JUPYTER_IMAGE_SPEC") or os.environ.get("JUPYTER_IMAGE")
    if image:
        env["image"] = image
    for name, version in packages_involved(finding).items():
        env[f"package {name}"] = version
    for key, value in limits_in_force(finding).items():
        env[f"limit {key}"] = value
    return env
