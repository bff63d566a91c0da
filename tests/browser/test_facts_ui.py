"""Package facts in a real JupyterLab and Chromium: a real devpi-server is the policy's index,
a missing package's card shows the facts line and the licence rule before sending, and the
sidebar's "What was sent" shows the "Package facts" section IT received."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from facts.devpi_index import Devpi, running_devpi  # type: ignore[import-not-found]

from .conftest import ARTIFACTS, ConsoleLog, LabServer, screenshot, start_lab, stop_lab
from .itbridge_lab import api, create_notebook
from .test_requests_ui import open_notebook, open_panel, run_in_new_cell

pytestmark = pytest.mark.browser

LINE = "Licence GPL-3.0-or-later · latest 2.0 (today) · Python >= 3.10"
NOTICE = "This licence (GPL-3.0-or-later) needs legal review: expect a longer wait."


@pytest.fixture(scope="module")
def devpi(tmp_path_factory) -> Iterator[Devpi]:
    with running_devpi(tmp_path_factory.mktemp("devpi")) as server:
        yield server


@pytest.fixture(scope="module")
def facts_lab(tmp_path_factory, devpi: Devpi) -> Iterator[LabServer]:
    tmp = tmp_path_factory.mktemp("facts-lab")
    config = tmp / "config"
    config.mkdir(parents=True, exist_ok=True)
    policy = {
        "package_index_url": devpi.index_url,
        "import_name_overrides": {"gplpkg": "gplpkg"},  # in-house name: a card, not a typo
        "license_rules": {"GPL-*": "review", "AGPL-3.0-only": "deny"},
    }
    settings = {"ITBridgePolicy": policy, "ITBridge": {"watchers_enabled": False}}
    (config / "jupyter_server_config.json").write_text(json.dumps(settings))
    server = start_lab(tmp, extra_args=["--LabApp.expose_app_in_browser=True"])
    create_notebook(server, "facts.ipynb")
    yield server
    stop_lab(server)


def test_card_shows_facts_and_what_was_sent_carries_them(facts_lab, page) -> None:
    console = ConsoleLog(page)
    open_notebook(page, facts_lab, "facts.ipynb")
    run_in_new_cell(page, "import gplpkg")

    card = page.locator(".jp-ITBridge-card")
    card.wait_for(state="visible", timeout=60_000)
    facts = card.locator(".jp-ITBridge-facts").first
    facts.wait_for()
    assert facts.inner_text().strip() == LINE
    assert card.locator(".jp-ITBridge-facts-policy").first.inner_text().strip() == NOTICE
    # the facts come before the request: title, facts, rule, then the explanation
    order = card.evaluate(
        "c => [...c.querySelectorAll('.jp-ITBridge-title, .jp-ITBridge-facts, "
        ".jp-ITBridge-facts-policy, .jp-ITBridge-explanation')].map(e => e.className)"
    )
    names = [next(n for n in c.split() if n.startswith("jp-ITBridge-")) for c in order]
    assert names[:4] == [
        "jp-ITBridge-title",
        "jp-ITBridge-facts",
        "jp-ITBridge-facts-policy",
        "jp-ITBridge-explanation",
    ]
    justification = "GPL tooling for the Atlas pipeline; legal has seen similar before."
    card.locator(".jp-ITBridge-justification textarea").fill(justification)
    card.scroll_into_view_if_needed()
    screenshot(page, "card-package-facts")
    card.locator("button.jp-ITBridge-send").click()
    status = card.locator(".jp-ITBridge-status.jp-ITBridge-ok")
    status.wait_for(timeout=30_000)
    request_id = status.inner_text().split("#", 1)[1].split()[0]

    open_panel(page)
    item = page.locator(f".jp-ITBridge-item[data-request-id='{request_id}']")
    item.wait_for(timeout=15_000)
    item.locator("button.jp-ITBridge-itemMain").click()
    body = page.locator(".jp-ITBridge-detail pre.jp-ITBridge-body-text")
    body.wait_for()
    sent = body.inner_text()
    stored = api(facts_lab, f"itbridge/api/requests/{request_id}")
    assert sent.strip() == stored["body"].strip()
    assert "Package facts\n-------------\n" in sent
    assert "Package: gplpkg (PyPI), index http://127.0.0.1:" in sent
    assert "Licence: GPL-3.0-or-later (from License)" in sent
    assert "Requires Python: >= 3.10" in sent
    assert f"Policy: license_rules['GPL-*'] = 'review' (licence GPL-3.0-or-later): {NOTICE}" in sent
    assert stored["notices"] == []  # the card's facts were the server's: kept as previewed
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    body.screenshot(path=str(ARTIFACTS / "sidebar-package-facts.png"), animations="disabled")
    assert console.ours() == [], console.errors()
