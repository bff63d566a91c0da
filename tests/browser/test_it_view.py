"""IT's view in Chromium, behind a real JupyterHub: a hub admin and an IT member holding the
admin scope list, filter, open and export (downloads read back), retry through the XSRF-checked
form; a user gets a 403 page; an anonymous browser goes to the Hub's login. Screenshots go to
artifacts/browser/it-view-*.png; with ITBRIDGE_UPDATE_SCREENSHOTS=1 the list also replaces
docs/screenshots/it-view.png (the README's picture).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from relay.itview_seed import FORMULA_SUMMARY, XSS_BODY_LINE, Seeded, seed  # type: ignore[import-not-found]
from system_deps import apt_install  # type: ignore[import-not-found]

from jupyter_itbridge.server.store import Store

from .conftest import ROOT, screenshot
from .it_hub import ADMIN, STAFF, USER, ITHub

pytestmark = pytest.mark.browser
SCREENSHOT = ROOT / "docs" / "screenshots" / "it-view.png"


@pytest.fixture(scope="module")
def it_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ITHub, Seeded, Any]]:
    problem = apt_install(["node-configurable-http-proxy"])
    if problem:
        pytest.skip(problem)
    hub = ITHub.create(tmp_path_factory.mktemp("it-hub"))
    hub.start()
    store = None
    try:
        store = Store(str(hub.db_path))

        def first_attempts_done() -> None:  # the relay's outbox tried each new request once
            deadline = time.monotonic() + 60
            while store.list_requests(states=["queued"]) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not store.list_requests(states=["queued"]), hub.log_tail()

        seeded = seed(store, hub.forwarder(), settle=first_attempts_done)
        yield hub, seeded, store
    finally:
        if store is not None:
            store.close()
        hub.stop()


def sign_in(browser: Any, hub: ITHub, user: str | None, dark: bool = False) -> Any:
    """A fresh browser context, logged in to the Hub as ``user`` (None: anonymous)."""
    context = browser.new_context(
        viewport={"width": 1360, "height": 900},
        accept_downloads=True,
        color_scheme="dark" if dark else "light",
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    if user:
        page.goto(f"{hub.url}/hub/login?next=%2Fhub%2Fhome")  # no server to spawn here
        page.fill("#username_input", user)
        page.fill("#password_input", "any (DummyAuthenticator)")
        page.click("#login_submit")
        page.wait_for_url(re.compile(r".*/hub/home$"))
    return page


def open_view(page: Any, hub: ITHub, path: str = "") -> Any:
    """Go to IT's view; confirm the Hub's one-time OAuth page if it shows. Returns the reply."""
    response = page.goto(hub.relay_url + path)
    if "/oauth2/authorize" in page.url:
        with page.expect_navigation():
            page.click("button:has-text('Authorize')")
        response = page.goto(hub.relay_url + path)
    return response


def csp_violations(page: Any) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(str(e)))
    return messages


def listed(page: Any) -> list[int]:
    return [
        int(x) for x in page.locator("tr.itv-row").evaluate_all("rs => rs.map(r => r.dataset.id)")
    ]


def test_it_lists_filters_opens_and_exports(browser: Any, it_hub: Any, tmp_path: Path) -> None:
    hub, seeded, store = it_hub
    page = sign_in(browser, hub, ADMIN)
    errors = csp_violations(page)
    assert open_view(page, hub).status == 200
    page.wait_for_selector("tr.itv-row")
    assert sorted(listed(page)) == sorted(seeded.ids.values())
    assert page.locator(".itv-who").inner_text() == f"Signed in as {ADMIN}"
    top = page.locator(".itv-subject").all_inner_texts()
    assert top[0] == "scikit-learn: 4 users, open 10 days"
    summary = page.locator(f'tr[data-id="{seeded.ids["xss_frank"]}"] .itv-summary').inner_text()
    assert summary.startswith("<script>alert('pwned')</script>")  # shown as text, never run
    shot = screenshot(page, "it-view-list")
    if os.environ.get("ITBRIDGE_UPDATE_SCREENSHOTS") == "1":  # refresh the README's picture
        shutil.copyfile(shot, SCREENSHOT)

    # filter: the form is a plain GET; selects and text fields combine
    page.select_option("select[name=state]", "open")
    page.fill("input[name=subject]", "scikit-learn")
    with page.expect_navigation():
        page.click("button:has-text('Filter')")
    sklearn = sorted(
        (seeded.ids[f"sklearn_{u}"] for u in ("alice", "bob", "carol", "dave")), reverse=True
    )
    assert listed(page) == sklearn
    assert "state=open" in page.url and "subject=scikit-learn" in page.url
    page.goto(hub.relay_url + "?user=bob")
    bob = ("oracle_bob", "sklearn_bob", "sklearn_alice")  # filed by bob, or bob joined it
    assert listed(page) == sorted((seeded.ids[n] for n in bob), reverse=True)
    page.select_option("select[name=older_than_days]", "7")
    page.fill("input[name=user]", "")
    with page.expect_navigation():
        page.click("button:has-text('Filter')")
    old = ("sklearn_alice", "sklearn_bob", "memory_carol")
    assert listed(page) == sorted((seeded.ids[n] for n in old), reverse=True)

    # export what is filtered: the downloads, read back
    page.goto(hub.relay_url + "?state=open")
    expected = listed(page)
    with page.expect_download() as info:
        page.click("#itv-export-csv")
    download = info.value
    assert re.fullmatch(r"itbridge-requests-\d{8}-\d{6}\.csv", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [int(r["id"]) for r in rows] == expected
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[seeded.ids["formula_erin"]]["summary"] == "'" + FORMULA_SUMMARY
    assert by_id[seeded.ids["sklearn_alice"]]["requesters"] == "alice; bob; carol; dave"
    assert (
        by_id[seeded.ids["xss_frank"]]["body"]
        == store.get_request(seeded.uuids["xss_frank"])["body"]
    )
    with page.expect_download() as info:
        page.click("#itv-export-json")
    target = tmp_path / "export.json"
    info.value.save_as(target)
    records = json.loads(target.read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == expected
    assert all(r["body"] == store.get_request(r["uuid"])["body"] for r in records)

    # one request: exact text, requesters (IT sees names), ticket link
    page.click(f'tr[data-id="{seeded.ids["sklearn_alice"]}"] .itv-summary a')
    page.wait_for_selector("#itv-body")
    assert (
        page.locator("#itv-body").inner_text()
        == store.get_request(seeded.uuids["sklearn_alice"])["body"]
    )
    users = page.locator(".itv-requesters td.itv-user").all_inner_texts()
    assert users == ["alice", "bob", "carol", "dave"]
    assert (
        page.locator("a.itv-ticket").get_attribute("href")
        == "http://rt.example/Ticket/Display.html?id=101"
    )
    assert page.locator("button.itv-copy").is_visible()  # the page's only script ran
    screenshot(page, "it-view-request")
    page.goto(hub.relay_url + f"requests/{seeded.ids['xss_frank']}")
    assert XSS_BODY_LINE in page.locator("#itv-body").inner_text()
    assert page.locator("img").count() == 0 and page.locator("a.itv-ticket").count() == 0
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
    assert errors == []
    page.context.close()


def test_retry_goes_through_the_xsrf_checked_form(browser: Any, it_hub: Any) -> None:
    hub, seeded, store = it_hub
    page = sign_in(browser, hub, STAFF)  # not a hub admin: the admin scope through a role
    assert open_view(page, hub, f"requests/{seeded.ids['oracle_bob']}").status == 200
    before = store.get_request(seeded.uuids["oracle_bob"])["attempts"]
    forged = page.request.post(hub.relay_url + f"requests/{seeded.ids['oracle_bob']}/retry")
    assert forged.status == 403  # the login cookie alone is not enough: no XSRF token
    assert store.get_request(seeded.uuids["oracle_bob"])["attempts"] == before
    with page.expect_navigation():
        page.click("button:has-text('Retry delivery now')")
    assert page.url.endswith(f"requests/{seeded.ids['oracle_bob']}")
    notes = [e["note"] for e in store.history(seeded.uuids["oracle_bob"])]
    assert f"retry requested by IT ({STAFF})" in notes
    deadline = time.monotonic() + 30  # the relay's outbox, woken, tried again at once
    while store.get_request(seeded.uuids["oracle_bob"])["attempts"] == before:
        assert time.monotonic() < deadline, hub.log_tail()
        time.sleep(0.2)
    page.context.close()


def test_a_user_gets_403_and_an_anonymous_browser_the_login(browser: Any, it_hub: Any) -> None:
    hub, _seeded, _store = it_hub
    page = sign_in(browser, hub, USER)
    response = open_view(page, hub)
    assert response.status == 403
    assert page.locator("h1").inner_text() == "403 · Forbidden"
    text = page.locator(".itv-error").inner_text()
    assert "IT's view needs a hub admin or the scope custom:itbridge:admin." in text
    assert f"You are signed in as {USER}." in text
    assert page.locator("tr.itv-row").count() == 0
    screenshot(page, "it-view-403")
    for path in ("export.csv", "api/v1/admin/requests"):
        assert page.request.get(hub.relay_url + path).status == 403
    page.context.close()

    anonymous = sign_in(browser, hub, None)
    anonymous.goto(hub.relay_url)
    assert "/hub/login" in anonymous.url
    anonymous.context.close()


def test_dark_mode_is_readable(browser: Any, it_hub: Any) -> None:
    hub, _seeded, _store = it_hub
    page = sign_in(browser, hub, ADMIN, dark=True)
    open_view(page, hub)
    page.wait_for_selector("tr.itv-row")
    colors = page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.querySelector('.itv-summary a')).color]"
    )
    assert colors[0] == "rgb(66, 66, 66)" and colors[1] == "rgb(100, 181, 246)"
    screenshot(page, "it-view-dark")
    page.context.close()
