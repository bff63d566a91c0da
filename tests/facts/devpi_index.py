"""A real ``devpi-server`` on loopback (PyPI package ``devpi-server``), with wheels uploaded
over its HTTP API the way ``twine upload`` does it.

``devpi-init --no-root-pypi`` + ``devpi-server --offline-mode``: no PyPI mirror, nothing leaves
the machine. One index ``root/dev`` (no bases). devpi 6.20 serves the PEP 691 JSON simple API
(api-version 1.0: no ``upload-time``, no PEP 658 ``.metadata``), so the facts it gives come
from the wheel itself and its ``Last-Modified``. Its log names every request
(``[req12] GET /root/dev/+simple/x/``): :meth:`Devpi.hits` counts them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from facts.wheels import Dist  # type: ignore[import-not-found]
from loopback import free_port  # type: ignore[import-not-found]

BIN = Path(sys.executable).parent


@dataclass
class Devpi:
    url: str
    log_path: Path
    process: subprocess.Popen = field(repr=False)
    auth: dict[str, str] = field(default_factory=dict)

    @property
    def index_url(self) -> str:
        return f"{self.url}/root/dev/+simple/"

    def upload(self, dist: Dist) -> None:
        data = dist.wheel()
        fields = {
            ":action": "file_upload",
            "name": dist.name,
            "version": dist.version,
            "metadata_version": "2.4",
            "filetype": "bdist_wheel",
            "pyversion": "py3",
            "summary": dist.summary,
            "sha256_digest": hashlib.sha256(data).hexdigest(),
        }
        resp = requests.post(
            f"{self.url}/root/dev/",
            data=fields,
            files={"content": (dist.wheel_name, data)},
            headers=self.auth,
            timeout=30,
        )
        assert resp.status_code == 200, resp.text[:500]

    def hits(self, path: str) -> int:
        """How many requests for ``path`` devpi has logged."""
        pattern = re.compile(rf"\[req\d+\] (?:GET|HEAD) {re.escape(path)}$", re.M)
        return len(pattern.findall(self.log_path.read_text(errors="replace")))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_devpi(tmp: Path) -> Devpi:
    server_dir = tmp / "devpi"
    subprocess.run(
        [str(BIN / "devpi-init"), "--serverdir", str(server_dir), "--no-root-pypi"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    log_path = tmp / "devpi.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            str(BIN / "devpi-server"),
            "--serverdir",
            str(server_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--offline-mode",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"devpi-server exited:\n{log_path.read_text()[-3000:]}")
        try:
            requests.get(f"{url}/+api", timeout=2)
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                proc.kill()
                tail = log_path.read_text()[-3000:]
                raise RuntimeError(f"devpi-server did not start:\n{tail}") from None
            time.sleep(0.2)
    devpi = Devpi(url, log_path, proc)
    login = requests.post(
        f"{url}/+login",
        json={"user": "root", "password": ""},
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()["result"]["password"]
    token = base64.b64encode(f"root:{login}".encode()).decode()
    devpi.auth = {"X-Devpi-Auth": token, "Accept": "application/json"}
    resp = requests.put(
        f"{url}/root/dev",
        json={"type": "stage", "bases": [], "volatile": True},
        headers=devpi.auth,
        timeout=30,
    )
    assert resp.status_code == 200, resp.text[:500]
    return devpi


#: The packages every devpi test (and the browser test) uploads.
FACTPKG_OLD = Dist(
    "factpkg",
    "1.4.0",
    license_expression="BSD-3-Clause",
    requires_python=">=3.8",
    requires_dist=["numpy>=1.2"],
)
FACTPKG = Dist(
    "factpkg",
    "1.6.1",
    summary="Facts for the request to IT",
    license_expression="BSD-3-Clause",
    requires_python=">=3.9",
    requires_dist=["numpy>=1.22", "requests", 'pytest; extra == "test"'],
    project_urls={
        "Homepage": "https://factpkg.example.org",
        "Source": "https://git.example.org/factpkg",
    },
)
GPLPKG = Dist(
    "gplpkg",
    "2.0",
    license="GPL-3.0-or-later",
    classifiers=["License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"],
    requires_python=">=3.10",
)
AGPLPKG = Dist("agplpkg", "0.3", license_expression="AGPL-3.0-only")
DUALPKG = Dist("dualpkg", "5.0", license_expression="MIT OR GPL-3.0-only")


def seed(devpi: Devpi) -> None:
    for dist in (FACTPKG_OLD, FACTPKG, GPLPKG, AGPLPKG, DUALPKG):
        devpi.upload(dist)


@contextlib.contextmanager
def running_devpi(tmp: Path) -> Iterator[Devpi]:
    """A seeded devpi-server for a session or a module; stopped (by its PID) at the end."""
    server = start_devpi(tmp)
    try:
        seed(server)
        yield server
    finally:
        server.stop()
