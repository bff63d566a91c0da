"""Install Debian packages a test needs, or skip with a clear reason (a failure under CI=true).

Tests call :func:`require_apt` (and friends) instead of assuming the machine has them. As root on
Debian the package is installed on first use; elsewhere the test is skipped with the exact
command an operator would run. ``tests/conftest.py`` turns any skip into a failure in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest

_lock = threading.Lock()
_updated = False


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _can_apt() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def _installed(package: str) -> bool:
    res = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return res.returncode == 0 and "install ok installed" in res.stdout


def apt_install(packages: list[str], env: dict[str, str] | None = None) -> str | None:
    """Install missing Debian packages. Returns None on success, else the reason it could not."""
    global _updated
    if shutil.which("dpkg-query") is None:
        return f"not a Debian system; install {' '.join(packages)} by hand"
    missing = [p for p in packages if not _installed(p)]
    if not missing:
        return None
    if not _can_apt():
        command = "apt-get install -y " + " ".join(missing)
        return f"needs Debian packages {missing}: run '{command}' as root"
    with _lock:
        full_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", **(env or {})}
        if not _updated:
            subprocess.run(
                ["apt-get", "update", "-qq"], env=full_env, check=False, capture_output=True
            )
            _updated = True
        res = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
            env=full_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode != 0:
            return f"apt-get install {' '.join(missing)} failed: {res.stderr.strip()[-400:]}"
    return None


def require_apt(*packages: str) -> None:
    """Skip (fail in CI) the calling test unless the Debian packages are installed."""
    reason = apt_install(list(packages))
    if reason:
        pytest.skip(reason)
