"""Base handler: one place for authentication, the kernel token, JSON in and out, error text.

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
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.auth.identity import User
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..contract import TOKEN_HEADER as KERNEL_TOKEN_HEADER

if TYPE_CHECKING:
    from .context import ITBridgeContext

AUTH_RESOURCE = "itbridge"

Method = TypeVar("Method", bound=Callable[..., Awaitable[None]])

#: C0/C1 control characters and Unicode line breaks: never written raw to a log line.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``...), for one log line.

    Why: request ids and query values are quoted in messages, and a raw newline or ESC there
    forges log lines or drives the terminal of whoever reads the log.
    """
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def parse_json_body(body: bytes, limit: int) -> Any:
    """A request body as JSON: 413 over ``limit`` bytes, 400 (with the reason) for an empty
    body or anything not JSON, deep nesting included (the server's and the relay's rule)."""
    if len(body) > limit:
        raise web.HTTPError(413, f"Request body is {len(body)} bytes; the limit is {limit}.")
    if not body.strip():
        raise web.HTTPError(400, "Request body is empty; expected a JSON object.")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise web.HTTPError(400, f"Request body is not valid JSON: {err}") from None


def error_message(err: web.HTTPError) -> str | None:
    """The message an ``HTTPError`` was raised with, exactly (tornado stores it %-escaped)."""
    get_message = getattr(err, "get_message", None)  # tornado >= 6.5
    if callable(get_message):
        message: str | None = get_message()
        return message
    message = err.log_message
    if message and err.args:
        return message % err.args
    return message.replace("%%", "%") if message else message  # older tornado escaped it


def endpoint(*, kernel: bool = False) -> Callable[[Method], Method]:
    """Decorate every HTTP method: ``@tornado.web.authenticated``, then ``@authorized``.

    ``kernel=True`` additionally lets the per-process kernel token in (and nothing else). The
    outermost wrapper is tornado's own ``authenticated``, so jupyter-server sees it (with
    ``allow_unauthenticated_access = False`` it flags every method it cannot see it on); the
    kernel request passes it because ``prepare`` set ``current_user`` from the token.
    """

    def decorate(method: Method) -> Method:
        browser_path = authorized(method)

        @functools.wraps(method)
        async def checked(self: ITBridgeHandler, *args: Any, **kwargs: Any) -> None:
            if self.is_kernel_request:
                if not kernel:
                    raise web.HTTPError(403, "The kernel token cannot use this endpoint.")
                result = method(self, *args, **kwargs)
            else:
                result = browser_path(self, *args, **kwargs)
            if inspect.isawaitable(result):
                await result

        wrapper = web.authenticated(checked)
        wrapper.__itbridge_endpoint__ = {"kernel": kernel}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]  # same signature as ``method``

    return decorate


class ITBridgeHandler(APIHandler):
    """Base class of every jupyter-itbridge REST handler."""

    auth_resource = AUTH_RESOURCE
    is_kernel_request = False

    @property
    def itbridge(self) -> ITBridgeContext:
        context: ITBridgeContext = self.settings["itbridge"]
        return context

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
        return parse_json_body(self.request.body or b"", limit)

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data, default=str))

    # -- errors: the user's text, exactly, in the reply; escaped in the log ---------------------

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """JSON ``{"message", "reason"}`` as jupyter-server writes it, minus its doubled ``%%``."""
        exc_info = kwargs.get("exc_info")
        err = exc_info[1] if exc_info else None
        if isinstance(err, web.HTTPError) and (message := error_message(err)):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": message, "reason": err.reason}))
            return
        super().write_error(status_code, **kwargs)

    def log_exception(self, typ: Any, value: BaseException | None, tb: Any) -> None:
        """HTTP errors as one warning line: the message may quote user input (``%``, newlines)."""
        if isinstance(value, web.HTTPError):
            message = error_message(value)
            if message:
                self.log.warning(
                    "%d %s: %s", value.status_code, self._request_summary(), printable(message)
                )
            return
        super().log_exception(typ, value, tb)

    def _request_summary(self) -> str:
        # Also what jupyter-server's access log prints: the URI is the client's text.
        return printable(super()._request_summary())
