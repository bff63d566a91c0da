"""Server and kernel see the same effective policy, from the same config files."""

from __future__ import annotations

import json
import textwrap

import pytest

from jupyter_itbridge.policy import ITBridgePolicy, policy_from_config

ADMIN_FILE = textwrap.dedent(
    """
    c.ITBridgePolicy.blocked_packages = {
        "openai": {"reason": "Sends data out.", "alternative": "corp-llm"}
    }
    c.ITBridgePolicy.install_mode = "self-service"
    c.ITBridgePolicy.package_index_url = "https://pypi.corp.example/simple"
    c.ITBridgePolicy.driver_self_service = {"oracle-client": "module load oracle-instantclient"}
    c.ITBridge.backend = "local"
    c.ITBridge.max_body_bytes = 123456
    """
)


#: A ``.d`` fragment: read by server, kernels and CLI alike, below the ``.py`` file.
FRAGMENT = {"ITBridgePolicy": {"it_contact": "Data Platform team", "install_mode": "request"}}


@pytest.fixture
def admin_config(jp_config_dir):
    (jp_config_dir / "jupyter_itbridge_config.py").write_text(ADMIN_FILE)
    fragments = jp_config_dir / "jupyter_itbridge_config.d"
    fragments.mkdir()
    (fragments / "10-contact.json").write_text(json.dumps(FRAGMENT))
    return jp_config_dir


@pytest.fixture
def jp_server_config(admin_config, tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_itbridge": True}},
        "ITBridge": {"store_path": str(tmp_path / "store.sqlite3")},
    }


async def test_server_reads_jupyter_itbridge_config_file(jp_serverapp):
    app = jp_serverapp.web_app.settings["itbridge"]
    assert app.policy.install_mode == "self-service"  # the .py file wins over the fragment
    assert app.policy.it_contact == "Data Platform team"  # the fragment is read
    assert app.config.max_body_bytes == 123456
    # server-side config still wins over the extension's own file
    assert app.config.store_path.endswith("store.sqlite3")


async def test_kernel_fallback_and_server_policy_are_identical(jp_fetch, admin_config):
    response = await jp_fetch("itbridge", "api", "policy")
    served = json.loads(response.body)
    served = served["policy"]
    kernel_side = policy_from_config().to_public_dict()
    assert ITBridgePolicy.from_dict(served).to_public_dict() == kernel_side
    assert kernel_side["blocked_packages"]["openai"]["alternative"] == "corp-llm"
    assert kernel_side["install_mode"] == "self-service"
    assert kernel_side["it_contact"] == "Data Platform team"
