"""Offline drafts: atomic save, listing, import that deletes only what was stored."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jupyter_itbridge.findings import RequestDraft
from jupyter_itbridge.kernel import drafts


def _draft(summary: str = "Need Oracle client") -> dict[str, Any]:
    return RequestDraft(
        summary=summary, justification="Finance DWH", kind="missing_driver", subject="oracle-client"
    ).to_dict()


def test_save_is_atomic_and_private(tmp_path: Path) -> None:
    path = drafts.save_draft(_draft(), "3f0c-uuid-1", reason="refused", data_dir=str(tmp_path))
    directory = tmp_path / "itbridge" / "outbox-drafts"
    assert Path(path).parent == directory
    assert [p.name for p in directory.iterdir()] == ["3f0c-uuid-1.json"]  # no temp file left
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    record = json.loads(Path(path).read_text())
    assert record["uuid"] == "3f0c-uuid-1"
    assert record["draft"]["summary"] == "Need Oracle client"
    assert record["reason"] == "refused"


def test_same_uuid_same_file(tmp_path: Path) -> None:
    a = drafts.save_draft(_draft("one"), "u-1234567", data_dir=str(tmp_path))
    b = drafts.save_draft(_draft("two"), "u-1234567", data_dir=str(tmp_path))
    assert a == b
    pending = drafts.pending_drafts(str(tmp_path))
    assert len(pending) == 1 and pending[0].draft["summary"] == "two"


def test_unsafe_uuid_cannot_escape_the_directory(tmp_path: Path) -> None:
    path = drafts.save_draft(_draft(), "../../etc/passwd", data_dir=str(tmp_path))
    assert Path(path).parent == tmp_path / "itbridge" / "outbox-drafts"


def test_import_deletes_only_after_store(tmp_path: Path) -> None:
    drafts.save_draft(_draft("good"), "uuid-good-1", data_dir=str(tmp_path))
    drafts.save_draft(_draft("bad"), "uuid-bad-01", data_dir=str(tmp_path))
    stored: list[tuple[str, str]] = []

    def file_fn(draft: dict[str, Any], request_uuid: str) -> None:
        if draft["summary"] == "bad":
            raise RuntimeError("database is locked")
        stored.append((request_uuid, draft["summary"]))

    report = drafts.import_drafts(file_fn, data_dir=str(tmp_path))
    assert stored == [("uuid-good-1", "good")]
    assert report.imported == ["uuid-good-1"]
    assert list(report.failed.values()) == ["RuntimeError: database is locked"]
    left = drafts.pending_drafts(str(tmp_path))
    assert [d.uuid for d in left] == ["uuid-bad-01"]

    # next start: the store works again, the kept draft is filed and removed
    report = drafts.import_drafts(
        lambda d, u: stored.append((u, d["summary"])), data_dir=str(tmp_path)
    )
    assert report.imported == ["uuid-bad-01"] and not report.failed
    assert drafts.pending_drafts(str(tmp_path)) == []


def test_corrupt_files_are_set_aside_and_temp_files_left_alone(tmp_path: Path) -> None:
    """A corrupt draft is kept for the admin, renamed ``*.rejected`` so that it is not read
    at every start (issue #13); the kernel's temp files are not drafts yet."""
    directory = tmp_path / "itbridge" / "outbox-drafts"
    directory.mkdir(parents=True)
    (directory / "broken.json").write_text("{not json")
    (directory / ".tmp-partial.json").write_text("{}")
    report = drafts.import_drafts(
        lambda d, u: pytest.fail("nothing to file"), data_dir=str(tmp_path)
    )
    assert report.imported == [] and list(report.rejected) == [str(directory / "broken.json")]
    assert sorted(p.name for p in directory.iterdir()) == [
        ".tmp-partial.json",
        "broken.json.rejected",
    ]
    assert (directory / "broken.json.rejected").read_text() == "{not json"
    assert drafts.pending_drafts(str(tmp_path)) == []


def test_default_dir_is_jupyter_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    assert drafts.drafts_dir() == str(tmp_path / "itbridge" / "outbox-drafts")
