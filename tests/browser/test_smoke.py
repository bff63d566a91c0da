"""JupyterLab and Notebook 7 load in a real Chromium with the extension active."""

from __future__ import annotations

import pytest

from .conftest import ACTIVATED, ConsoleLog, load_page, screenshot
from .shared_scope import our_unsatisfied

pytestmark = pytest.mark.browser


def test_lab_loads_plugin_activates_and_panel_connects(lab_server, page):
    console = ConsoleLog(page)
    load_page(page, lab_server, "lab")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-SideBar .lm-TabBar-tab')]"
        ".some(t => t.dataset.id === 'jp-itbridge-requests')"
    )
    page.click(".jp-SideBar .lm-TabBar-tab[data-id='jp-itbridge-requests']")
    status = page.wait_for_selector(".jp-ITBridge-status[data-state='connected']")
    assert "ticket system: local" in status.inner_text()
    shot = screenshot(page, "smoke-lab-panel")
    assert shot.stat().st_size > 10_000
    assert ACTIVATED in console.texts()
    assert console.errors() == [], console.errors()
    # no shared package of this JupyterLab is older than our bundle asks (JupyterLab >= 4.0)
    assert our_unsatisfied(console.texts()) == []


def test_notebook7_loads_the_extension(lab_server, page):
    console = ConsoleLog(page)
    load_page(page, lab_server, "tree", ready="#main-panel")
    page.wait_for_function(
        "() => window.jupyterapp !== undefined || document.querySelector('.jp-NotebookPanel, "
        ".jp-DirListing') !== null"
    )
    # the panel (hidden on the tree page) finished its first read of the REST API
    page.wait_for_selector(".jp-ITBridge-status[data-state='connected']", state="attached")
    assert ACTIVATED in console.texts(), console.texts()
    assert console.ours() == [], console.ours()
    # no shared package of this JupyterLab is older than our bundle asks (JupyterLab >= 4.0)
    assert our_unsatisfied(console.texts()) == []
    screenshot(page, "smoke-notebook7-tree")
