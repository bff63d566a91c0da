"""The boundaries the layout promises: pure modules stay pure, the server imports no kernel code,
and the handlers do not import the extension that registers them (no import cycle)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Pure: no Jupyter, no I/O frameworks, nothing from kernel/server/backends.
PURE = [
    "jupyter_itbridge.contract",
    "jupyter_itbridge.jsontypes",
    "jupyter_itbridge.findings",
    "jupyter_itbridge.drafts",
    "jupyter_itbridge.server.validation",
    "jupyter_itbridge.server.views",
]
NEVER_IN_PURE = (
    "jupyter_server",
    "tornado",
    "IPython",
    "ipykernel",
    "jupyter_itbridge.kernel",
    "jupyter_itbridge.backends",
    "jupyter_itbridge.server.service",
    "jupyter_itbridge.server.store",
)


def _modules_after(module: str) -> list[str]:
    """Every module a fresh interpreter holds after importing ``module`` alone."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_nothing_it_should_not(module: str) -> None:
    loaded = _modules_after(module)
    bad = [m for m in loaded if any(m == n or m.startswith(n + ".") for n in NEVER_IN_PURE)]
    assert bad == [], f"{module} pulls in {bad}"


def test_server_imports_no_kernel_code() -> None:
    loaded = _modules_after("jupyter_itbridge.server.extension")
    assert [m for m in loaded if m.startswith("jupyter_itbridge.kernel")] == []


def test_handlers_do_not_import_the_extension() -> None:
    for handlers in ("jupyter_itbridge.server.requests_api", "jupyter_itbridge.server.health"):
        assert "jupyter_itbridge.server.extension" not in _modules_after(handlers)
