"""Fuzz the REST API from its OpenAPI spec with schemathesis against the running test server.

The CLI runs in a subprocess while this test's event loop keeps serving the jupyter-server
under test, so the fuzzer hits the real extension over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import jupyter_itbridge.server as server_pkg

SPEC = Path(server_pkg.__file__).parent / "openapi.yaml"
# The schemathesis CLI of this interpreter's environment (the venv), else the one on PATH.
_VENV_CLI = Path(sys.executable).parent / "schemathesis"
SCHEMATHESIS = str(_VENV_CLI) if _VENV_CLI.exists() else (shutil.which("schemathesis") or "")


def test_spec_is_valid_and_covers_every_route() -> None:
    import yaml  # type: ignore[import-untyped]

    from jupyter_itbridge.contract import API_PREFIX
    from jupyter_itbridge.server.extension import route_table

    spec = yaml.safe_load(SPEC.read_text())
    assert spec["openapi"].startswith("3.")
    documented = {p.strip("/") for p in spec["paths"]}
    routed = {
        re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", p).removeprefix(API_PREFIX + "/")
        for p, _ in route_table()
    }
    assert documented == routed


async def _fuzz(base: str, headers: list[str], tmp_path: Path, checks: str, n: int) -> str:
    args = [
        SCHEMATHESIS,
        "run",
        str(SPEC),
        "--url",
        base,
        "--checks",
        checks,
        "--max-examples",
        str(n),
        "--seed",
        "4242",
        "--workers",
        "1",
        "--no-color",
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
        "--phases",
        "coverage,fuzzing,stateful",
    ]
    for header in headers:
        args += ["-H", header]
    proc = await asyncio.create_subprocess_exec(
        *args, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=240)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
    return text


@pytest.mark.slow
async def test_schemathesis_zero_5xx_and_schema_conformance(
    http_server: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    itbridge: Any,
    tmp_path: Path,
) -> None:
    # ``http_server`` is pytest-jupyter's real tornado server on 127.0.0.1:jp_http_port.
    base = f"http://127.0.0.1:{jp_http_port}{jp_base_url}itbridge/api"
    # Some existing requests, so that ids/uuids in the fuzzed paths sometimes hit real records.
    for i in range(3):
        itbridge.service.file(
            "alice", {"summary": f"seed {i}", "kind": "missing_package", "subject": f"p{i}"}
        )
    checks = ",".join(
        [
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
        ]
    )
    text = await _fuzz(
        base, [f"Authorization: {jp_auth_header['Authorization']}"], tmp_path, checks, 40
    )
    assert "passed" in text.lower()
    # With the kernel token only: kernel endpoints work, the others are 403, never a 5xx.
    kernel = [f"X-ITBridge-Token: {itbridge.kernel_token}", "Authorization: "]
    await _fuzz(base, kernel, tmp_path, "not_a_server_error", 15)
