"""``jupyter itbridge relay``: every option documented in ``--help-all``; a bad config is one
sentence, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jupyter_itbridge.backends.registry import available_backends
from jupyter_itbridge.config import ITBridge
from jupyter_itbridge.relay.config import ITBridgeRelay


def _relay(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jupyter_itbridge.cli", "relay", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "JUPYTER_CONFIG_DIR": str(cwd), "HOME": str(cwd)},
    )


def test_every_relay_option_has_help_and_is_listed(tmp_path: Path) -> None:
    traits = ITBridgeRelay.class_traits(config=True)
    assert [n for n, t in traits.items() if len((t.help or "").strip()) < 10] == []
    out = _relay("--help-all", cwd=tmp_path).stdout
    for klass in [ITBridgeRelay, ITBridge, *available_backends().values()]:
        for name in klass.class_traits(config=True):
            assert f"--{klass.__name__}.{name}=" in out, f"{klass.__name__}.{name}"


def test_relay_refuses_the_hub_backend_in_one_sentence(tmp_path: Path) -> None:
    res = _relay("--ITBridgeRelay.backend=hub", cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        "jupyter itbridge relay: The relay cannot use the 'hub' backend (it would forward to "
        "itself): set c.ITBridgeRelay.backend to the ticket system (rt, servicenow, jira, ...)."
    ], res.stderr
