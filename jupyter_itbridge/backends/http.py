"""HTTP plumbing shared by the API backends: one Session factory and one error mapping.

Why one place: every backend must retry the same way (idempotent calls only, so a POST that
creates a ticket is never silently sent twice) and must turn HTTP answers into the same precise
``BackendError`` sentences for the admin, without ever echoing a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from traitlets import Bool, Float, Integer, Unicode, validate
from urllib3.util.retry import Retry

from .base import Backend, BackendError, env_default
from .http_errors import error_from_response, network_error, origin

try:  # the version file is written by the build; tests may run from a plain checkout
    from .._version import __version__
except ImportError:  # pragma: no cover
    __version__ = "0"

USER_AGENT = f"jupyter-itbridge/{__version__} (+https://github.com/jupyter-itbridge)"
#: Methods urllib3 may resend after a read error: they do not create anything twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class _TimeoutSession(requests.Session):
    """A Session with a default timeout: requests has none, and a hung desk must not hang us."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def make_session(
    *, timeout: float = 15.0, retries: int = 2, backoff: float = 0.3, verify: bool | str = True
) -> requests.Session:
    """The one way backends get a Session.

    urllib3 retries connection failures (nothing was sent, so even a POST is safe) and read
    failures of idempotent methods only. HTTP statuses are NOT retried here: 429 and 5xx go
    back to the outbox worker as retryable ``BackendError`` so it can honour ``Retry-After``
    and keep the request visibly queued.
    """
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=0,
        other=0,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=(),
        backoff_factor=backoff,
        raise_on_status=False,
        raise_on_redirect=False,
        respect_retry_after_header=False,
    )
    session = _TimeoutSession(timeout)
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    session.verify = verify
    return session


