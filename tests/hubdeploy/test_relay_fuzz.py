"""Fuzz the relay API from its OpenAPI file with schemathesis, against the relay behind the real
Hub's proxy, with a real user token: no 5xx, answers as documented."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]
from hubdeploy.deploy import Hub  # type: ignore[import-not-found]

import jupyter_itbridge.relay as relay_pkg
from jupyter_itbridge.relay.api import API_HANDLERS

SPEC = Path(relay_pkg.__file__).parent / "openapi.yaml"
_VENV_CLI = Path(sys.executable).parent / "schemathesis"
SCHEMATHESIS = str(_VENV_CLI) if _VENV_CLI.exists() else (shutil.which("schemathesis") or "")


def test_spec_covers_every_route() -> None:
    spec = yaml.safe_load(SPEC.read_text())
    assert spec["openapi"].startswith("3.")
    documented = {f"api/v1{p}" for p in spec["paths"]}
    routed = {p.replace("(?P<request_uuid>[^/]+)", "{request_uuid}") for p, _ in API_HANDLERS}
    assert documented == routed


@pytest.mark.slow
def test_schemathesis_zero_5xx(hub: Hub, tmp_path: Path) -> None:
    token = hub.user_token("alice")
    checks = ",".join(
        [
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
        ]
    )
    args = [
        SCHEMATHESIS,
        "run",
        str(SPEC),
        "--url",
        f"{hub.relay_url}api/v1",
        "--checks",
        checks,
        "--max-examples",
        "30",
        "--seed",
        "4242",
        "--workers",
        "1",
        "--no-color",
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--phases",
        "coverage,fuzzing,stateful",
        "-H",
        f"Authorization: token {token}",
    ]
    res = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-6000:]
    assert "passed" in out.lower()
