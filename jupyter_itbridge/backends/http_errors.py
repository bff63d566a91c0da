"""HTTP answers and network failures as ``BackendError`` sentences an admin can act on.

Every backend reports the same failure the same way, and never echoes what the server sent
back verbatim: an HTML error page is named by its title, a JSON error by its fields, and a
connection failure says whether the name did not resolve, the port refused, or the answer
was lost (which matters: a lost answer to a create is "in doubt", see ``server/indoubt.py``).
"""

from __future__ import annotations

import email.utils
import json
import time
from urllib.parse import urlsplit

import requests

from .base import BackendError


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):  # not a date (Python 3.10+ raises)
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL: what admin messages name (never a path or query,
    which for webhooks can hold the secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}" if parts.netloc else url


def server_message(resp: requests.Response, limit: int = 200) -> str:
    """A short, single-line reason from an error body (JSON ``message``/``error`` or text)."""
    text = ""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "errorMessages", "error", "errors", "detail"):
            val = data.get(key)
            if isinstance(val, dict):  # ServiceNow: {"error": {"message", "detail"}}
                parts = [str(val[k]) for k in ("message", "detail") if val.get(k)]
                val = ": ".join(parts) or json.dumps(val)
            if isinstance(val, list):
                val = "; ".join(str(v.get("message", v) if isinstance(v, dict) else v) for v in val)
            if val:
                text = str(val)
                break
    elif data is None:
        text = resp.text or ""
        if _looks_like_html(resp, text):
            return _html_summary(text)[:limit]
    text = " ".join(text.split())
    return text[:limit]


def _looks_like_html(resp: requests.Response, text: str) -> bool:
    kind = str(resp.headers.get("Content-Type", "")).lower()
    return "html" in kind or text.lstrip()[:15].lower().startswith(("<!doctype", "<html"))


def _html_summary(text: str) -> str:
    """An HTML page instead of the API's JSON (a login page, a proxy, the wrong URL): name its
    title, never paste the markup."""
    import re

    found = re.search(r"<title[^>]{0,100}>([^<]{0,200})</title>", text, re.IGNORECASE)
    title = " ".join(found.group(1).split()) if found else ""
    named = f" titled {title!r}" if title else ""
    return f"an HTML page{named}, not the API's JSON (is the URL the ticket system's base URL?)"


def error_from_response(
    resp: requests.Response,
    *,
    secret_trait: str,
    action: str,
    target: str = "",
) -> BackendError:
    """Turn a non-success HTTP answer into the BackendError the worker and admin need.

    ``secret_trait`` names the credential (``RTBackend.token``) so a 401/403 says exactly what
    to fix; ``action`` is what we tried ("create a ticket"); ``target`` names the queue,
    project or table for a 404.
    """
    code = resp.status_code
    where = origin(resp.url or "")
    reason = server_message(resp)
    detail = f": {reason}" if reason else ""
    if code in (401, 403):
        if code == 403 and target:
            return BackendError(
                f"{secret_trait} is not allowed to {action} in {target} on {where} "
                f"(HTTP 403){detail}",
                retryable=False,
                status=code,
            )
        return BackendError(
            f"{secret_trait} was rejected by {where} (HTTP {code}){detail}",
            retryable=False,
            status=code,
        )
    if code == 429:
        wait = parse_retry_after(resp.headers.get("Retry-After"))
        later = f"; retrying in {wait:.0f}s" if wait is not None else ""
        return BackendError(
            f"{where} is rate limiting jupyter-itbridge (HTTP 429) while trying to {action}{later}",
            retryable=True,
            retry_after=wait,
            status=code,
        )
    if code == 404:
        return BackendError(
            f"{where} answered 404 Not Found when trying to {action}"
            f"{f' in {target}' if target else ''} ({urlsplit(resp.url or '').path}){detail}",
            retryable=False,
            status=code,
        )
    if code >= 500 or code in (408, 409, 425):
        return BackendError(
            f"{where} failed to {action} (HTTP {code}){detail}; will retry",
            retryable=True,
            retry_after=parse_retry_after(resp.headers.get("Retry-After")),
            status=code,
        )
    return BackendError(
        f"{where} refused to {action} (HTTP {code}){detail}", retryable=False, status=code
    )


def network_error(
    exc: requests.RequestException, url: str, action: str, ca_trait: str = "ca_bundle"
) -> BackendError:
    """A connection failure or timeout: always retryable, names the host, not the path."""
    where = origin(url)
    # Refused, unresolvable, TLS failed, connect timed out, the proxy refused: the request
    # never reached the ticket system.
    sent = not isinstance(
        exc,
        (
            requests.exceptions.SSLError,
            requests.exceptions.ConnectTimeout,
            requests.exceptions.ProxyError,
        ),
    ) and not _never_connected(exc)
    if isinstance(exc, requests.exceptions.ProxyError):
        reason = "refused the credentials" if "407" in str(exc) else "could not be reached"
        what = (
            f"The proxy for {where} {reason} while trying to {action} "
            "(check the backend's proxy and ITBRIDGE_PROXY_PASSWORD, or HTTPS_PROXY/NO_PROXY)"
        )
    elif isinstance(exc, requests.exceptions.SSLError):
        what = (
            f"The TLS certificate of {where} was not trusted while trying to {action} "
            f"(behind a corporate CA? set {ca_trait})"
        )
    elif isinstance(exc, requests.Timeout):
        what = f"{where} timed out while trying to {action}"
    elif _dns_failure(exc):
        host = urlsplit(url).hostname or where
        what = f"The host name {host!r} of {where} does not resolve (DNS) while trying to {action}"
    elif _refused(exc):
        what = (
            f"Could not connect to {where} while trying to {action}: connection refused "
            "(nothing listens there)"
        )
    else:
        what = f"Could not connect to {where} while trying to {action}"
    return BackendError(f"{what}; will retry", retryable=True, in_doubt=sent)


def _never_connected(exc: requests.RequestException) -> bool:
    """True when urllib3 says no connection was made (nothing was sent)."""
    # urllib3 2's NameResolutionError is a NewConnectionError (1.26 has only the latter)
    from urllib3.exceptions import NewConnectionError

    seen: BaseException | None = exc
    for _ in range(6):  # requests wraps urllib3's MaxRetryError, which wraps the reason
        if seen is None:
            return False
        if isinstance(seen, NewConnectionError):
            return True
        reason = getattr(seen, "reason", None)
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = reason if isinstance(reason, BaseException) else inner
    return False


def _causes(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(out) < 10:
        out.append(seen)
        nxt = seen.__cause__ or seen.__context__
        if nxt is None and seen.args and isinstance(seen.args[0], BaseException):
            nxt = seen.args[0]  # requests wraps urllib3's error as its first argument
        reason = getattr(seen, "reason", None)
        if nxt is None and isinstance(reason, BaseException):
            nxt = reason
        seen = nxt if nxt not in out else None
    return out


def _dns_failure(exc: BaseException) -> bool:
    import socket

    return any(
        isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError"
        for e in _causes(exc)
    )


def _refused(exc: BaseException) -> bool:
    return any(isinstance(e, ConnectionRefusedError) for e in _causes(exc)) or (
        "Connection refused" in str(exc)
    )
