"""The admin config shown in the README and the demo policy are valid and do what they say."""

from __future__ import annotations

import re
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from jupyter_itbridge.backends.registry import make_backend
from jupyter_itbridge.config import ITBridge
from jupyter_itbridge.detect import diagnose_text
from jupyter_itbridge.policy import ITBridgePolicy

ROOT = Path(__file__).resolve().parents[2]


def _readme_admin_block() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Configure") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _load(tmp_path: Path, source: str):
    (tmp_path / "jupyter_server_config.py").write_text(source)
    return PyFileConfigLoader("jupyter_server_config.py", str(tmp_path)).load_config()


def test_readme_admin_example_is_valid_config(tmp_path, monkeypatch):
    monkeypatch.setenv("ITBRIDGE_RT_TOKEN", "not-a-real-token")
    config = _load(tmp_path, _readme_admin_block())
    policy = ITBridgePolicy(config=config)
    settings = ITBridge(config=config)
    backend = make_backend(settings.backend, config=config)
    assert settings.backend == "rt" and backend.name == "rt"
    assert policy.blocked_entry("OpenAI")["alternative"] == "corp-llm"
    assert "not-a-real-token" not in repr(backend.describe())
    # the README's own admin signature really matches the Oracle error it is written for
    findings = diagnose_text(
        "DatabaseError",
        "ORA-12154: TNS:could not resolve the connect identifier specified",
        None,
        policy,
    )
    assert [f.subject for f in findings] == ["oracle-tnsnames"]
    assert findings[0].kind == "missing_driver"


def test_demo_policy_blocks_what_the_readme_says(tmp_path):
    config = _load(tmp_path, (ROOT / "demo" / "jupyter_server_config.py").read_text())
    policy = ITBridgePolicy(config=config)
    assert ITBridge(config=config).backend == "local"
    assert policy.blocked_entry("openai") and policy.blocked_entry("pyautogui")
    assert policy.install_mode == "request"
