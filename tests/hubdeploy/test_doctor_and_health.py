"""What admins read on a single-user server: ``jupyter itbridge doctor`` and ``GET health``
name a token the relay refuses in one sentence, and doctor warns about any ticket-system
secret left on the user's side."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hub.server_proc import ServerProcess  # type: ignore[import-not-found]
from hubdeploy.deploy import Hub  # type: ignore[import-not-found]

REFUSED = "refused this server's JupyterHub token (HTTP 403): add the scope"


def _doctor(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("ITBRIDGE_", "JUPYTER", "JPY_"))
    }
    for sub in ("config", "data", "runtime"):
        (tmp_path / sub).mkdir(exist_ok=True)
    base.update(
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERHUB_USER="alice",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "jupyter_itbridge.cli", "doctor"],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_doctor_on_a_single_user_server(hub: Hub, tmp_path: Path) -> None:
    good = {
        "JUPYTERHUB_API_TOKEN": hub.user_token("alice"),
        "JUPYTER_ITBRIDGE_RELAY_URL": hub.relay_url,
    }
    res = _doctor(tmp_path, good)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (
        "backend: hub: the IT relay at" in res.stdout
        and "accepts this server's token" in res.stdout
    )
    assert "secrets: no ticket-system secret on this single-user server." in res.stdout

    leaked = _doctor(tmp_path, {**good, "ITBRIDGE_RT_TOKEN": "rt-secret-9f8e7d"})
    assert leaked.returncode == 0, leaked.stdout + leaked.stderr
    assert "[warn] secrets: This is a JupyterHub single-user server" in leaked.stdout
    assert "($ITBRIDGE_RT_TOKEN)" in leaked.stdout
    assert "rt-secret-9f8e7d" not in leaked.stdout + leaked.stderr

    narrow = hub.user_token("alice", scopes=["read:users:name!user=alice"])
    refused = _doctor(tmp_path, {**good, "JUPYTERHUB_API_TOKEN": narrow})
    assert refused.returncode == 1
    last = refused.stderr.strip().splitlines()[-1]
    assert REFUSED in last and "c.JupyterHub.load_roles" in last, refused.stderr


@pytest.mark.slow
def test_health_names_a_refused_token_and_the_request_waits(hub: Hub, tmp_path: Path) -> None:
    narrow = hub.user_token("alice", scopes=["read:users:name!user=alice"])
    server = ServerProcess(
        tmp_path,
        {"store_path": str(tmp_path / "store.sqlite3"), "owner": "alice"},
    )
    server.start(env={"JUPYTERHUB_API_TOKEN": narrow, "JUPYTER_ITBRIDGE_RELAY_URL": hub.relay_url})
    try:
        filed = server.request("POST", "requests", {"summary": "Need the ODBC driver"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            health = server.get("health")
            if health["last_error"]:
                break
            time.sleep(0.2)
        assert health["backend"] == "hub", health
        assert REFUSED in health["last_error"], health
        mine = server.get(f"requests/{filed['id']}")
        assert mine["state"] == "failed" and mine["state_detail"].startswith(
            "waiting for the IT relay"
        ), mine
    finally:
        server.stop()
