"""The built bundle asks JupyterLab's shared scope only for versions JupyterLab 4.0.0 provides.

Why: `jupyter-builder` does not take a shared package's `requiredVersion` from our
package.json ranges but from the core metadata of the JupyterLab it builds against
(`@jupyterlab/core-meta`'s `core.package.json`, e.g. `~4.6.4` becomes `^4.6.4`). Built with
JupyterLab 4.6, the bundle then required `^4.6.4` and JupyterLab 4.0-4.5 logged an
"Unsatisfied version" warning per package. package.json's `jupyterlab.sharedPackages` now
declares each range; this test reads the built `remoteEntry` (what the browser really gets)
and fails if a range drifts from the dependencies or rises above what 4.0.0 ships.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .shared_scope import UNSATISFIED, our_unsatisfied, remote_entry, required_versions

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_JSON = ROOT / "labextension" / "package.json"

#: The oldest JupyterLab the extension supports, and what its page provides in the shared
#: scope for the packages we import (from jupyterlab 4.0.0's staging/yarn.lock). A new shared
#: import must be added here, with the version 4.0.0 ships, before the test passes.
OLDEST_JUPYTERLAB = "4.0.0"
PROVIDED_BY_OLDEST = {
    "@jupyterlab/application": "4.0.0",
    "@jupyterlab/apputils": "4.0.0",
    "@jupyterlab/coreutils": "6.0.0",
    "@jupyterlab/notebook": "4.0.0",
    "@jupyterlab/rendermime": "4.0.0",
    "@jupyterlab/services": "7.0.0",
    "@jupyterlab/settingregistry": "4.0.0",
    "@jupyterlab/statedb": "4.0.0",
    "@jupyterlab/translation": "4.0.0",
    "@jupyterlab/ui-components": "4.0.0",
    "@lumino/coreutils": "2.1.1",
    "@lumino/disposable": "2.1.1",
    "@lumino/polling": "2.1.1",
    "@lumino/signaling": "2.1.1",
    "@lumino/widgets": "2.1.1",
    "react": "18.2.0",
}


def caret_allows(caret_range: str, version: str) -> bool:
    """npm's `^X.Y.Z` for X >= 1: the same major, at least X.Y.Z (no pre-releases here)."""
    match = re.fullmatch(r"\^(\d+)\.(\d+)\.(\d+)", caret_range)
    assert match, f"expected a caret range, got {caret_range!r}"
    low = tuple(int(p) for p in match.groups())
    have = tuple(int(p) for p in version.split("."))
    return low[0] >= 1 and have[0] == low[0] and have >= low


@pytest.fixture(scope="module")
def required() -> dict[str, str]:
    found = required_versions()
    assert found, "no shared package found in the built remoteEntry"
    return found


def test_shared_packages_come_from_the_page():
    """`import:null`: no fallback copy is bundled; JupyterLab's own package is used."""
    imports = set(re.findall(r'shareKey:"[^"]+",import:([^,]+),', remote_entry()))
    assert imports == {"null"}, imports


def test_required_versions_are_the_declared_ranges(required: dict[str, str]):
    package = json.loads(PACKAGE_JSON.read_text())
    dependencies = package["dependencies"]
    shared = package["jupyterlab"]["sharedPackages"]
    for name, declared in dependencies.items():
        assert shared[name]["requiredVersion"] == declared, name
    for name, version_range in required.items():
        assert version_range == dependencies.get(name), (name, version_range)


def test_the_oldest_jupyterlab_satisfies_every_required_version(required: dict[str, str]):
    unknown = sorted(set(required) - set(PROVIDED_BY_OLDEST))
    assert not unknown, f"add what JupyterLab {OLDEST_JUPYTERLAB} ships for: {unknown}"
    unsatisfied = {
        name: (version_range, PROVIDED_BY_OLDEST[name])
        for name, version_range in required.items()
        if not caret_allows(version_range, PROVIDED_BY_OLDEST[name])
    }
    assert not unsatisfied, f"JupyterLab {OLDEST_JUPYTERLAB} would warn: {unsatisfied}"


def test_our_warnings_are_told_apart_from_other_extensions(required: dict[str, str]):
    """The browser smoke counts only warnings about a range our bundle requires."""
    name, ours = next(iter(required.items()))
    warning = "Unsatisfied version 0.0.1 from {} of shared singleton module {} (required {})"
    mine = warning.format("@jupyterlab/application-top", name, ours)
    theirs = warning.format("_JUPYTERLAB.CORE_OUTPUT", name, "^99.0.0")
    assert UNSATISFIED.search(mine) and UNSATISFIED.search(theirs)
    assert our_unsatisfied([mine, theirs, "unrelated"]) == [mine]


def test_caret_allows():
    assert caret_allows("^4.0.0", "4.0.0")
    assert caret_allows("^4.0.0", "4.6.6")
    assert not caret_allows("^4.6.4", "4.0.0")
    assert not caret_allows("^4.0.0", "5.0.0")
    assert caret_allows("^18.2.0", "18.2.0")
