"""jupyter-server itself accepts every handler we register as authenticated.

The extension template's CI (``.github/scripts/check_auth.py``) starts a server with
``allow_unauthenticated_access = False`` and the extension: the server then checks each
handler method for tornado's ``@web.authenticated`` (``_has_tornado_web_authenticated``) and
warns about every method it cannot see it on. Our own marker test
(``test_every_handler_method_is_an_authenticated_endpoint``) cannot catch a decorator order
the server does not recognise; this one asks the server.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from jupyter_server.base.handlers import APIHandler
from jupyter_server.serverapp import ServerApp

from jupyter_itbridge.contract import API_PREFIX

pytestmark = pytest.mark.skipif(
    not ServerApp.class_traits().get("allow_unauthenticated_access"),
    reason="jupyter_server < 2.13 has no allow_unauthenticated_access check to satisfy",
)


class _Undecorated(APIHandler):
    """A handler without @web.authenticated: the server must flag it (the check is live)."""

    def get(self) -> None:
        self.finish("{}")


def _auth_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """The '- GET of XHandler registered for /path' lines of the server's auth warnings."""
    from jupyter_server.utils import JupyterServerAuthWarning

    lines: list[str] = []
    for warning in caught:
        if issubclass(warning.category, JupyterServerAuthWarning):
            lines += [ln for ln in str(warning.message).splitlines() if ln.startswith("- ")]
    return lines


def test_server_flags_none_of_our_handlers(
    jp_configurable_serverapp: Any, jp_server_config: Any, tmp_path: Any
) -> None:
    config = {
        "ServerApp": {"jpserver_extensions": {"jupyter_itbridge": True}},
        "ITBridge": {"store_path": str(tmp_path / "store.sqlite3"), "watchers_enabled": False},
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = jp_configurable_serverapp(config=config, allow_unauthenticated_access=False)
    assert "itbridge" in app.web_app.settings, "the extension did not load"
    ours = [line for line in _auth_warnings(caught) if f"/{API_PREFIX}/" in line]
    assert ours == [], "jupyter-server sees no @web.authenticated on:\n" + "\n".join(ours)

    # The check is live on this server: an undecorated handler added now is flagged.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.web_app.add_handlers(".*$", [("/itbridge-probe", _Undecorated)])
    assert any("_Undecorated" in line for line in _auth_warnings(caught))
