"""ServiceNow helpers kept apart from the backend class: OAuth client credentials, state
tables per task table, and the ``sys_user`` / ``sys_user_group`` lookups.

Why separate: each is a documented ServiceNow contract of its own, testable on its own, and
the backend module stays readable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from .base import BackendError
from .http_errors import error_from_response, network_error

#: ``state`` -> our state per table (ServiceNow's out-of-the-box choice lists).
TASK_STATES: dict[str, str] = {
    "1": "sent",  # Open
    "2": "acknowledged",  # Work in Progress
    "-5": "acknowledged",  # Pending
    "3": "resolved",  # Closed Complete
    "4": "rejected",  # Closed Incomplete
    "7": "rejected",  # Closed Skipped
}
TABLE_STATES: dict[str, dict[str, str]] = {
    "incident": {
        "1": "sent",  # New
        "2": "acknowledged",  # In Progress
        "3": "acknowledged",  # On Hold
        "6": "resolved",  # Resolved
        "7": "resolved",  # Closed
        "8": "rejected",  # Canceled
    },
    "problem": {
        "101": "sent",  # New
        "102": "acknowledged",  # Assess
        "103": "acknowledged",  # Root Cause Analysis
        "104": "acknowledged",  # Fix in Progress
        "106": "resolved",  # Resolved
        "107": "resolved",  # Closed
    },
    "change_request": {
        "-5": "sent",  # New
        "-4": "acknowledged",  # Assess
        "-3": "acknowledged",  # Authorize
        "-2": "acknowledged",  # Scheduled
        "-1": "acknowledged",  # Implement
        "0": "acknowledged",  # Review
        "3": "resolved",  # Closed
        "4": "rejected",  # Canceled
    },
    "sc_task": TASK_STATES,
    "sc_req_item": TASK_STATES,
    "task": TASK_STATES,
}
#: sc_request ``request_state`` -> our state.
REQUEST_STATES: dict[str, str] = {
    "requested": "sent",
    "in_process": "acknowledged",
    "closed_complete": "resolved",
    "closed_incomplete": "rejected",
    "closed_cancelled": "rejected",
    "closed_rejected": "rejected",
}

#: Renew a token this many seconds before ServiceNow says it expires.
EXPIRY_MARGIN = 60.0


def states_for(table: str, overrides: dict[str, str]) -> dict[str, str]:
    """The state map of ``table`` (task's for tables we do not know), with admin overrides."""
    return {**TABLE_STATES.get(table, TASK_STATES), **overrides}


def is_sys_id(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value.lower())


class OAuthClientCredentials:
    """Access tokens from ``POST /oauth_token.do`` (grant ``client_credentials``), cached
    until shortly before ``expires_in`` and fetched again on demand or after a 401."""

    def __init__(
        self,
        url: str,
        client_id: str,
        client_secret: str,
        session: requests.Session,
        proxies: dict[str, str | None] | None = None,
    ) -> None:
        self.token_url = f"{url}/oauth_token.do"
        self.client_id, self.client_secret = client_id, client_secret
        self.session = session
        self.proxies = proxies  # NO_PROXY for a configured proxy, as for every other call
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def header(self, refresh: bool = False) -> dict[str, str]:
        with self._lock:
            if refresh or not self._token or time.time() >= self._expires:
                self._fetch()
            return {"Authorization": f"Bearer {self._token}"}

    def _fetch(self) -> None:
        data = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        try:
            extra: dict[str, Any] = {"proxies": self.proxies} if self.proxies else {}
            resp = self.session.post(self.token_url, data=data, auth=None, **extra)
        except requests.RequestException as exc:
            raise network_error(exc, self.token_url, "get an OAuth token") from None
        if resp.status_code != 200:
            raise error_from_response(
                resp,
                secret_trait="ServiceNowBackend.client_id/client_secret",
                action="get an OAuth token",
            )
        try:
            body = resp.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 1800)
        except (ValueError, KeyError, TypeError):
            raise BackendError(
                f"{self.token_url.rsplit('/', 1)[0]} answered the OAuth token request without "
                "an access_token; is oauth_token.do enabled for client credentials?",
                retryable=True,
            ) from None
        self._token = token
        self._expires = time.time() + max(0.0, lifetime - EXPIRY_MARGIN)


class Lookups:
    """``sys_user`` and ``sys_user_group`` sys_ids by name, cached, each read back before use
    (an encoded-query term on a missing field is dropped, so a raw first row proves nothing)."""

    def __init__(self, rows: Callable[[str, str, str, int, str], list[dict[str, Any]]]) -> None:
        self.rows = rows
        self._cache: dict[tuple[str, str, str], str | None] = {}
        self._names: dict[str, str] = {}

    def sys_id(self, table: str, field: str, value: str) -> str | None:
        if "^" in value or not value.strip():
            return None  # "^" would add encoded-query terms: never a name we look up
        key = (table, field, value.lower())
        if key not in self._cache:
            found = [
                r
                for r in self.rows(table, f"{field}={value}", f"sys_id,{field}", 2, "look up")
                if str(r.get(field, "")).lower() == value.lower()
            ]
            self._cache[key] = str(found[0]["sys_id"]) if len(found) == 1 else None
        return self._cache[key]

    def display_name(self, user_name: str) -> str:
        """``sys_user.name`` of a journal author (``sys_created_by`` holds the user name);
        the user name itself when it cannot be read."""
        if user_name not in self._names:
            name = user_name
            if user_name and "^" not in user_name:
                try:
                    rows = self.rows(
                        "sys_user", f"user_name={user_name}", "user_name,name", 2, "look up"
                    )
                except BackendError:
                    rows = []
                match = [r for r in rows if r.get("user_name") == user_name]
                if len(match) == 1 and match[0].get("name"):
                    name = str(match[0]["name"])
            self._names[user_name] = name
        return self._names[user_name]
