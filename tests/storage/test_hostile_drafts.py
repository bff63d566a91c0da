"""Hostile files in the offline-drafts folder never stop the server or the good drafts.

Before: a FIFO named ``*.json`` hung the server's start forever (``open`` blocks until a
writer appears), a symlink to ``/dev/zero`` read until memory ran out, and one deeply nested
file raised RecursionError out of the import, so no draft at all was filed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hub.server_proc import ServerProcess  # type: ignore[import-not-found]

from jupyter_itbridge import drafts
from jupyter_itbridge.drafts import (
    MAX_DRAFT_BYTES,
    MAX_DRAFT_DEPTH,
    BadDraft,
    json_depth,
    read_draft_file,
)

GOOD = 2000


def _plant_hostile_files(directory: Path, outside: Path) -> dict[str, str]:
    """The bad files, by name -> a word their log line or reason must contain."""
    directory.mkdir(parents=True, exist_ok=True)
    os.mkfifo(directory / "a-fifo.json")
    os.symlink("/dev/zero", directory / "zero.json")
    outside.write_text(json.dumps({"uuid": "outside-0001", "draft": {"summary": "x"}}))
    os.symlink(outside, directory / "link-to-a-good-one.json")
    with open(directory / "huge.json", "wb") as fh:  # 50 MB, valid JSON
        fh.write(b'{"uuid": "huge-00000001", "draft": {"summary": "')
        fh.write(b"x" * (50 * 1024 * 1024))
        fh.write(b'"}}')
    deep = '{"uuid": "deep-00000001", "draft": {"summary": "x", "finding": '
    deep += "[" * 100_000 + "]" * 100_000 + "}}"
    (directory / "deep.json").write_text(deep)
    (directory / "latin1.json").write_bytes(b'{"draft": {"summary": "caf\xe9"}}')
    (directory / "not-a-draft.json").write_text("[1, 2, 3]")
    (directory / "dir.json").mkdir()
    return {
        "a-fifo.json": "not a regular file",
        "zero.json": "symbolic link",
        "link-to-a-good-one.json": "symbolic link",
        "huge.json": "bytes, more than",
        "deep.json": "nested more than",
        "latin1.json": "not UTF-8",
        "not-a-draft.json": "not a draft",
        "dir.json": "not a regular file",
    }


def test_each_hostile_file_is_refused_with_its_reason(tmp_path: Path) -> None:
    directory = tmp_path / "itbridge" / "outbox-drafts"
    expected = _plant_hostile_files(directory, tmp_path / "outside.json")
    for name, reason in expected.items():
        start = time.monotonic()
        with pytest.raises(BadDraft, match=reason):
            read_draft_file(str(directory / name))
        assert time.monotonic() - start < 2, f"{name} took too long to refuse"


def test_depth_and_size_limits_are_exact(tmp_path: Path) -> None:
    ok = {"draft": {"summary": "s", "finding": json.loads("[" * 30 + "]" * 30)}}
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(ok))
    assert read_draft_file(str(path)) == ok
    too_deep = '{"draft": {"f": ' + "[" * (MAX_DRAFT_DEPTH - 1) + "]" * (MAX_DRAFT_DEPTH - 1)
    path.write_text(too_deep + "}}")
    with pytest.raises(BadDraft, match="nested"):
        read_draft_file(str(path))
    assert json_depth('{"a": "' + "[" * 1000 + '", "b": "\\"["}') == 1, "strings do not nest"
    path.write_text('{"draft": {"s": "' + "x" * (MAX_DRAFT_BYTES - 40) + '"}}')
    assert read_draft_file(str(path))["draft"]["s"].startswith("x")
    path.write_text('{"draft": {"s": "' + "x" * MAX_DRAFT_BYTES + '"}}')
    with pytest.raises(BadDraft, match="more than"):
        read_draft_file(str(path))


def test_import_sets_bad_files_aside_and_files_the_good_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "itbridge" / "outbox-drafts"
    expected = _plant_hostile_files(directory, tmp_path / "outside.json")
    drafts.save_draft({"summary": "good"}, "good-0000001", data_dir=str(tmp_path))
    filed: list[str] = []
    report = drafts.import_drafts(lambda d, u: filed.append(u), data_dir=str(tmp_path))
    assert filed == ["good-0000001"] and report.imported == filed
    assert sorted(os.path.basename(p) for p in report.rejected) == sorted(expected)
    names = sorted(p.name for p in directory.iterdir())
    assert names == sorted(n + ".rejected" for n in expected)
    assert os.readlink(directory / "zero.json.rejected") == "/dev/zero"  # the link, not /dev
    for name in expected:
        assert name in caplog.text, f"{name} is not named in the log"
    # A second start reads nothing again and files nothing twice.
    assert drafts.import_drafts(lambda d, u: filed.append(u), data_dir=str(tmp_path)).rejected == {}
    assert filed == ["good-0000001"]


def test_set_aside_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("1")
    (tmp_path / "x.json.rejected").write_text("old")
    assert drafts.set_aside(str(tmp_path / "x.json"), "test") == str(tmp_path / "x.json.rejected.2")
    assert (tmp_path / "x.json.rejected").read_text() == "old"


def _start_time(server: ServerProcess) -> float:
    start = time.monotonic()
    server.start(timeout=120)
    return time.monotonic() - start


@pytest.mark.slow
def test_real_server_starts_at_once_and_imports_every_good_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real jupyter server whose drafts folder holds a FIFO, a symlink to /dev/zero, a 50 MB
    file, a 100,000-deep file and more, next to 2,000 good drafts: it starts about as fast as
    one that only has the 2,000 good drafts (the bound is loose: the machine is shared, and a
    start takes 3-12 s here depending on load; before the fix it never started at all) and
    files every good draft."""
    config = {"owner": "alice", "watchers_enabled": False}
    clean = ServerProcess(tmp_path / "clean", {**config, "store_path": str(tmp_path / "c.db")})
    hostile = ServerProcess(tmp_path / "hostile", {**config, "store_path": str(tmp_path / "h.db")})
    uuids = {f"good-{i:08d}" for i in range(GOOD)}
    monkeypatch.setattr(drafts.os, "fsync", lambda fd: None)  # setup speed only: 8,000 fsyncs
    for server in (clean, hostile):
        for i, uuid in enumerate(sorted(uuids)):
            drafts.save_draft(
                {"summary": f"need package {i}", "kind": "missing_package", "subject": f"p{i}"},
                uuid,
                data_dir=str(server.root / "data"),
            )
    directory = Path(drafts.drafts_dir(str(hostile.root / "data")))
    expected = _plant_hostile_files(directory, tmp_path / "outside.json")
    monkeypatch.undo()
    try:
        baseline = _start_time(clean)
        took = _start_time(hostile)
        bound = max(2 * baseline, baseline + 10)
        assert took < bound, f"start took {took:.1f} s (clean folder: {baseline:.1f} s)"
        listing = hostile.get(f"requests?limit={2 * GOOD}", timeout=60)["requests"]
        assert {r["uuid"] for r in listing} == uuids and len(listing) == GOOD
        left = sorted(p.name for p in directory.iterdir())
        assert left == sorted(n + ".rejected" for n in expected)
        log = (hostile.root / "server.log").read_text()
        for name in expected:
            assert name in log, f"{name} is not named in the server log"
    finally:
        clean.stop()
        hostile.stop()
