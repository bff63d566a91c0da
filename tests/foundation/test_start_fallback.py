"""On jupyter_server < 2.16 (no async start hook) the extension still starts its outbox."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from jupyter_itbridge.server import extension


@pytest.fixture
def jp_server_config(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # What an older jupyter_server looks like to the extension: nobody calls the start hook
    # (the conftest's start step is skipped too, see hub/start_hook.py).
    monkeypatch.setattr(extension, "SERVER_CALLS_START_HOOK", False)
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_itbridge": True}},
        "ITBridge": {"store_path": str(tmp_path / "store.sqlite3")},
    }


async def test_outbox_and_watchers_start_without_the_hook(jp_serverapp: Any) -> None:
    context = jp_serverapp.web_app.settings["itbridge"]
    outbox = context.service.outbox
    for _ in range(100):
        if outbox.running and context.watchers._task is not None:
            break
        await asyncio.sleep(0.02)
    assert outbox.running, "the outbox did not start"
    assert context.watchers._task is not None, "the watchers did not start"
    await context.watchers.stop()
    await context.service.stop()
    context.service.store.close()
