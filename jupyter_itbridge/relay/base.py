"""The relay's base handler: who is calling (JupyterHub token or login cookie), JSON, errors.

Why ``HubOAuthenticated`` (jupyterhub.services.auth): single-user servers call with their
``JUPYTERHUB_API_TOKEN`` (``Authorization: token ...``) and IT staff open the admin view in a
browser (OAuth login cookie); one ``HubOAuth`` handles both. The user is resolved once per call,
asynchronously in ``prepare`` (``HubAuth`` caches token lookups), so no handler blocks the
event loop on the Hub. The identity is always the token's owner: a ``user`` field in a body
means nothing here.

For subclasses (the API here, IT's view in ``admin_view.py``):

- ``self.relay_store``: the relay's :class:`~jupyter_itbridge.server.store.Store`.
- ``self.relay``: the :class:`~jupyter_itbridge.relay.service.RelayService`.
- ``self.hub_user``: the caller's Hub model (``name``, ``kind``, ``admin``, ``scopes``), or None.
- ``self.require_user()``: the caller's name, or 401 (no or unknown token).
- ``self.require_admin()``: the caller's model if a hub admin or holder of
  ``c.ITBridgeRelay.admin_scope``; anonymous browsers are redirected to the Hub login, anyone
  else gets 403.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jupyterhub.services.auth import HubOAuthenticated, UserNotAllowed
from tornado import web

from ..server.base import error_message, parse_json_body, printable
from ..server.service import ServiceError

if TYPE_CHECKING:
    from ..server.store import Store
    from .app import RelayContext
    from .service import RelayService


class RelayHandler(HubOAuthenticated, web.RequestHandler):
    """Base class of every relay handler (API and IT's view)."""

    hub_user: dict[str, Any] | None = None
    #: Set when the token was valid but lacks the access scope: 403 instead of 401.
    _not_allowed: dict[str, Any] | None = None

    @property
    def context(self) -> RelayContext:
        context: RelayContext = self.settings["itbridge_relay"]
        return context

    @property
    def hub_auth(self) -> Any:  # the one HubOAuth of the app (HubAuthenticated reads this)
        return self.settings["hub_auth"]

    @hub_auth.setter
    def hub_auth(self, value: Any) -> None:  # HubAuthenticated declares a setter
        raise AttributeError("the relay's HubOAuth is shared; set settings['hub_auth']")

    @property
    def relay_store(self) -> Store:
        return self.context.service.store

    @property
    def relay(self) -> RelayService:
        return self.context.relay

    async def prepare(self) -> None:
        """Resolve the caller with the Hub without blocking (the mixin's lookup is sync)."""
        try:
            model = await self.hub_auth.get_user(self, sync=False)
        except web.HTTPError as err:  # the Hub API is down or answered nonsense
            if err.status_code < 500:
                raise
            raise web.HTTPError(503, "JupyterHub did not answer the relay; try again.") from None
        user = None
        if model:
            try:
                user = self.check_hub_user(model)
            except UserNotAllowed:
                self._not_allowed = model
        self.hub_user = user
        self._hub_auth_user_cache = user  # what get_current_user() returns from now on

    def get_current_user(self) -> Any:
        return self.hub_user

    # -- who may do what ------------------------------------------------------------------------

    def require_user(self) -> str:
        """The calling user's name; 401 without a valid token, 403 without the access scope."""
        if self._not_allowed is not None:
            raise web.HTTPError(
                403,
                f"{self._not_allowed.get('kind', 'user')} {self._not_allowed.get('name')} lacks "
                f"the scope {' or '.join(sorted(self.hub_scopes or []))}.",
            )
        if self.hub_user is None:
            raise web.HTTPError(401, "A JupyterHub token is required (Authorization: token ...).")
        if self.hub_user.get("kind", "user") != "user":
            raise web.HTTPError(403, "Only users' servers may file requests with the relay.")
        return str(self.hub_user["name"])

    def is_admin(self, model: dict[str, Any] | None = None) -> bool:
        model = self.hub_user if model is None else model
        if not model:
            return False
        scope = self.context.config.admin_scope
        return bool(model.get("admin")) or bool(
            scope and self.hub_auth.check_scopes({scope}, model)
        )

    def require_admin(self) -> dict[str, Any]:
        """The caller's Hub model if they may see every request (hub admin or admin scope)."""
        if self.hub_user is None and self._not_allowed is None:
            if self.request.method in ("GET", "HEAD"):
                self.redirect(self.get_login_url())
                raise web.Finish()
            raise web.HTTPError(401, "Log in through JupyterHub first.")
        model = self.hub_user or self._not_allowed
        if not self.is_admin(model):
            raise web.HTTPError(
                403, f"IT's view needs a hub admin or the scope {self.context.config.admin_scope}."
            )
        assert model is not None
        return model

    # -- JSON -----------------------------------------------------------------------------------

    def read_json(self) -> Any:
        """The body as JSON: 413 over ``max_body_bytes``, 400 for anything not JSON."""
        data = parse_json_body(self.request.body or b"", self.context.config.max_body_bytes)
        try:  # the relay stores what it gets as is: no lone surrogates
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeError as err:
            raise web.HTTPError(400, f"Request body is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, "The request body must be a JSON object.")
        return data

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data, default=str))

    def call(self, fn: Any, *args: Any) -> Any:
        """A service call with its ``ServiceError`` as the same HTTP error."""
        try:
            return fn(*args)
        except ServiceError as err:
            raise web.HTTPError(err.status, err.message) from None

    def check_xsrf_cookie(self) -> None:
        """XSRF applies to browser (cookie) calls only. Tornado checks it before ``prepare``,
        so a call is recognised by its ``Authorization`` token header, which a browser never
        sends cross-site; a bad token then gets 401 in ``prepare``."""
        if self.hub_auth.get_token(self, in_cookie=False):
            return None
        return super().check_xsrf_cookie()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """``{"message", "reason"}`` as the Jupyter server's API writes errors; never a trace."""
        exc_info = kwargs.get("exc_info")
        err = exc_info[1] if exc_info else None
        message = error_message(err) if isinstance(err, web.HTTPError) else None
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message or self._reason, "reason": self._reason}))

    def log_exception(self, typ: Any, value: BaseException | None, tb: Any) -> None:
        if isinstance(value, web.HTTPError):
            message = error_message(value)
            if message:
                self.log_warning(f"{value.status_code} {self._request_summary()}: {message}")
            return
        super().log_exception(typ, value, tb)

    def log_warning(self, text: str) -> None:
        from tornado.log import app_log

        app_log.warning("%s", printable(text))
