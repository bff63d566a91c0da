"""Drafts a kernel saved while the server was down are filed at the next server start."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from jupyter_itbridge.kernel.drafts import drafts_dir, save_draft

UUID = "draft-0123456789abcdef"


@pytest.fixture
def jp_server_config(tmp_path: Path, jp_environ: Any, jp_data_dir: Path) -> dict[str, Any]:
    draft = {"summary": "need the Oracle client", "description": "password=hunter2 failed"}
    save_draft(draft, UUID, reason="server unreachable", data_dir=str(jp_data_dir))
    save_draft({"summary": 42}, "draft-broken-000001", data_dir=str(jp_data_dir))
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_itbridge": True}},
        "ITBridge": {"store_path": str(tmp_path / "s.sqlite3"), "owner": "alice"},
    }


async def test_drafts_imported_once_and_bad_ones_kept(api: Any, jp_data_dir: Path) -> None:
    code, rec = await api("GET", f"requests/{UUID}")
    assert code == 200 and rec["summary"] == "need the Oracle client"
    assert "hunter2" not in rec["body"]
    left = sorted(os.listdir(drafts_dir(str(jp_data_dir))))
    assert left == ["draft-broken-000001.json"], "filed drafts are removed, invalid ones kept"
    code, listing = await api("GET", "requests")
    assert len(listing["requests"]) == 1
