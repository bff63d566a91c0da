"""``jupyter itbridge requests ... --relay URL``: read every user's requests from the hub relay.

Why a client of the relay's admin API, not of its database: on a hub the store belongs to the
relay (often PostgreSQL, behind its own credentials), and the admin API applies the same rule
as IT's web page (hub admins and the admin scope only). The records are the ones the page and
its exports show: the REST API's request shape plus ``requesters`` and ``duplicate_of``, so
``list``, ``show`` and ``export`` print exactly what they print for a local store.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

#: Where the token comes from, first set wins: a token made for the CLI, else the one a hub
#: process (e.g. an admin's single-user server) already has.
TOKEN_ENVS = ("ITBRIDGE_RELAY_TOKEN", "JUPYTERHUB_API_TOKEN")
ADMIN_API = "api/v1/admin/requests"
PAGE = 500


class RelayError(Exception):
    """One sentence for the admin: what failed and what to do (``status``: the HTTP status)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UnknownRelayRequest(RelayError):
    """The relay has no request with that id (exit 2, like an unknown id in a local store)."""


def _token_from_env() -> tuple[str, str]:
    for name in TOKEN_ENVS:
        value = os.environ.get(name, "").strip()
        if value:
            return name, value
    raise RelayError(
        f"Set {TOKEN_ENVS[0]} (or {TOKEN_ENVS[1]}) to a JupyterHub API token of a hub admin or "
        "with the relay's admin scope (custom:itbridge:admin); see 'jupyter itbridge requests "
        "list --help'."
    )


class RelayClient:
    """The relay's admin JSON API, with one clear sentence for every way it can fail."""

    def __init__(self, url: str, token: str, token_source: str = "", timeout: float = 30) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise RelayError(
                f"--relay {url!r} is not an http(s) URL; give the relay's address, e.g. "
                "https://hub.example.org/services/itbridge/."
            )
        self.url = url if url.endswith("/") else url + "/"
        self.token = token
        self.token_source = token_source or "the token"
        self.timeout = timeout

    @classmethod
    def from_env(cls, url: str) -> RelayClient:
        name, token = _token_from_env()
        return cls(url, token, f"${name}")

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        import requests

        try:
            response = requests.get(
                self.url + path,
                params={k: v for k, v in (params or {}).items() if v not in ("", None)},
                headers={"Authorization": f"token {self.token}", "Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as err:
            raise RelayError(
                f"Cannot reach the relay at {self.url} ({type(err).__name__}); check the URL "
                "(the service's address, e.g. https://hub.example.org/services/itbridge/) and "
                "that JupyterHub and the relay are running."
            ) from None
        return self._answer(response)

    def _answer(self, response: Any) -> Any:
        status = response.status_code
        message = ""
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            message = f": {data['message']}"
        if status == 401:
            raise RelayError(
                f"The relay at {self.url} did not accept the token from {self.token_source} "
                f"(HTTP 401{message}); use a valid JupyterHub API token."
            )
        if status == 403:
            raise RelayError(
                f"The token from {self.token_source} may not read every request (HTTP 403"
                f"{message}); use a hub admin's token or one with the scope "
                "custom:itbridge:admin."
            )
        if status == 404 and not message:  # not the relay's JSON error: not the relay at all
            raise RelayError(
                f"{self.url} has no admin API (HTTP 404); is it the itbridge relay (the "
                "service's address, e.g. https://hub.example.org/services/itbridge/)?"
            )
        if 300 <= status < 400 or (status == 200 and data is None):
            raise RelayError(
                f"{self.url} did not answer as the itbridge relay's admin API (HTTP {status}); "
                "check the URL (the service's address, e.g. .../services/itbridge/)."
            )
        if status >= 400:
            raise RelayError(f"The relay at {self.url} answered HTTP {status}{message}.", status)
        return data

    def requests(
        self, *, state: str = "", user: str = "", limit: int = 500
    ) -> list[dict[str, Any]]:
        """Requests newest first (one state or ``open``), up to ``limit``, a page at a time."""
        out: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None and len(out) < limit:
            page = {"state": state, "user": user, "limit": min(PAGE, limit - len(out))}
            data = self._get(ADMIN_API, {**page, "offset": offset})
            if not isinstance(data, dict) or not isinstance(data.get("requests"), list):
                raise RelayError(f"{self.url} answered an unexpected shape for {ADMIN_API}.")
            out.extend(data["requests"])
            offset = data.get("next_offset")
        return out[:limit]

    def request(self, key: str) -> dict[str, Any]:
        """One request by number (5, #5) or UUID, with history, comments and requesters."""
        try:
            data = self._get(f"{ADMIN_API}/{quote(key.strip(), safe='')}")
        except RelayError as err:
            if err.status == 404:
                raise UnknownRelayRequest(
                    f"No request {key!s:.64} in the relay at {self.url}."
                ) from None
            raise
        if not isinstance(data, dict) or "uuid" not in data:
            raise RelayError(f"{self.url} answered an unexpected shape for request {key!s:.64}.")
        return data
