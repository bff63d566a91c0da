"""No module over 450 lines (issue #15): past that size a module does more than one job.

The package's Python modules and the frontend's TypeScript sources are checked; tests, fixtures
and generated files are not.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 450


def _sources() -> list[Path]:
    python = [p for p in (ROOT / "jupyter_itbridge").rglob("*.py") if "labextension" not in p.parts]
    frontend = [
        p
        for pattern in ("*.ts", "*.tsx")
        for p in (ROOT / "labextension" / "src").rglob(pattern)
        if "__tests__" not in p.parts
    ]
    return python + frontend


def test_no_module_over_450_lines() -> None:
    sources = _sources()
    assert len(sources) > 100  # the walk found the tree
    long = {
        str(p.relative_to(ROOT)): n
        for p in sources
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}, f"split these modules (lines): {long}"
