"""Where the kernel's policy comes from: the server first, the same config files otherwise.

Server and kernel must agree on one policy, so a kernel started by a Jupyter server with the
extension asks it (``GET policy``, short timeout). A kernel without a server (nbconvert, a
remote kernel, the server down) reads the same ``jupyter_server_config`` /
``jupyter_itbridge_config`` files the server would.
"""

from __future__ import annotations

from typing import Any


def load_policy(client: Any = None, lazy: bool = False) -> tuple[Any, str]:
    """Return ``(ITBridgePolicy, origin)``; origin is ``server``, ``config`` or ``default``.

    With ``lazy``, config files that set nothing give ``(None, "config")``: the defaults block
    nothing, so a kernel start need not import the policy class to learn that (about 1.5 ms of
    the extension's start-up cost, the import guard's module included). The caller builds the
    default policy when a failure first needs it.
    """
    import os

    from ..contract import ENV_TOKEN, ENV_URL

    # Read here without importing the client: http.client costs ~3 ms and a kernel that no
    # server started never needs it.
    url, token = os.environ.get(ENV_URL, ""), os.environ.get(ENV_TOKEN, "")
    if client is not None or url:
        from ..policy import ITBridgePolicy

        if client is None and token:
            from .policy_fetch import POLICY_TIMEOUT, FetchFailed, fetch_policy

            try:
                return ITBridgePolicy.from_dict(fetch_policy(url, token, POLICY_TIMEOUT)), "server"
            except FetchFailed:  # an answer the light path does not read: the full client
                pass
            except (OSError, ValueError):  # unreachable or not JSON: the client would fail too
                return _from_files(lazy)
        from .client import ServerClient

        client = client or ServerClient()
        if client.configured:
            try:
                return ITBridgePolicy.from_dict(client.get_policy()), "server"
            except Exception:  # unreachable or a bad answer: fall back to the config files
                pass
    return _from_files(lazy)


def _from_files(lazy: bool) -> tuple[Any, str]:
    try:
        config = policy_config()
        if lazy and not config:
            return None, "config"
        from ..policy import ITBridgePolicy

        return ITBridgePolicy(config=config), "config"
    except Exception:
        from ..policy import ITBridgePolicy

        return ITBridgePolicy(), "default"


def policy_config() -> Any:
    """The config files the server reads, minus JSON fragments that cannot configure the policy.

    Every environment carries several (jupyterlab, notebook, jupyter_lsp, terminals, ...):
    parsing them cost ~0.15 ms each on every kernel start, for nothing. A JSON file can only
    configure ``ITBridgePolicy`` by naming one of its config sections, so a file whose text
    names none (and holds no ``\\u`` escape that could spell one) is skipped. A ``.py`` file can
    do anything, so it is always run, as the server would.
    """
    from traitlets.config import Config

    from ..policy_files import SECTION_NAMES, config_files, load_config_file

    config = Config()
    for path in config_files():
        if path.endswith(".json"):
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if "\\u" not in text and not any(name in text for name in SECTION_NAMES):
                continue
        config.merge(load_config_file(path))
    return config
