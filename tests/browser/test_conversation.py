# ruff: noqa: F811  (the RT fixtures are imported by name and used as arguments)
"""The conversation with IT in a real Chromium, against a real Jupyter server configured with
the ``rt`` backend and a real Request Tracker 5.

IT answers with a REST2 correspond: the toast "IT replied to request #N" appears, its Reply
opens the thread in the sidebar (the icon shows the unread count), the user's reply becomes
one RT transaction. IT resolves the install: the toast offers "Restart kernel", and the cards
in the notebook (saved, and the live ipywidgets one) say "Resolved by IT on <date>: restart
the kernel to use it" with IT's message, the date in the page's format, and offer "Restart
kernel" too. The same conversation in Notebook 7.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from backends.conftest import rt, rt_admin, rt_up  # type: ignore[import-not-found]  # noqa: F401
from backends.rt_server import RTServer  # type: ignore[import-not-found]
from conversation.waiting import wait_for  # type: ignore[import-not-found]

from jupyter_itbridge.contract import MIME_TYPE
from jupyter_itbridge.detect import diagnose_text
from jupyter_itbridge.findings import RequestDraft
from jupyter_itbridge.kernel.card_state import CardState
from jupyter_itbridge.policy import ITBridgePolicy

from .conftest import ConsoleLog, LabServer, load_page, screenshot, start_lab, stop_lab
from .itbridge_lab import api
from .test_requests_ui import open_notebook, run_in_new_cell

pytestmark = [pytest.mark.browser, pytest.mark.system, pytest.mark.slow]

PANEL_TAB = ".jp-SideBar .lm-TabBar-tab[data-id='jp-itbridge-requests']"


def _card_notebook(root: Path, name: str) -> tuple[str, str]:
    """A notebook whose output is a (saved) card of a missing-package finding; returns the
    card's request UUID and the card's draft summary."""
    finding = diagnose_text(
        "ModuleNotFoundError", "No module named 'pyspark'", None, ITBridgePolicy()
    )[0]
    card = CardState(finding, RequestDraft.from_finding(finding, {"python": "3.11"}))
    card.draft.justification = "Spark jobs for the quarterly report."
    payload = card.payload()
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": "import pyspark",
                "execution_count": 1,
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {MIME_TYPE: payload, "text/plain": "IT request card"},
                    }
                ],
            }
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / name).write_text(json.dumps(nb))
    return card.request_uuid, payload["draft"]["summary"]


@pytest.fixture(scope="module")
def rt_lab(rt: RTServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    rt.start()
    tmp = tmp_path_factory.mktemp("conversation-lab")
    config = tmp / "config"
    config.mkdir(parents=True, exist_ok=True)
    server_config = {
        "ITBridge": {"backend": "rt", "sync_interval": 1.0, "retry_base_delay": 0.1},
        "RTBackend": {
            "url": rt.url,
            "user": rt.user,
            "password": rt.password,
            "queue": "General",
            "retries": 0,
        },
    }
    (config / "jupyter_server_config.json").write_text(json.dumps(server_config))
    server = start_lab(tmp, extra_args=["--LabApp.expose_app_in_browser=True"])
    yield server
    stop_lab(server)


def _ticket(server: LabServer, request_id: int) -> str:
    return wait_for(
        lambda: api(server, f"itbridge/api/requests/{request_id}").get("ticket_id"),
        60,
        "the RT ticket",
    )


def _correspond(admin: requests.Session, rt: RTServer, ticket: str, text: str) -> None:
    res = admin.post(
        f"{rt.url}/REST/2.0/ticket/{ticket}/correspond",
        json={"Content": text, "ContentType": "text/plain"},
    )
    assert res.status_code in (200, 201), res.text


def _rt_texts(admin: requests.Session, rt: RTServer, ticket: str) -> list[str]:
    res = admin.get(
        f"{rt.url}/REST/2.0/ticket/{ticket}/attachments",
        params={"fields": "Content", "per_page": 100},
    )
    res.raise_for_status()
    return [str(a.get("Content") or "") for a in res.json()["items"]]


def _file(
    server: LabServer, summary: str, subject: str, request_uuid: str | None = None
) -> dict[str, Any]:
    """File a missing-package request (one subject per test: the same one would dedupe)."""
    body: dict[str, Any] = {
        "summary": summary,
        "justification": "Needed for the report.",
        "kind": "missing_package",
        "subject": subject,
    }
    if request_uuid:
        body["uuid"] = request_uuid
    return api(server, "itbridge/api/requests", body)


def toast(page: Any, text: str) -> Any:
    loc = page.locator(".Toastify__toast", has_text=text)
    loc.first.wait_for(state="visible", timeout=60_000)
    return loc.first


def test_it_replies_then_toast_thread_reply_and_the_reply_in_rt(
    rt_lab: LabServer,
    rt_admin: requests.Session,
    rt_up: RTServer,
    page: Any,
) -> None:
    server = rt_lab
    console = ConsoleLog(page)
    filed = _file(server, "Please install duckdb", "duckdb")
    ticket = _ticket(server, filed["id"])
    load_page(page, server, "lab")
    question = "Which licence do you need? ‮gpj.exe"
    _correspond(rt_admin, rt_up, ticket, question)

    note = toast(page, f"IT replied to request #{filed['id']}")
    assert "Which licence do you need?" in note.inner_text()
    assert "‮" not in note.inner_text()  # the override is neutralised
    page.wait_for_selector(f"{PANEL_TAB}[data-unread='1']", state="attached")
    screenshot(page, "conversation-toast")
    note.get_by_role("button", name="Reply").click()

    thread = page.locator(
        f".jp-ITBridge-detail[data-request-id='{filed['id']}'] .jp-ITBridge-thread"
    )
    thread.wait_for(state="visible")
    it_message = thread.locator(".jp-ITBridge-message[data-role='it']")
    assert "Which licence do you need?" in it_message.inner_text()
    reply_box = page.locator(".jp-ITBridge-replyText")
    assert reply_box.evaluate("el => el === document.activeElement")
    page.wait_for_selector(f"{PANEL_TAB}:not([data-unread])", state="attached")  # seen now

    answer = f"Apache-2.0, project Atlas {uuid.uuid4().hex[:6]}"
    reply_box.fill(answer)
    page.locator("button.jp-ITBridge-reply").click()
    thread.locator(".jp-ITBridge-message[data-role='user']", has_text=answer).wait_for()
    posted = wait_for(
        lambda: [t for t in _rt_texts(rt_admin, rt_up, ticket) if answer in t],
        60,
        "the reply in RT",
    )
    screenshot(page, "conversation-thread")
    time.sleep(2.5)  # two more syncs: the reply is never posted twice
    assert len([t for t in _rt_texts(rt_admin, rt_up, ticket) if answer in t]) == len(posted) == 1
    assert console.ours() == [], console.errors()


def _resolve(admin: requests.Session, rt: RTServer, ticket: str) -> None:
    res = admin.put(f"{rt.url}/REST/2.0/ticket/{ticket}", json={"Status": "resolved"})
    assert res.status_code == 200, res.text


def test_resolved_offers_restart_and_the_card_says_resolved(
    rt_lab: LabServer,
    rt_admin: requests.Session,
    rt_up: RTServer,
    page: Any,
) -> None:
    """Two cards of resolved installs: a saved one (the frontend card) and a live ipywidgets
    card of the running kernel. Both say "Resolved by IT on <date>" in the page's date format
    and offer "Restart kernel", as the notification does; the widget's button restarts the
    kernel of its notebook (after the usual confirmation)."""
    server = rt_lab
    console = ConsoleLog(page)
    card_uuid, summary = _card_notebook(server.root_dir, "resolved.ipynb")
    filed = _file(server, summary, "pyspark", card_uuid)
    ticket = _ticket(server, filed["id"])
    open_notebook(page, server, "resolved.ipynb")
    card = page.locator(".jp-ITBridge-frontendCard")
    card.wait_for(state="visible")
    status = card.locator(".jp-ITBridge-status")
    wait_for(lambda: "Request #" in status.inner_text(), 30, "the card to show its request")

    # the kernel's own (ipywidgets) card: filed from the card, through the kernel token
    run_in_new_cell(page, "import lightgbm")
    live = page.locator(".jp-ITBridge-card:not(.jp-ITBridge-frontendCard)")
    live.wait_for(state="visible", timeout=60_000)
    live.locator(".jp-ITBridge-justification textarea").fill("Gradient boosting for churn.")
    live.locator("button.jp-ITBridge-send").click()
    live_status = live.locator(".jp-ITBridge-status")
    wait_for(lambda: "Request #" in live_status.inner_text(), 30, "the widget card's request")
    live_id = int(live_status.inner_text().split("#", 1)[1].split()[0])
    live_ticket = _ticket(server, live_id)

    _correspond(rt_admin, rt_up, ticket, "Installed pyspark 3.5 in the shared environment.")
    _resolve(rt_admin, rt_up, ticket)
    _resolve(rt_admin, rt_up, live_ticket)

    note = toast(page, f"IT resolved request #{filed['id']}")
    assert "restart the kernel" in note.inner_text()
    restart = note.get_by_role("button", name="Restart kernel")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-ITBridge-card .jp-ITBridge-status')]"
        ".some(s => s.textContent.includes('Resolved by IT on'))",
        timeout=60_000,
    )
    assert "restart the kernel to use it" in status.inner_text()
    # IT's message is read right after the status sync (server/outbox.py): with two tickets
    # to sync it may reach the card one update after the state
    wait_for(
        lambda: "Installed pyspark 3.5 in the shared environment." in status.inner_text(),
        30,
        "IT's resolution message on the card",
    )
    assert status.get_attribute("data-state") == "resolved"
    assert card.locator("button.jp-ITBridge-restart").is_visible()
    card.scroll_into_view_if_needed()
    screenshot(page, "conversation-resolved-card")

    # the widget card follows its request (the kernel asks the server), says so with the
    # date in the page's format (the kernel's <time> rewritten by the labextension), and
    # offers the restart
    day = live_status.locator("time.jp-ITBridge-time[data-localised='true']")
    day.wait_for(timeout=90_000)
    assert "restart the kernel to use it" in live_status.inner_text()
    expected = page.evaluate(
        "iso => new Intl.DateTimeFormat(document.documentElement.lang || undefined,"
        " {dateStyle: 'short'}).format(Date.parse(iso))",
        day.get_attribute("datetime"),
    )
    assert day.inner_text() == expected, (day.inner_text(), expected)
    live_restart = live.locator("button.jp-ITBridge-restart")
    assert live_restart.is_visible() and live_restart.inner_text() == "Restart kernel"
    live.scroll_into_view_if_needed()
    screenshot(page, "conversation-resolved-widget-card")
    live_restart.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible")
    assert "Restart" in dialog.inner_text()
    dialog.locator(".jp-mod-accept").click()
    dialog.wait_for(state="detached")

    restart.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible")
    assert "Restart" in dialog.inner_text()
    dialog.locator(".jp-mod-accept").click()
    assert console.ours() == [], console.errors()


def test_notebook7_toast_and_thread(
    rt_lab: LabServer,
    rt_admin: requests.Session,
    rt_up: RTServer,
    page: Any,
) -> None:
    server = rt_lab
    console = ConsoleLog(page)
    (server.root_dir / "nb7.ipynb").write_text(
        json.dumps(
            {
                "cells": [],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    filed = _file(server, "Please install polars", "polars")
    ticket = _ticket(server, filed["id"])
    load_page(page, server, "notebooks/nb7.ipynb", ready=".jp-NotebookPanel")
    _correspond(rt_admin, rt_up, ticket, "Polars is approved; which version?")
    note = toast(page, f"IT replied to request #{filed['id']}")
    note.get_by_role("button", name="Show").click()
    thread = page.locator(".jp-ITBridge-thread")
    thread.wait_for(state="visible")
    assert "Polars is approved; which version?" in thread.inner_text()
    screenshot(page, "notebook7-conversation")
    assert console.ours() == [], console.errors()
