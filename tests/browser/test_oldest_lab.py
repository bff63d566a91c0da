"""JupyterLab loads the prebuilt bundle without a shared-package version complaint.

Runs on the newest JupyterLab (``make test``) and on the oldest one the package supports
(``make test-oldest``). A bundle that requires newer shared packages than the page provides
makes webpack's module federation log "Unsatisfied version X ... (required ^Y)" once per
package and then use the older one anyway: the ranges the bundle declares must cover every
JupyterLab the Python package claims to support.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest

from .conftest import load_page

pytestmark = [pytest.mark.browser, pytest.mark.oldest]

OUR_STATIC = "/lab/extensions/jupyter-itbridge/static/"
#: What webpack's share-scope resolution logs (the first for singletons, the second otherwise).
VERSION_WARNINGS = ("Unsatisfied version", "No satisfying version")


def test_lab_loads_our_bundle_without_version_warnings(lab_server, page) -> None:
    ours: list[str] = []

    def on_console(msg) -> None:
        url = msg.location.get("url", "")
        if msg.type == "warning" and OUR_STATIC in url and msg.text.startswith(VERSION_WARNINGS):
            ours.append(msg.text)

    page.on("console", on_console)
    load_page(page, lab_server, "lab")  # returns once our plugin logged that it activated
    page.wait_for_selector(".jp-SideBar .lm-TabBar-tab[data-id='jp-itbridge-requests']")
    assert ours == [], (
        f"{len(ours)} shared-package version warning(s) from jupyter-itbridge's bundle on "
        f"JupyterLab {version('jupyterlab')}: {ours}"
    )
