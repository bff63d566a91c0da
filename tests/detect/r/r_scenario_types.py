"""The shape of an R scenario and the expectations several scenarios share (see
``r_scenarios``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BLOCK_SELENIUM = {"blocked_packages": {"cran:RSelenium": "Browser automation is not allowed."}}
BLOCK_ARROW = {
    "blocked_packages": {
        "cran:arrow": {"reason": "Not approved yet (licence review).", "alternative": "duckdb"}
    }
}


@dataclass(frozen=True)
class Scenario:
    id: str
    family: str
    setup: str
    code: str
    expect: tuple[str, str, str] | None
    policy: dict[str, Any] | None = None
    batch: str = "dev"  # "held-out": written after the rules, scored before any change


def env_case(
    family: str, setup: str, code: str, expect: Any = None, policy: Any = None
) -> Scenario:
    return Scenario("", family, setup, code, tuple(expect) if expect else None, policy)


def held_out(
    family: str, setup: str, code: str, expect: Any = None, policy: Any = None
) -> Scenario:
    return Scenario("", family, setup, code, tuple(expect) if expect else None, policy, "held-out")


def missing(pkg: str, confidence: str = "high") -> tuple[str, str, str]:
    return ("missing_package", f"cran:{pkg}", confidence)


DSN_DRIVER = ("missing_driver", "odbc-driver:libghostodbc", "high")
PROXY = ("network_blocked", "proxy", "high")
PROXY_MEDIUM = ("network_blocked", "proxy", "medium")
TLS = ("network_blocked", "tls-ca", "high")
DNS = ("network_blocked", "dns", "medium")
INDEX = ("network_blocked", "package-index", "medium")
MEMORY = ("resource_limit", "memory", "high")
DISK = ("resource_limit", "disk", "high")
DISK_MEDIUM = ("resource_limit", "disk", "medium")
SHARED = ("access_denied", "path:{shared}", "high")
SITE_LIBRARY = ("access_denied", "path:/usr/local/lib/R/site-library", "high")
NEEDS_XML2 = (
    'httr2::resp_body_html(httr2::response(body = charToRaw("<p>hi</p>"), '
    'headers = list("content-type" = "text/html")))'
)
