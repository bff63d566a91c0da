"""What a user can do on a real JupyterHub: kernels in their own server, its REST API."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from hubdeploy.deploy import Hub, http  # type: ignore[import-not-found]
from jupyter_client import BlockingKernelClient

MIME = "application/vnd.jupyter.itbridge.finding+json"


class UserKernel:
    """A kernel started by ``user``'s single-user server (runs as that OS user)."""

    def __init__(self, hub: Hub, user: str, token: str) -> None:
        self.hub, self.user, self.token = hub, user, token
        status, model = http(
            "POST", f"{hub.server_url(user)}api/kernels", token, {"name": "python3"}
        )
        assert status == 201, (status, model)
        self.kernel_id = model["id"]
        conn = Path(f"/home/{user}/.local/share/jupyter/runtime/kernel-{self.kernel_id}.json")
        deadline = time.monotonic() + 60
        while not conn.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.kc = BlockingKernelClient()
        self.kc.load_connection_file(str(conn))
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=90)

    def run(self, code: str, timeout: float = 180) -> list[dict[str, Any]]:
        outputs: list[dict[str, Any]] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] in ("stream", "display_data", "update_display_data", "error"):
                outputs.append({"output_type": msg["msg_type"], **msg["content"]})

        self.kc.execute_interactive(code, output_hook=hook, timeout=timeout, allow_stdin=False)
        return outputs

    def printed(self, code: str, timeout: float = 180) -> str:
        out = self.run(code, timeout)
        errors = [o for o in out if o["output_type"] == "error"]
        assert not errors, errors
        return "".join(o.get("text", "") for o in out if o["output_type"] == "stream")

    def value(self, expr_code: str, timeout: float = 180) -> Any:
        """Run code whose last printed line is JSON; return it."""
        return json.loads(self.printed(expr_code, timeout).strip().splitlines()[-1])

    def stop(self) -> None:
        self.kc.stop_channels()
        http("DELETE", f"{self.hub.server_url(self.user)}api/kernels/{self.kernel_id}", self.token)


def api(hub: Hub, user: str, token: str, method: str, path: str, body: Any = None) -> Any:
    """The user's own itbridge REST API on their single-user server (through the proxy)."""
    return http(method, f"{hub.server_url(user)}itbridge/api/{path}", token, body)


#: Runs in a user's kernel: is the secret (given hex-encoded, so that the cell's own text and
#: IPython's history never hold it) anywhere the user can read?
SCAN = r"""
import json, os
secret = bytes.fromhex(SECRET_HEX)
found = {"env": [], "proc": [], "files": []}
readable_proc = scanned = 0
for name, value in os.environ.items():
    if name.startswith("ITBRIDGE_") or secret in value.encode():
        found["env"].append(name)
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            data = fh.read()
    except OSError:
        continue
    readable_proc += 1
    if secret in data or b"ITBRIDGE_RT" in data:
        found["proc"].append(pid)
import sys
for top in ROOTS:
    for dirpath, dirnames, filenames in os.walk(top):
        for fname in filenames:
            path = os.path.join(dirpath, fname)
            try:
                if not os.path.isfile(path) or os.path.islink(path):
                    continue
                with open(path, "rb") as fh:
                    data = fh.read(8 * 1024 * 1024)
            except OSError:
                continue
            scanned += 1
            if secret in data:
                found["files"].append(path)
print(json.dumps({"found": found, "proc": readable_proc, "files": scanned, "prefix": sys.prefix}))
"""
