"""SQLite specifics of the store: WAL on local disks, checkpoints off the event loop, URLs.

The store's behaviour on both engines is tested in ``tests/storage`` (the ``store`` fixture
runs every test on SQLite and on a real PostgreSQL).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from jupyter_itbridge.server.store import MIGRATIONS, Store


def test_schema_versioned_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "s.sqlite3"
    store = Store(str(path))
    assert store.schema_version == len(MIGRATIONS)
    assert store.engine == "sqlite" and store.journal_mode == "wal"
    assert store.db.scalar("PRAGMA journal_mode") == "wal"
    assert store.db.scalar("PRAGMA synchronous") == 1  # NORMAL
    assert store.db.scalar("PRAGMA foreign_keys") == 1
    store.close()
    with sqlite3.connect(path) as db:  # the version is where the first release reads it
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


@pytest.mark.parametrize("form", ["path", "sqlite:///{}", "~"])
def test_store_locations(tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a" / "s.sqlite3"
    if form == "~":
        monkeypatch.setenv("HOME", str(tmp_path))
        target = "~/a/s.sqlite3"
    else:
        target = form.format(path) if "{}" in form else str(path)
    store = Store(target)
    assert store.path == str(path) and path.exists()
    store.close()


def test_wal_is_checkpointed_by_the_background_thread(tmp_path, monkeypatch) -> None:
    """Automatic checkpoints are off (they stalled the event loop); the store's own thread
    copies the WAL into the database file instead."""
    from jupyter_itbridge.server import store as store_mod

    monkeypatch.setattr(store_mod, "CHECKPOINT_INTERVAL", 0.05)
    path = tmp_path / "s.sqlite3"
    st = store_mod.Store(str(path))
    assert st.db.scalar("PRAGMA wal_autocheckpoint") == 0
    st.add_incident(user="alice", kind="kernel_died", kernel_id="k-1")

    def in_main_file() -> int:
        # immutable=1 ignores the WAL: only checkpointed rows are visible this way
        ro = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return ro.execute("SELECT count(*) FROM incidents").fetchone()[0]
        except sqlite3.OperationalError:  # not even the schema is checkpointed yet
            return 0
        finally:
            ro.close()

    deadline = time.monotonic() + 10
    while in_main_file() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_main_file() == 1
    st.close()


def test_unsupported_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported store URL"):
        Store("mysql://db/itbridge")
