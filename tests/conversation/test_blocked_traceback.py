"""A blocked import's traceback shows the user's import, not the extension's own frame.

It used to show ``import_guard.py`` and its source lines under the user's ``import openai``,
which reads as if jupyter-itbridge had crashed. A real kernel, the real start-up loader.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kernel"))

from kernel_harness import Kernel, kernel_env  # type: ignore[import-not-found]

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_blocked_import_traceback_has_no_extension_frame(tmp_path: Path) -> None:
    env = kernel_env(tmp_path)
    policy = {"ITBridgePolicy": {"blocked_packages": {"openai": "Sends data outside."}}}
    (tmp_path / "config" / "jupyter_server_config.json").write_text(json.dumps(policy))
    kernel = Kernel(env)
    try:
        outputs = kernel.run("import openai")
    finally:
        kernel.stop()
    error = next(o for o in outputs if o["output_type"] == "error")
    text = ANSI.sub("", "\n".join(error["traceback"]))
    assert error["ename"] == "BlockedImportError"
    assert "import openai" in text  # the user's own line is there
    assert "import_guard" not in text and "find_spec" not in text, text
    assert "jupyter_itbridge" not in text, text
