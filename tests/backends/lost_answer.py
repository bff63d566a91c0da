"""Shared steps of the in-doubt tests: a create whose answer is lost, by our read timeout or by
the filing process being SIGKILLed right after the ticket system committed.

The fakes (tests/backends/fakes/base.py) commit late or answer late on request and call
``on_create`` right after the commit; these helpers drive a real outbox against them, in this
process or in a real server process, on a real store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

from backends.fakes.base import FakeAPI

from jupyter_itbridge.backends.base import Backend
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.store import Store

#: A server's outbox in its own process: ``module``, ``class``, backend options as JSON, store.
SERVER = """
import asyncio, importlib, json, sys
from jupyter_itbridge.server.outbox import Outbox
from jupyter_itbridge.server.store import Store

module, name, opts, path = sys.argv[1:5]
be = getattr(importlib.import_module(module), name)(**json.loads(opts))
asyncio.run(Outbox(Store(path), be, sync_interval=0).drain(timeout=60))
"""


def quick_outbox(store: Store, backend: Backend) -> Outbox:
    """An outbox with short backoffs, so a retry comes within the fakes' lag."""
    return Outbox(store, backend, base_delay=0.05, max_delay=0.2, sync_interval=0)


def killed_after_commit(
    fake: FakeAPI, backend_cls: type[Backend], opts: dict[str, Any], store_path: str
) -> None:
    """Run one outbox in a real process on ``store_path``; the fake SIGKILLs it right after
    the create committed, so the store never hears of the ticket."""
    before = fake.on_create
    server: list[subprocess.Popen[bytes]] = []

    def kill_the_server(record: Any) -> None:
        if before is not None:
            before(record)
        os.kill(server[0].pid, signal.SIGKILL)  # committed; the server never hears of it
        server[0].wait(10)

    fake.on_create = kill_the_server
    args = [backend_cls.__module__, backend_cls.__name__, json.dumps(opts), store_path]
    try:
        server.append(subprocess.Popen([sys.executable, "-c", textwrap.dedent(SERVER), *args]))
        assert server[0].wait(60) == -signal.SIGKILL, "the server was not killed at a create"
    finally:
        fake.on_create = before


async def restart_and_drain(store: Store, backend: Backend) -> None:
    """What a restarted server does: free the dead process's leases, then deliver."""
    store.release_dead_leases()
    await quick_outbox(store, backend).drain(timeout=30)
