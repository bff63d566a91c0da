"""TEMPORARY harness: IT's view (``jupyter_itbridge.relay.admin_view``) on a stand-in for the
relay's base handler, until the relay (branch wt/relay) is importable on this branch.

The stand-in does what the relay's ``RelayHandler`` documents and nothing more: the caller
from ``HubOAuth`` (an ``Authorization: token`` header or the OAuth login cookie), resolved
asynchronously in ``prepare``; ``relay_store``; ``require_admin()`` (hub admin or the admin
scope; anonymous GET -> the Hub's login, anything else 401/403). Run as a JupyterHub managed
service (``python -m relay.itview_harness STORE``) for the browser test, or in a thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from typing import Any

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from tornado import web

import jupyter_itbridge.relay.admin_view as admin_view
from jupyter_itbridge.server.base import error_message

PREFIX = "/services/itbridge/"
ADMIN_SCOPE = "custom:itbridge:admin"
HERE = os.path.dirname(os.path.abspath(admin_view.__file__))


class HarnessRelayHandler(HubOAuthenticated, web.RequestHandler):
    """The relay base handler's contract for IT's view: identity, ``relay_store``, admin check."""

    hub_user: dict[str, Any] | None = None
    _not_allowed: dict[str, Any] | None = None

    @property
    def hub_auth(self) -> Any:
        return self.settings["hub_auth"]

    @hub_auth.setter
    def hub_auth(self, value: Any) -> None:
        raise AttributeError("shared HubOAuth: settings['hub_auth']")

    @property
    def relay_store(self) -> Any:
        return self.settings["relay_store"]

    async def prepare(self) -> None:
        from jupyterhub.services.auth import UserNotAllowed

        model = await self.hub_auth.get_user(self, sync=False)
        user = None
        if model:
            try:
                user = self.check_hub_user(model)
            except UserNotAllowed:
                self._not_allowed = model
        self.hub_user = user
        self._hub_auth_user_cache = user

    def get_current_user(self) -> Any:
        return self.hub_user

    def require_admin(self) -> dict[str, Any]:
        if self.hub_user is None and self._not_allowed is None:
            if self.request.method in ("GET", "HEAD"):
                self.redirect(self.get_login_url())
                raise web.Finish()
            raise web.HTTPError(401, "Log in through JupyterHub first.")
        model = self.hub_user or self._not_allowed
        assert model is not None
        scope = self.settings["admin_scope"]
        if not (model.get("admin") or self.hub_auth.check_scopes({scope}, model)):
            raise web.HTTPError(403, f"IT's view needs a hub admin or the scope {scope}.")
        return model

    def check_xsrf_cookie(self) -> None:
        if self.hub_auth.get_token(self, in_cookie=False):
            return None
        return super().check_xsrf_cookie()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        err = exc_info[1] if exc_info else None
        message = error_message(err) if isinstance(err, web.HTTPError) else None
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message or self._reason, "reason": self._reason}))


class HarnessOAuthCallback(HubOAuthCallbackHandler):
    @property
    def hub_auth(self) -> Any:
        return self.settings["hub_auth"]

    @hub_auth.setter
    def hub_auth(self, value: Any) -> None:
        raise AttributeError("shared HubOAuth: settings['hub_auth']")


def make_app(store: Any, hub_auth: HubOAuth, prefix: str = PREFIX) -> web.Application:
    """IT's view as the relay app mounts it (same settings names as ``relay/app.py``)."""
    routes = admin_view.admin_handlers(prefix, base=HarnessRelayHandler)
    routes.append((prefix + "oauth_callback", HarnessOAuthCallback))
    return web.Application(
        routes,
        relay_store=store,
        hub_auth=hub_auth,
        admin_scope=ADMIN_SCOPE,
        cookie_secret=secrets.token_bytes(32),
        xsrf_cookies=True,
        login_url=hub_auth.login_url,
        template_path=os.path.join(HERE, "templates"),
        static_path=os.path.join(HERE, "static"),
        static_url_prefix=prefix + "static/",
    )


def hub_auth_for(api_url: str, prefix: str = PREFIX) -> HubOAuth:
    """A HubOAuth as a managed service named ``itbridge`` gets it from its environment."""
    return HubOAuth(
        api_url=api_url,
        api_token="service-token-" + secrets.token_hex(8),
        base_url=prefix,
        hub_prefix="/hub/",
        oauth_client_id="service-itbridge",
        oauth_redirect_uri=f"http://127.0.0.1{prefix}oauth_callback",
        access_scopes={"access:services!service=itbridge"},
        cache_max_age=300,
    )


async def _serve(store_path: str) -> None:
    from urllib.parse import urlsplit

    from relay.itview_store import open_store  # type: ignore[import-not-found]

    url = urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", PREFIX)
    app = make_app(open_store(store_path), HubOAuth(base_url=prefix, cache_max_age=300), prefix)
    app.listen(url.port or 80, address=url.hostname or "127.0.0.1", xheaders=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1]))
