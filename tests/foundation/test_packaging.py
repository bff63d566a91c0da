"""One `pip install` turns everything on: the wheel carries the prebuilt parts and the configs."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABEXT = "share/jupyter/labextensions/jupyter-itbridge"


@pytest.fixture(scope="module")
def wheel_path(tmp_path_factory) -> Path:
    """The wheel under test: ``ITBRIDGE_WHEEL`` when CI built it once for both legs (the
    oldest leg installs that very file), else one built here."""
    given = os.environ.get("ITBRIDGE_WHEEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    (path,) = out.glob("jupyter_itbridge-*.whl")
    return path


@pytest.fixture(scope="module")
def wheel(wheel_path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(wheel_path)


def _data(wheel: zipfile.ZipFile) -> dict[str, str]:
    """Map 'share/...'/'etc/...' -> archive name for the wheel's .data/data/ files."""
    out = {}
    for name in wheel.namelist():
        marker = ".data/data/"
        if marker in name:
            out[name.split(marker, 1)[1]] = name
    return out


def test_wheel_contains_prebuilt_labextension(wheel):
    data = _data(wheel)
    assert f"{LABEXT}/package.json" in data
    assert f"{LABEXT}/install.json" in data
    assert f"{LABEXT}/static/style.js" in data
    assert any(k.startswith(f"{LABEXT}/static/remoteEntry.") for k in data), sorted(data)
    assert f"{LABEXT}/schemas/jupyter-itbridge/plugin.json" in data
    remote = next(k for k in data if k.startswith(f"{LABEXT}/static/remoteEntry."))
    assert len(wheel.read(data[remote])) > 1000


def test_wheel_enables_server_extension(wheel):
    data = _data(wheel)
    name = "etc/jupyter/jupyter_server_config.d/jupyter_itbridge.json"
    assert name in data
    assert b'"jupyter_itbridge": true' in wheel.read(data[name])


def test_wheel_ships_kernel_startup_loader(wheel):
    data = _data(wheel)
    name = "etc/ipython/startup/50-jupyter-itbridge.py"
    assert name in data
    text = wheel.read(data[name]).decode()
    assert "JUPYTER_ITBRIDGE_DISABLE" in text
    assert 'load_extension("jupyter_itbridge")' in text


def test_wheel_has_python_package_without_sources_of_labextension(wheel):
    names = wheel.namelist()
    assert "jupyter_itbridge/__init__.py" in names
    assert "jupyter_itbridge/_version.py" in names
    assert not any("node_modules" in n for n in names)
    assert not any(n.startswith("labextension/") for n in names)


def test_wheel_passes_check_wheel_contents(wheel_path):
    """jwodder's check-wheel-contents with the settings in pyproject.toml (as the template)."""
    exe = Path(sys.executable).with_name("check-wheel-contents")
    assert exe.exists(), "check-wheel-contents is in the test extras: run `make install-test`"
    res = subprocess.run(
        [str(exe), str(wheel_path)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert ": OK" in res.stdout, res.stdout


def test_oldest_constraints_match_pyproject():
    """.ci/constraints-oldest.txt is generated from the bounds: it must not drift from them."""
    res = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "oldest_constraints.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr


def _jupyter(*args: str) -> str:
    exe = Path(sys.executable).with_name("jupyter")
    res = subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return res.stdout + res.stderr


@pytest.mark.oldest
def test_installed_environment_has_everything_enabled():
    labext = _jupyter("labextension", "list")
    line = next((ln for ln in labext.splitlines() if "jupyter-itbridge" in ln), "")
    assert "enabled" in line and "OK" in line, labext
    server = _jupyter("server", "extension", "list")
    assert "jupyter_itbridge" in server and "OK" in server, server
    startup = Path(sys.prefix, "etc", "ipython", "startup", "50-jupyter-itbridge.py")
    assert startup.is_file()
