"""Fixtures for package facts: a real devpi-server (once per session), loopback indexes with
the documented PyPI JSON, OSV and CRAN shapes, and a real jupyter-server whose policy points at
them (each test module chooses with its own ``facts_policy`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from facts.devpi_index import Devpi, running_devpi  # type: ignore[import-not-found]
from facts.loopback_indexes import PyPIShaped  # type: ignore[import-not-found]
from facts.wheels import Dist  # type: ignore[import-not-found]
from hub.conftest import OWNER, api, itbridge  # type: ignore[import-not-found]  # noqa: F401
from hub.start_hook import started_serverapp  # type: ignore[import-not-found]  # noqa: F401

#: PyPI's documented vulnerability record (https://docs.pypi.org/api/json/), for vulnpkg 1.4.0.
PYSEC = {
    "aliases": ["CVE-2021-3281", "GHSA-fvgf-6h6h-3322"],
    "details": "A long description of the vulnerability.",
    "summary": "Directory traversal in the archive extractor",
    "fixed_in": ["1.5.0"],
    "id": "PYSEC-2021-9",
    "link": "https://osv.dev/vulnerability/PYSEC-2021-9",
    "source": "osv",
    "withdrawn": None,
}
#: ... and a withdrawn one, which must not count.
WITHDRAWN = {
    **PYSEC,
    "id": "PYSEC-2022-1",
    "aliases": ["CVE-2022-0001"],
    "withdrawn": "2022-06-28T16:39:06Z",
}
VULNPKG_OLD = Dist("vulnpkg", "1.4.0", license_expression="Apache-2.0", requires_python=">=3.8")
VULNPKG = Dist("vulnpkg", "1.6.1", license_expression="Apache-2.0", requires_python=">=3.9")


@pytest.fixture(scope="session")
def devpi(tmp_path_factory: Any) -> Iterator[Devpi]:
    with running_devpi(tmp_path_factory.mktemp("devpi")) as server:
        yield server


@pytest.fixture(scope="session")
def pypi_shaped() -> Iterator[PyPIShaped]:
    index = PyPIShaped()
    index.add(VULNPKG_OLD, "2025-01-10T09:00:00.000000Z", [PYSEC, WITHDRAWN])
    index.add(VULNPKG, "2026-11-17T12:30:00.000000Z", [WITHDRAWN])
    yield index
    index.stop()


@pytest.fixture
def facts_policy() -> dict[str, Any]:
    """``c.ITBridgePolicy`` for the test server; modules override this fixture."""
    return {}


@pytest.fixture
def facts_settings() -> dict[str, Any]:
    """Extra ``c.ITBridge`` settings (timeouts, TTLs); modules override this fixture."""
    return {}


@pytest.fixture
def jp_server_config(
    tmp_path: Any, facts_policy: dict[str, Any], facts_settings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_itbridge": True}},
        "ITBridge": {
            "store_path": str(tmp_path / "store" / "itbridge.sqlite3"),
            "owner": OWNER,
            "watchers_enabled": False,
            **facts_settings,
        },
        "ITBridgePolicy": facts_policy,
    }
