"""A real JupyterLab server and a real headless Chromium (Debian's), for end-to-end tests."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from loopback import free_port  # type: ignore[import-not-found]
from system_deps import require_apt  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LabServer:
    url: str
    token: str
    root_dir: Path
    data_dir: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def page_url(self, path: str = "lab") -> str:
        return f"{self.url}{path}?token={self.token}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def write_quiet_lab_settings(config_dir: Path) -> None:
    """No JupyterLab news/update toast in screenshots (user settings in the isolated config)."""
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    target = settings / "notification.jupyterlab-settings"
    if not target.exists():
        target.write_text('{"fetchNews": "false", "checkForUpdates": false}')


def start_lab(tmp: Path, extra_args: list[str] | None = None, env: dict | None = None) -> LabServer:
    """Start `jupyter lab` on loopback with an isolated config/data dir; wait until it answers."""
    port = free_port()
    token = secrets.token_hex(16)
    root = tmp / "root"
    data = tmp / "data"
    config = tmp / "config"
    for d in (root, data, config):
        d.mkdir(parents=True, exist_ok=True)
    log_path = tmp / "lab.log"
    write_quiet_lab_settings(config)
    full_env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(data),
        "JUPYTER_RUNTIME_DIR": str(data / "runtime"),
        "JUPYTER_ITBRIDGE_DISABLE": "",
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(extra_args or []),
    ]
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=root)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        raise RuntimeError(f"jupyter lab did not start:\n{log_path.read_text()[-3000:]}")
    return LabServer(url, token, root, data, log_path, proc)


def stop_lab(server: LabServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    require_apt("chromium", "fonts-dejavu-core")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found after installing Debian's chromium")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory) -> Iterator[LabServer]:
    server = start_lab(tmp_path_factory.mktemp("lab"))
    yield server
    stop_lab(server)


ACTIVATED = "jupyter-itbridge: activated"  # what our plugin logs at the end of activate()

# Console errors that are not ours, matched exactly. Notebook 7.6 raises both with
# jupyter-itbridge disabled too (checked with page_config disabledExtensions; the second one
# after the same file was open in JupyterLab).
UPSTREAM_ERRORS = {
    "Cannot read properties of undefined (reading 'schema')",
    "Command 'filebrowser:open-path' not registered.",
}
# JupyterLab's debugger logs this when a kernel dies under it (the kernel-death test): upstream.
KERNEL_DEATH_UPSTREAM_PREFIX = "Could not restore the debugger state"


class ConsoleLog:
    """Console messages and page errors seen by a page."""

    def __init__(self, page) -> None:
        self.messages: list[tuple[str, str]] = []
        self.error_urls: list[tuple[str, str]] = []  # (text, source URL) of console errors
        page.on("console", self._on_console)
        page.on("pageerror", lambda err: self.messages.append(("pageerror", str(err))))

    def _on_console(self, msg) -> None:
        self.messages.append((msg.type, msg.text))
        if msg.type == "error":
            self.error_urls.append((msg.text, msg.location.get("url", "")))

    def errors(self) -> list[str]:
        return [text for kind, text in self.messages if kind in {"error", "pageerror"}]

    def texts(self) -> list[str]:
        return [text for _, text in self.messages]

    def ours(self) -> list[str]:
        """Errors minus the upstream ones listed above (each with the reason it is not ours)."""
        return [
            e
            for e in self.errors()
            if e not in UPSTREAM_ERRORS and not e.startswith(KERNEL_DEATH_UPSTREAM_PREFIX)
        ]


def load_page(page, server: LabServer, path: str, ready: str = "#jp-main-dock-panel") -> None:
    """Open ``path`` on the server; return once our plugin has activated and ``ready`` shows."""
    with page.expect_console_message(lambda msg: msg.text == ACTIVATED):
        page.goto(server.page_url(path))
    page.wait_for_selector(ready, state="visible")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot as a test artifact (artifacts/browser/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # finite CSS animations (a toast sliding in) are completed first: no sleep before a shot
    page.screenshot(path=str(path), animations="disabled")
    return path


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    """Browser tests run no in-process Jupyter server (the server is a subprocess), and
    Playwright's sync API owns this thread's event loop: skip pytest-jupyter's cleanup."""
    yield


@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    """See ``jp_server_cleanup``: Playwright owns the event loop in browser tests."""
    yield None
