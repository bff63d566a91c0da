"""One real JupyterHub (+ relay + Request Tracker + alice and bob) for every hub test."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import rt_server  # type: ignore[import-not-found]
from hubdeploy.deploy import (  # type: ignore[import-not-found]
    REPO,
    USERS,
    Hub,
    ensure_users,
    grant_traverse,
    remove_users,
    revoke_traverse,
    rt_relay_account,
)
from system_deps import apt_install  # type: ignore[import-not-found]


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the JupyterHub tests create OS users (alice, bob): they need root"
    reason = rt_server.unavailable_reason()
    if reason:
        return reason
    return apt_install(["node-configurable-http-proxy", "acl"])


@pytest.fixture(scope="session")
def rt_for_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rt_server.RTServer]:
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    try:
        server = rt_server.provision(tmp_path_factory.mktemp("hub-rt"))
    except RuntimeError as exc:
        pytest.skip(f"could not provision Request Tracker: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def hub(rt_for_hub: rt_server.RTServer) -> Iterator[Hub]:
    """JupyterHub with the relay as a managed service; alice's and bob's servers started."""
    created = ensure_users()
    venv = Path(sys.prefix)
    added = grant_traverse(
        [venv, Path(sys.executable).resolve().parent, Path(sys.base_prefix), REPO], USERS
    )
    # World-traversable (unlike pytest's tmp dirs): the single-user config lives here, beside
    # the hub's own directory (0700, root's), which holds the relay's config and store.
    base = Path(tempfile.mkdtemp(prefix="itbridge-hub-"))
    base.chmod(0o755)
    rt_user, rt_password = rt_relay_account()
    deployed = Hub(base / "hub", rt_for_hub.url, rt_user, rt_password)
    try:
        deployed.start()
        for user in USERS:
            deployed.start_server(user)
        yield deployed
    finally:
        deployed.stop()
        revoke_traverse(added)
        remove_users(created)
        shutil.rmtree(base, ignore_errors=True)
