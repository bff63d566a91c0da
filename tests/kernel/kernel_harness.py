"""Real-kernel helpers (fixtures in conftest.py): an ipykernel started by jupyter_client, the
extension loaded by the real start-up file (in a temp ``IPYTHONDIR``), isolated dirs per test."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

REPO = Path(__file__).resolve().parents[2]
MIME = "application/vnd.jupyter.itbridge.finding+json"
STARTUP = REPO / "jupyter-config" / "ipython-startup" / "50-jupyter-itbridge.py"


def kernel_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment for a test kernel: repo importable, the real start-up loader, no server."""
    ipydir = tmp / "ipython"
    startup = ipydir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    shutil.copy(STARTUP, startup / STARTUP.name)
    for sub in ("config", "data", "runtime"):
        (tmp / sub).mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_ITBRIDGE")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])),
        IPYTHONDIR=str(ipydir),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_PLATFORM_DIRS="0",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    env.update(extra)
    return env


class Kernel:
    """A real ipykernel; ``run`` executes a cell and returns its outputs in nbformat shape."""

    def __init__(self, env: dict[str, str]) -> None:
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env=env, cwd=env.get("JUPYTER_DATA_DIR"))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 120) -> list[dict[str, Any]]:
        outputs: list[dict[str, Any]] = []

        def hook(msg: dict[str, Any]) -> None:
            kind = msg["msg_type"]
            content = msg["content"]
            if kind == "stream":
                outputs.append({"output_type": "stream", **content})
            elif kind in ("display_data", "update_display_data", "execute_result"):
                outputs.append({"output_type": kind, **content})
            elif kind == "error":
                outputs.append({"output_type": "error", **content})

        reply = self.kc.execute_interactive(
            code, output_hook=hook, timeout=timeout, allow_stdin=False
        )
        self.last_reply = reply["content"]
        return outputs

    def value(self, expr: str) -> Any:
        """Evaluate ``expr`` in the kernel and return it via JSON."""
        out = self.run(f"import json as _j; print(_j.dumps({expr}, default=str))")
        text = "".join(
            o["text"] for o in out if o["output_type"] == "stream" and o["name"] == "stdout"
        )
        errors = [o for o in out if o["output_type"] == "error"]
        assert not errors, errors
        return json.loads(text.strip().splitlines()[-1])

    def widget_message(self, model_id: str, data: dict[str, Any]) -> None:
        """Send what a frontend's widget view sends (a ``comm_msg``), then let the kernel
        handle it: shell messages are handled in order, so one more cell waits for it."""
        msg = self.kc.session.msg("comm_msg", {"comm_id": model_id, "data": data})
        self.kc.shell_channel.send(msg)
        self.run("pass")

    def type_into(self, model_id: str, text: str) -> None:
        """The user types into a widget text field (ipywidgets 8's ``update`` message)."""
        self.widget_message(
            model_id, {"method": "update", "state": {"value": text}, "buffer_paths": []}
        )

    def click(self, model_id: str) -> None:
        """The user clicks a widget button (ipywidgets' ``custom`` click message)."""
        self.widget_message(model_id, {"method": "custom", "content": {"event": "click"}})

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def findings(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        o["data"][MIME]
        for o in outputs
        if o["output_type"] == "display_data" and MIME in o.get("data", {})
    ]


def widget_model_id(outputs: list[dict[str, Any]]) -> str:
    """The ipywidgets model id of the (one) card output."""
    ids = [
        o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for o in outputs
        if o["output_type"] == "display_data" and MIME in o.get("data", {})
    ]
    assert len(ids) == 1, outputs
    return str(ids[0])


def error_then_card(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    """Assert the cell failed and the finding came right after the traceback; return it."""
    kinds = [o["output_type"] for o in outputs]
    assert "error" in kinds, outputs
    err_at = kinds.index("error")
    after = outputs[err_at + 1 :]
    cards = [o for o in after if o["output_type"] == "display_data" and MIME in o["data"]]
    assert cards, f"no finding after the traceback: {outputs}"
    first = cards[0]
    # nothing but other cards or streams between the traceback and the card
    assert all(o["output_type"] in ("display_data", "stream") for o in after[: after.index(first)])
    assert "text/plain" in first["data"] and "text/html" in first["data"]
    return first["data"][MIME]
