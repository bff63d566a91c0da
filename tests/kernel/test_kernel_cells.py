"""Real kernels running cells that raise the real errors; the finding follows the traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kernel_harness import MIME, error_then_card, findings  # type: ignore[import-not-found]
from system_deps import require_apt  # type: ignore[import-not-found]

ORACLE = "import oracledb\noracledb.init_oracle_client()"


def test_extension_loaded_by_startup_file(kernel: Any) -> None:
    assert kernel.value("__import__('jupyter_itbridge.kernel').kernel.is_loaded()") is True
    # loading it must not drag in the heavy parts
    heavy = kernel.value(
        "[m for m in ('ipywidgets', 'requests', 'numpy', 'pandas', "
        "'jupyter_itbridge.detect.engine', 'jupyter_itbridge.detect.catalog') "
        "if m in __import__('sys').modules]"
    )
    assert heavy == []


def test_oracle_dpi1047_card_once_per_fingerprint(kernel: Any) -> None:
    first = kernel.run(ORACLE)
    payload = error_then_card(first)
    finding = payload["finding"]
    assert finding["kind"] == "missing_driver"
    assert finding["subject"] == "oracle-client"
    assert "DPI-1047" in finding["evidence"]["message"]
    # the normal traceback is still there
    err = next(o for o in first if o["output_type"] == "error")
    assert "DPI-1047" in err["evalue"]

    # Re-running the cell clears its output: the card, neither sent nor dismissed, comes
    # back - the same one (same request), not a second card. Once sent or dismissed it
    # stays away (tests/kernel/test_card_drafts.py).
    again = kernel.run(ORACLE)
    assert any(o["output_type"] == "error" for o in again)
    cards = findings(again)
    assert [c["request_uuid"] for c in cards] == [payload["request_uuid"]]

    last = kernel.run("%itbridge last")
    text = "".join(o.get("text", "") for o in last)
    assert "[high] missing_driver / oracle-client" in text


def test_card_content_and_environment(kernel: Any) -> None:
    payload = error_then_card(kernel.run(ORACLE))
    draft = payload["draft"]
    # the headline is the title; the Summary says what IT is asked to do
    assert draft["summary"] == "Set up the Oracle Client libraries (Instant Client) on this server"
    assert draft["justification"] == ""
    assert "database" in payload["justification_hint"].lower()
    env = draft["environment"]
    assert env["python"].startswith("CPython 3.")
    assert env["package oracledb"]
    assert "kernel" in env and "ipykernel" in env["kernel"]
    assert any(k.startswith("limit ") for k in env)
    assert payload["preview"].endswith(f"itbridge-request-id: {payload['request_uuid']}")
    assert "Environment" in payload["preview"]
    assert payload["state"]["status"] == "draft"


def test_pyodbc_missing_driver_and_redaction(kernel: Any) -> None:
    require_apt("unixodbc")
    out = kernel.run(
        "import pyodbc\n"
        "pyodbc.connect('DRIVER={ODBC Driver 18 for SQL Server};SERVER=db.corp.example;"
        "UID=alice;PWD=Sup3rSecret!x')"
    )
    err = next(o for o in out if o["output_type"] == "error")
    assert "Can't open lib" in err["evalue"]
    payload = error_then_card(out)
    assert payload["finding"]["kind"] == "missing_driver"
    assert payload["finding"]["subject"].startswith("odbc-driver")
    blob = json.dumps([o.get("data", {}) for o in out if o["output_type"] == "display_data"])
    assert "Sup3rSecret" not in blob


def test_memory_error_under_rlimit_as(kernel: Any) -> None:
    kernel.run(
        "import resource\n"
        "with open('/proc/self/status') as f:\n"
        "    vm = [int(l.split()[1]) * 1024 for l in f if l.startswith('VmSize')][0]\n"
        "lim = vm + 768 * 1024**2\n"
        "resource.setrlimit(resource.RLIMIT_AS, (lim, resource.getrlimit(resource.RLIMIT_AS)[1]))"
    )
    out = kernel.run("big = bytearray(64 * 1024**3)")
    err = next(o for o in out if o["output_type"] == "error")
    assert err["ename"] == "MemoryError"
    payload = error_then_card(out)
    assert payload["finding"]["kind"] == "resource_limit"
    assert payload["finding"]["subject"] == "memory"
    env = payload["draft"]["environment"]
    assert "limit RLIMIT_AS" in env, env
    assert "dataset" in payload["justification_hint"]


def test_blocked_import_from_config_file(make_kernel: Any, tmp_path: Path) -> None:
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "jupyter_itbridge_config.json").write_text(
        json.dumps(
            {
                "ITBridgePolicy": {
                    "blocked_packages": {
                        "PyMySQL": {"reason": "Use the approved gateway.", "alternative": "corp-db"}
                    }
                }
            }
        )
    )
    kernel = make_kernel()
    out = kernel.run("import pymysql")
    err = next(o for o in out if o["output_type"] == "error")
    assert err["ename"] == "BlockedImportError"
    payload = error_then_card(out)
    assert payload["finding"]["kind"] == "blocked_package"
    assert payload["finding"]["subject"].lower() == "pymysql"
    assert "package" in payload["justification_hint"].lower()
    policy = "".join(o.get("text", "") for o in kernel.run("%itbridge policy"))
    assert "from config" in policy and "PyMySQL" in policy


def test_missing_known_package(kernel: Any) -> None:
    out = kernel.run("import sklearn")
    payload = error_then_card(out)
    assert payload["finding"]["kind"] == "missing_package"
    assert payload["finding"]["subject"] == "scikit-learn"
    assert payload["draft"]["environment"]["package scikit-learn"] == "not installed"


def test_ordinary_errors_show_nothing(kernel: Any) -> None:
    for code in (
        "undefined_name_xyz",
        "1 / 0",
        "{}['missing']",
        "import my_own_helpers_typo",
        "int('abc')",
        "open('no/such/relative/file.csv')",
        "assert 1 == 2",
    ):
        out = kernel.run(code)
        assert any(o["output_type"] == "error" for o in out), code
        assert findings(out) == [], code
        assert not [o for o in out if o["output_type"] == "display_data"], code
    assert kernel.run("x = 1\nx + 1")[0]["data"]["text/plain"] == "2"


def test_low_confidence_kept_for_last_not_shown(kernel: Any) -> None:
    out = kernel.run("import my_own_helpers_typo")
    assert findings(out) == []
    text = "".join(o.get("text", "") for o in kernel.run("%itbridge last"))
    assert "[low] missing_package / my_own_helpers_typo" in text
    assert "no card (low confidence)" in text


def test_magic_off_on_and_free_form_request(kernel: Any) -> None:
    kernel.run("%itbridge off")
    assert findings(kernel.run(ORACLE)) == []
    kernel.run("%itbridge on")
    assert error_then_card(kernel.run(ORACLE))["finding"]["subject"] == "oracle-client"

    out = kernel.run("%itbridge request I need 4 GPUs for the churn model")
    cards = findings(out)
    assert len(cards) == 1
    assert cards[0]["finding"] is None
    assert cards[0]["draft"]["summary"] == "I need 4 GPUs for the churn model"
    assert cards[0]["draft"]["environment"]["python"].startswith("CPython")
    status = "".join(o.get("text", "") for o in kernel.run("%itbridge status"))
    assert "policy from: config" in status
    assert "server: none" in status


def test_detection_errors_never_escape(kernel: Any) -> None:
    kernel.run(
        "import jupyter_itbridge.detect as _d\n"
        "def _boom(*a, **k):\n    raise RuntimeError('detector bug')\n"
        "_d.diagnose = _boom"
    )
    out = kernel.run(ORACLE)
    errors = [o for o in out if o["output_type"] == "error"]
    assert len(errors) == 1 and "DPI-1047" in errors[0]["evalue"]
    assert kernel.last_reply["status"] == "error"
    assert kernel.last_reply["ename"] == "DatabaseError"
    assert findings(out) == []
    status = "".join(o.get("text", "") for o in kernel.run("%itbridge status"))
    assert "detector bug" in status


def test_disable_env_var(make_kernel: Any) -> None:
    kernel = make_kernel(JUPYTER_ITBRIDGE_DISABLE="1")
    assert kernel.value("'jupyter_itbridge' in __import__('sys').modules") is False
    assert findings(kernel.run(ORACLE)) == []


def test_mime_constant_matches_contract() -> None:
    from jupyter_itbridge.findings import MIME_TYPE

    assert MIME == MIME_TYPE


def test_unload_restores_kernel(kernel: Any) -> None:
    kernel.run("%unload_ext jupyter_itbridge")
    assert kernel.value("__import__('jupyter_itbridge.kernel').kernel.is_loaded()") is False
    assert kernel.value("hasattr(get_ipython().find_line_magic('pip'), '__wrapped__')") is False
    assert kernel.value("get_ipython().find_line_magic('itbridge') is None") is True
    assert findings(kernel.run(ORACLE)) == []
    kernel.run("%load_ext jupyter_itbridge")
    assert error_then_card(kernel.run(ORACLE))["finding"]["subject"] == "oracle-client"
