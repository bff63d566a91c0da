"""What a backend is missing before it can reach its ticket system, found without any call.

Why: ``doctor`` used to connect first and report a refused login (or nothing useful) when the
token or password was simply not set, and the server started with such a backend without a
word in its log. Both now say, before any network call, which setting is missing.
"""

from __future__ import annotations

from typing import Any


def missing_settings(backend: Any) -> str | None:
    """One sentence naming the missing setting, or None when nothing obvious is missing.

    Duck-typed on ``HTTPBackend``'s plumbing: ``url``, ``auth_headers()``, ``basic_auth()``
    and ``secret_trait()``; a backend without them (local, email) is not judged here.
    """
    cls = type(backend).__name__
    url = getattr(backend, "url", None)
    if isinstance(url, str) and not url and getattr(backend, "name", "") != "hub":
        return f"c.{cls}.url is not set: jupyter-itbridge does not know where the ticket system is."
    headers, basic = getattr(backend, "auth_headers", None), getattr(backend, "basic_auth", None)
    if not callable(headers) or not callable(basic):
        return None
    auth = basic()
    if headers() or getattr(backend, "name", "") in ("webhook", "hub"):
        return None
    if auth is None:
        trait = backend.secret_trait() if callable(getattr(backend, "secret_trait", None)) else ""
        return (
            f"No credential for the ticket system: set {trait or f'c.{cls}.token'} "
            "(or its ITBRIDGE_* environment variable)."
        )
    if not auth[1]:
        return f"c.{cls}.user is set to {auth[0]!r} but its password is empty."
    return None