class HTTPBackend(Backend):
    """Common traits and the request helper of every HTTP API backend."""

    url = Unicode(
        "",
        help="Base URL of the ticket system, e.g. https://rt.example.org (no trailing slash).",
    ).tag(config=True)

    timeout = Float(
        15.0,
        help="Seconds to wait for the ticket system before giving up on one call "
        "(the outbox retries later).",
    ).tag(config=True)

    retries = Integer(
        2,
        help="Quick connection/read retries inside one call (idempotent calls only; creates "
        "are never resent blindly). Longer outages are handled by the outbox's backoff.",
    ).tag(config=True)

    verify_tls = Bool(True, help="Verify the server's TLS certificate.").tag(config=True)

    ca_bundle = Unicode(
        "",
        help="Path of a CA bundle for a ticket system behind a corporate CA (empty: system CAs).",
    ).tag(config=True)

    proxy = Unicode(
        "",
        help="""Proxy for this backend's calls, e.g. ``http://itbridge@proxy.corp:3128`` (a user
        name may be in the URL; its password comes from ``ITBRIDGE_PROXY_PASSWORD``, never
        from config). ``NO_PROXY`` still applies. Empty: ``HTTPS_PROXY`` / ``HTTP_PROXY`` /
        ``NO_PROXY`` from the environment, as for any ``requests`` client.""",
    ).tag(config=True)

    proxy_password = Unicode(
        help="Password for the user named in ``proxy``. Default: the ``ITBRIDGE_PROXY_PASSWORD`` "
        "environment variable. Never logged or shown.",
    ).tag(config=True)

    client_cert = Unicode(
        "",
        help="PEM file with the client certificate for mutual TLS (and its key, unless "
        "``client_key`` is set). Empty: no client certificate.",
    ).tag(config=True)

    client_key = Unicode(
        "", help="PEM file with the (unencrypted) private key of ``client_cert``, if separate."
    ).tag(config=True)

    _proxy_password_env = env_default("proxy_password", "ITBRIDGE_PROXY_PASSWORD")
    _session: requests.Session | None = None

    @validate("url")
    def _strip_url(self, proposal: Any) -> str:
        return str(proposal["value"]).rstrip("/")

    @property
    def session(self) -> requests.Session:
        """Created lazily so that building a backend from config never touches the network."""
        if self._session is None:
            verify: bool | str = self.ca_bundle or self.verify_tls
            self._session = make_session(timeout=self.timeout, retries=self.retries, verify=verify)
            self._session.headers.update(self.auth_headers())
            if self.client_cert:
                self._session.cert = (
                    (self.client_cert, self.client_key) if self.client_key else self.client_cert
                )
            proxy = self.proxy_url()
            if proxy:
                self._session.proxies = {"http": proxy, "https": proxy}
            auth = self.basic_auth()
            if auth:
                self._session.auth = auth
        return self._session

    def proxy_url(self) -> str:
        """``proxy`` with ``proxy_password`` filled in (only ever handed to requests)."""
        if not self.proxy:
            return ""
        parts = urlsplit(self.proxy)
        if not (parts.username and self.proxy_password) or parts.password:
            return self.proxy
        userinfo = (
            f"{quote(unquote(parts.username), safe='')}:{quote(self.proxy_password, safe='')}"
        )
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit((parts.scheme, f"{userinfo}@{host}", parts.path, "", ""))

    def _proxies_for(self, url: str) -> dict[str, str | None] | None:
        """``NO_PROXY`` for the configured ``proxy`` too (requests applies it to env proxies
        only): a bypassed host gets explicit None proxies."""
        if self.proxy and requests.utils.should_bypass_proxies(url, no_proxy=None):
            return {"http": None, "https": None}
        return None

    # -- what subclasses provide -------------------------------------------------------------
    def api_base(self) -> str:
        """Where API paths are rooted (Jira scoped tokens go through Atlassian's gateway)."""
        return self.url

    def dynamic_auth(self, refresh: bool = False) -> dict[str, str]:
        """Headers from a short-lived credential (OAuth client credentials, app tokens),
        fetched or refreshed here; ``refresh`` is True after a 401 with the cached one."""
        return {}

    def auth_headers(self) -> dict[str, str]:
        return {}

    def basic_auth(self) -> tuple[str, str] | None:
        return None

    def secret_trait(self) -> str:
        """``Class.trait`` of the credential in use, for 401/403 messages."""
        return f"{type(self).__name__} credentials"

    def response_error(self, resp: requests.Response, *, action: str, target: str) -> BackendError:
        """Map a failed answer (subclasses add API quirks, e.g. GitHub's 403 rate limit)."""
        return error_from_response(
            resp, secret_trait=self.secret_trait(), action=action, target=target
        )

    # -- the one request helper --------------------------------------------------------------
    def require_url(self) -> None:
        if not self.url:
            raise BackendError(f"{type(self).__name__}.url is not set.", retryable=False)

    def call(
        self,
        method: str,
        path: str,
        *,
        action: str,
        target: str = "",
        ok: Iterable[int] = (200, 201, 204),
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request; return the response or raise a precise BackendError."""
        self.require_url()
        url = path if path.startswith(("http://", "https://")) else f"{self.api_base()}{path}"
        bypass = self._proxies_for(url)
        if bypass:
            kwargs["proxies"] = bypass
        extra = self.dynamic_auth()
        resp = self._send(method, url, action, extra, kwargs)
        if resp.status_code == 401 and extra:  # a revoked or early-expired short-lived token
            resp = self._send(method, url, action, self.dynamic_auth(refresh=True), kwargs)
        if resp.status_code not in set(ok):
            err = self.masked(self.response_error(resp, action=action, target=target))
            self.log.warning("itbridge %s: %s", self.name, err.admin_message)
            raise err
        return resp

    def _send(
        self, method: str, url: str, action: str, extra: dict[str, str], kwargs: dict[str, Any]
    ) -> requests.Response:
        if extra:
            kwargs = {**kwargs, "headers": {**(kwargs.get("headers") or {}), **extra}}
        try:
            return self.session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            self.log.warning(
                "itbridge %s: %s %s failed: %s", self.name, method, origin(url), type(exc).__name__
            )
            err = network_error(exc, url, action, f"{type(self).__name__}.ca_bundle")
            raise self.masked(err) from None

    def basic_pairs(self) -> list[tuple[str, str]]:
        """``(user, password)`` pairs this backend sends as HTTP Basic (its own credentials,
        the proxy's), so admin messages can mask their base64 form too."""
        pairs = []
        auth = self.basic_auth()
        if auth and auth[1]:
            pairs.append(auth)
        user = urlsplit(self.proxy).username if self.proxy else None
        if user and self.proxy_password:
            pairs.append((unquote(user), self.proxy_password))
        return pairs

    def network_facts(self) -> dict[str, Any]:
        """Non-secret network settings for ``describe`` (the proxy by origin only)."""
        return {
            "proxy": origin(self.proxy) if self.proxy else None,
            "ca_bundle": self.ca_bundle or None,
            "client_cert": bool(self.client_cert),
        }

    def masked(self, err: BackendError) -> BackendError:
        """The error with every configured secret masked: an error body may echo one."""
        err.admin_message = self.mask(err.admin_message)
        err.args = (err.admin_message,)
        return err

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "url": self.url}


def json_body(resp: requests.Response, action: str) -> Any:
    """Parse JSON or raise a retryable error (a proxy's HTML error page, a truncated body)."""
    try:
        return resp.json()
    except ValueError:
        raise BackendError(
            f"{origin(resp.url or '')} answered {action} with a non-JSON body "
            f"(HTTP {resp.status_code}); is the URL right?",
            retryable=True,
            status=resp.status_code,
        ) from None
