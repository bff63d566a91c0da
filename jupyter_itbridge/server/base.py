"""Base handler: one place for authentication, the kernel token, JSON in and out.

Browser calls go through jupyter-server's identity provider, XSRF check and ``@authorized``.
Kernel calls carry ``X-ITBridge-Token`` (a random per-process secret the server puts in the
environment of the kernels it starts); that token is accepted only by endpoints declared with
``@endpoint(kernel=True)``: least privilege.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.auth.identity import User
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..kernel.client import TOKEN_HEADER as KERNEL_TOKEN_HEADER  # one contract, both sides

if TYPE_CHECKING:
    from .extension import ITBridgeApp

AUTH_RESOURCE = "itbridge"


def endpoint(*, kernel: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate every HTTP method: ``@tornado.web.authenticated`` + ``@authorized``.

    ``kernel=True`` additionally lets the per-process kernel token in (and nothing else).
    """

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        browser_path = web.authenticated(authorized(method))

        @functools.wraps(method)
        async def wrapper(self: ITBridgeHandler, *args: Any, **kwargs: Any) -> Any:
            if self.is_kernel_request:
                if not kernel:
                    raise web.HTTPError(403, "The kernel token cannot use this endpoint.")
                result = method(self, *args, **kwargs)
            else:
                result = browser_path(self, *args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result

        wrapper.__itbridge_endpoint__ = {"kernel": kernel}  # type: ignore[attr-defined]
        return wrapper

    return decorate


class ITBridgeHandler(APIHandler):
    """Base class of every jupyter-itbridge REST handler."""

    auth_resource = AUTH_RESOURCE
    is_kernel_request = False

    @property
    def itbridge(self) -> ITBridgeApp:
        return self.settings["itbridge"]

    @property
    def owner(self) -> str:
        """Owner of the requests this call may see (single-user server: its user)."""
        return self.itbridge.owner

    async def prepare(self) -> None:  # type: ignore[override]
        token = self.request.headers.get(KERNEL_TOKEN_HEADER)
        if token is None:
            await super().prepare()
            return
        if not self.check_host():
            raise web.HTTPError(403)
        expected = self.itbridge.kernel_token
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            self.current_user = self._jupyter_current_user = None
            raise web.HTTPError(403, "Invalid kernel token.")
        self.is_kernel_request = True
        user = User(username=self.owner, name=f"{self.owner} (kernel)")
        self.current_user = self._jupyter_current_user = user

    def check_xsrf_cookie(self) -> None:
        # Kernels are not browsers: they hold no cookie and authenticate with the token.
        if self.is_kernel_request:
            return None
        return super().check_xsrf_cookie()

    def read_json(self, max_bytes: int | None = None) -> Any:
        """Parse the body as JSON with clear 4xx errors (never a 500 for what a user typed)."""
        limit = max_bytes if max_bytes is not None else self.itbridge.config.max_body_bytes
        body = self.request.body or b""
        if len(body) > limit:
            raise web.HTTPError(413, f"Request body is {len(body)} bytes; the limit is {limit}.")
        if not body.strip():
            raise web.HTTPError(400, "Request body is empty; expected a JSON object.")
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as err:  # deep nesting too
            raise web.HTTPError(400, f"Request body is not valid JSON: {err}") from None

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data, default=str))
