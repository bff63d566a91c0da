"""``jp_serverapp`` with the extensions started, as a real server starts them.

Why: pytest-jupyter initialises the server but never runs its event loop's start step
(``ServerApp._post_start``, which calls every extension app's async start hook; jupyter_server
2.16+). Without it our outbox and watchers would not run in tests while they do in production.
Import ``started_serverapp`` into a directory's ``conftest.py``: it overrides pytest-jupyter's
``jp_serverapp`` there.
"""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_itbridge.server import extension


@pytest.fixture(name="jp_serverapp")
def started_serverapp(jp_serverapp: Any, jp_asyncio_loop: Any) -> Any:
    if extension.SERVER_CALLS_START_HOOK:  # older servers: the extension starts itself
        jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.start_all_extensions())
    return jp_serverapp
