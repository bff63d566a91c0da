"""Where the kernel's policy comes from: the server first, the same config files otherwise.

Server and kernel must agree on one policy, so a kernel started by a Jupyter server with the
extension asks it (``GET policy``, short timeout). A kernel without a server (nbconvert, a
remote kernel, the server down) reads the same ``jupyter_server_config`` /
``jupyter_itbridge_config`` files the server would.
"""

from __future__ import annotations

from typing import Any


def load_policy(client: Any = None) -> tuple[Any, str]:
    """Return ``(ITBridgePolicy, origin)``; origin is ``server``, ``config`` or ``default``."""
    import os

    from ..contract import ENV_URL
    from ..policy import ITBridgePolicy, policy_from_config

    # Read here without importing the client: http.client costs ~3 ms and a kernel that no
    # server started never needs it.
    if client is not None or os.environ.get(ENV_URL):
        from .client import ServerClient

        client = client or ServerClient()
        if client.configured:
            try:
                return ITBridgePolicy.from_dict(client.get_policy()), "server"
            except Exception:  # unreachable or a bad answer: fall back to the config files
                pass
    try:
        return policy_from_config(), "config"
    except Exception:
        return ITBridgePolicy(), "default"
