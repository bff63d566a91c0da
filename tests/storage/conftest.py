"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL 15."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storage.pgcluster import shared_cluster  # type: ignore[import-not-found]

from jupyter_itbridge.server.store import Store

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store location: a SQLite file, or a new database in the session's cluster."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "itbridge.sqlite3")
    return shared_cluster().database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def pg_url() -> str:
    """A new database in the session's PostgreSQL cluster."""
    return shared_cluster().database()
