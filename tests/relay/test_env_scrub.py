"""No ticket-system secret in a kernel: a plain ``jupyter server`` started with ``ITBRIDGE_*``
secrets in its environment hands none of them to the kernels it starts (new, via a session,
after a session rename and after a restart), while the backend still got its credential and the
kernel keeps ``JUPYTER_ITBRIDGE_URL`` / ``JUPYTER_ITBRIDGE_TOKEN``."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from hub.server_proc import ServerProcess  # type: ignore[import-not-found]
from jupyter_client import BlockingKernelClient
from kernel.kernel_harness import kernel_env  # type: ignore[import-not-found]

from jupyter_itbridge.server.env_scrub import (
    KernelEnvScrub,
    is_scrubbed,
    scrub_process_environment,
    scrubbed,
)

SECRETS = {
    "ITBRIDGE_RT_TOKEN": "rt-secret-1f2e3d",
    "ITBRIDGE_SNOW_PASSWORD": "snow-secret-4c5b6a",
    "ITBRIDGE_JIRA_API_TOKEN": "jira-secret-7d8e9f",
    "ITBRIDGE_GITHUB_TOKEN": "ghp_secretsecretsecretsecretsecret0001",
}
READ_ENV = (
    "import json, os; print(json.dumps({'names': sorted(os.environ), "
    "'values': '\\n'.join(os.environ.values())}))"
)


class Server(ServerProcess):
    def api(self, method: str, path: str, body: Any = None) -> Any:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None


def _kernel_environ(server: Server, runtime: Path, kernel_id: str) -> dict[str, Any]:
    conn = runtime / f"kernel-{kernel_id}.json"
    deadline = time.monotonic() + 90
    # The server reports "starting" until a client talks to the kernel (nothing does here),
    # so wait for the connection file only; a heartbeat that does not answer yet on a loaded
    # machine is handled by asking again below.
    while time.monotonic() < deadline and not conn.exists():
        time.sleep(0.2)
    for attempt in range(5):
        kc = BlockingKernelClient()
        kc.load_connection_file(str(conn))
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            break
        except RuntimeError:  # "died": its heartbeat missed a beat under load; ask again
            kc.stop_channels()
            if attempt == 4:
                raise
            time.sleep(1)
    try:
        out: list[str] = []
        kc.execute_interactive(
            READ_ENV,
            output_hook=lambda m: (
                out.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None
            ),
            timeout=60,
        )
    finally:
        kc.stop_channels()
    return json.loads("".join(out).strip().splitlines()[-1])


def _assert_clean(seen: dict[str, Any]) -> None:
    leaked = [n for n in seen["names"] if n.startswith("ITBRIDGE_")]
    assert not leaked, f"kernel inherited {leaked}"
    for value in SECRETS.values():
        assert value not in seen["values"], "a secret value reached the kernel"
    assert "JUPYTER_ITBRIDGE_TOKEN" in seen["names"] and "JUPYTER_ITBRIDGE_URL" in seen["names"]


@pytest.mark.slow
def test_server_secrets_never_reach_its_kernels(tmp_path: Path) -> None:
    env = kernel_env(tmp_path, **SECRETS)
    server = Server(
        tmp_path,
        {"backend": "rt", "store_path": str(tmp_path / "store.sqlite3"), "owner": "alice"},
        extra_config="\nc.RTBackend.url = 'http://127.0.0.1:9'\n",
    )
    server.start(env=env, timeout=60)
    runtime = tmp_path / "runtime"
    try:
        # The backend read its credential before the scrub (health shows the auth kind only).
        health = server.get("health")
        assert health["backend_info"]["auth"] == "token", health
        assert SECRETS["ITBRIDGE_RT_TOKEN"] not in json.dumps(health)

        plain = server.api("POST", "api/kernels", {"name": "python3"})["id"]
        _assert_clean(_kernel_environ(server, runtime, plain))

        session = server.api(
            "POST",
            "api/sessions",
            {"path": "a.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
        )
        kid = session["kernel"]["id"]
        _assert_clean(_kernel_environ(server, runtime, kid))
        # A rename re-applies {**os.environ, JPY_SESSION_NAME} (update_env), then a restart.
        server.api("PATCH", f"api/sessions/{session['id']}", {"path": "b.ipynb"})
        server.api("POST", f"api/kernels/{kid}/restart")
        seen = _kernel_environ(server, runtime, kid)
        _assert_clean(seen)
    finally:
        server.stop()


def test_scrub_rules_keep_the_kernel_token() -> None:
    assert is_scrubbed("ITBRIDGE_RT_TOKEN") and is_scrubbed("itbridge_smtp_password")
    assert not is_scrubbed("JUPYTER_ITBRIDGE_TOKEN") and not is_scrubbed("JUPYTERHUB_API_TOKEN")
    env = {"ITBRIDGE_X": "1", "JUPYTER_ITBRIDGE_URL": "u", "PATH": "/bin"}
    assert scrubbed(env) == {"JUPYTER_ITBRIDGE_URL": "u", "PATH": "/bin"}
    assert scrub_process_environment(env) == ["ITBRIDGE_X"] and "ITBRIDGE_X" not in env


async def test_kernel_manager_wrappers_scrub_explicit_env() -> None:
    """An ``env`` passed explicitly (or re-applied by update_env) loses the secret names."""
    seen: list[dict[str, str]] = []

    class FakeKM:  # records what the real manager would receive; no kernel needed here
        async def start_kernel(self, **kwargs: Any) -> str:
            seen.append(kwargs["env"])
            return "k1"

        def update_env(self, *, kernel_id: str, env: dict[str, str]) -> None:
            seen.append(env)

    km = FakeKM()
    KernelEnvScrub(km).install()
    assert await km.start_kernel(env={"ITBRIDGE_A": "s", "A": "1"}) == "k1"
    km.update_env(kernel_id="k1", env={"ITBRIDGE_B": "s", "B": "2"})
    assert seen == [{"A": "1"}, {"B": "2"}]
