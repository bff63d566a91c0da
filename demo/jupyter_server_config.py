"""Demo policy for `make lab`: the embedded local store, two blocked packages, request mode.

Admins: copy what you need into your own `jupyter_server_config.py`; see README "For admins".
"""

c = get_config()  # type: ignore[name-defined]  # noqa: F821

c.ITBridge.backend = "local"
c.ITBridgePolicy.blocked_packages = {
    "openai": {
        "reason": "Sends data to an external service.",
        "alternative": "corp-llm",
    },
    "pyautogui": "Remote-control tools are not allowed on shared servers.",
}
c.ITBridgePolicy.install_mode = "request"
c.ITBridgePolicy.driver_self_service = {
    "oracle-client": (
        "Run `module load oracle-instantclient` in a terminal, then restart the kernel."
    ),
}
c.ITBridgePolicy.it_contact = "the Data Platform team (demo)"
