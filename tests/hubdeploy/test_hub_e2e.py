"""End to end on a real JupyterHub: no secret on the user's side; alice and bob hit the same
missing package: one Request Tracker ticket, two requesters, both see its link and the count;
alice cannot read bob's request through the relay."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import pytest
import requests
from backends import rt_server  # type: ignore[import-not-found]
from hubdeploy.deploy import REPO, Hub, http  # type: ignore[import-not-found]
from hubdeploy.userside import MIME, SCAN, UserKernel, api  # type: ignore[import-not-found]

pytestmark = pytest.mark.slow

SEND = (
    "import jupyter_itbridge.kernel as K\n"
    "c = K.last_card()\n"
    "c.justification.value = 'alice: Spark for the churn model'\n"
    "c.send_button.click()\n"
    "print(c.state.status, c.state.response.get('id'), c.state.request_uuid)"
)


def _rt(rt: rt_server.RTServer) -> requests.Session:
    session = requests.Session()
    session.auth = (rt.user, rt.password)
    return session


def _rt_tickets(rt: rt_server.RTServer, marker: str) -> list[dict[str, Any]]:
    resp = _rt(rt).get(
        f"{rt.url}/REST/2.0/tickets",
        params={"query": f"Subject LIKE '{marker}'", "fields": "Subject,Status"},
        timeout=30,
    )
    resp.raise_for_status()
    return list(resp.json().get("items") or [])


def _rt_texts(rt: rt_server.RTServer, ticket_id: str) -> list[str]:
    resp = _rt(rt).get(
        f"{rt.url}/REST/2.0/ticket/{ticket_id}/attachments",
        params={"fields": "Content", "per_page": 100},
        timeout=30,
    )
    resp.raise_for_status()
    return [str(a.get("Content") or "") for a in resp.json().get("items") or []]


def _wait(what: str, check: Any, timeout: float = 90, hub: Hub | None = None) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {last!r}\n{hub.log_tail() if hub else ''}")


@pytest.fixture(scope="module")
def tokens(hub: Hub) -> dict[str, str]:
    return {user: hub.user_token(user) for user in ("alice", "bob")}


@pytest.fixture(scope="module")
def alice_kernel(hub: Hub, tokens: dict[str, str]) -> Any:
    kernel = UserKernel(hub, "alice", tokens["alice"])
    yield kernel
    kernel.stop()


def test_no_secret_anywhere_alice_can_read(hub: Hub, alice_kernel: UserKernel) -> None:
    # Her home, the environment's prefix (the test venv), the package's checkout (an editable
    # install: its source is part of the environment) and /tmp.
    roots = ["/home/alice", sys.prefix, str(REPO / "jupyter_itbridge"), "/tmp"]
    code = f"SECRET_HEX = {hub.rt_password.encode().hex()!r}\nROOTS = {roots!r}\n" + SCAN
    result = alice_kernel.value(code + "\n", timeout=600)
    assert result["found"] == {"env": [], "proc": [], "files": []}, result
    assert result["proc"] >= 2, result  # her server and this kernel, at least
    assert result["files"] > 1000, result  # the venv and the checkout were really scanned
    assert result["prefix"] == sys.prefix, result  # her server runs the test venv
    # ... while the relay does hold it and works: its health is up with the RT backend.
    whoami = alice_kernel.value("import os, json; print(json.dumps(os.environ['JUPYTERHUB_USER']))")
    assert whoami == "alice"


def test_two_users_one_ticket_two_requesters(
    hub: Hub, tokens: dict[str, str], alice_kernel: UserKernel, rt_for_hub: rt_server.RTServer
) -> None:
    # alice: the real card path in a real kernel (her server files it, forwards to the relay).
    out = alice_kernel.run("import pyspark")
    cards = [o for o in out if o["output_type"] == "display_data" and MIME in o["data"]]
    assert cards and cards[0]["data"][MIME]["finding"]["subject"] == "pyspark", out
    status, alice_id, alice_uuid = alice_kernel.printed(SEND).split()
    assert status == "filed", status

    def alice_forwarded() -> Any:
        _, record = api(hub, "alice", tokens["alice"], "GET", f"requests/{alice_id}")
        return record if record and record["state"] != "queued" else None

    _wait("alice's request to reach the relay", alice_forwarded, hub=hub)

    # bob: the same missing package through his own server's REST API.
    code, bob = api(
        hub,
        "bob",
        tokens["bob"],
        "POST",
        "requests",
        {
            "summary": "The Python package 'pyspark' is not installed.",
            "kind": "missing_package",
            "subject": "pyspark",
            "justification": "bob: Spark joins for the sales forecast",
            "user": "alice",  # ignored everywhere: the owner is the token's user
        },
    )
    assert code == 201, bob
    assert bob["user"] == "bob"

    def both_synced() -> Any:
        _, a = api(hub, "alice", tokens["alice"], "GET", f"requests/{alice_id}")
        _, b = api(hub, "bob", tokens["bob"], "GET", f"requests/{bob['id']}")
        ok = a["ticket_url"] and b["ticket_url"] and "colleague" in a["state_detail"]
        return (a, b) if ok and "colleague" in b["state_detail"] else None

    a, b = _wait("both users to see the ticket and the count", both_synced, hub=hub)

    tickets = _rt_tickets(rt_for_hub, f"[itbridge:{alice_uuid[:8]}]")
    assert len(tickets) == 1, tickets
    assert _rt_tickets(rt_for_hub, f"[itbridge:{bob['uuid'][:8]}]") == []
    ticket_id = str(tickets[0]["id"])
    assert a["ticket_id"] == b["ticket_id"] == ticket_id
    assert a["ticket_url"] == b["ticket_url"] and a["ticket_url"].endswith(f"id={ticket_id}")
    assert b["state_detail"] == (
        f"Already requested by 1 colleague (#{ticket_id}); your note was added"
    ), b
    assert a["state_detail"].endswith(f"#{ticket_id}; 1 colleague asked for the same"), a

    # IT sees names in the ticket: bob's +1 with his justification, exactly once.
    def plus_one() -> Any:
        texts = _rt_texts(rt_for_hub, ticket_id)
        return texts if any("+1 from bob" in t for t in texts) else None

    texts = _wait("bob's +1 on the ticket", plus_one, hub=hub)
    joined = "\n".join(texts)
    assert joined.count("+1 from bob: bob: Spark joins for the sales forecast") == 1, texts
    # users never see another user's name
    assert "bob" not in json.dumps(a) and "alice" not in json.dumps(b)

    # alice cannot read, comment on or cancel bob's request at the relay, even with the token
    # her own server holds (and any of her code can read).
    server_token = alice_kernel.value(
        "import os, json; print(json.dumps(os.environ['JUPYTERHUB_API_TOKEN']))"
    )
    relay = hub.relay_url + "api/v1/"
    assert http("GET", f"{relay}requests/{alice_uuid}", server_token)[0] == 200
    for method, path, body in [
        ("GET", f"requests/{bob['uuid']}", None),
        ("POST", f"requests/{bob['uuid']}/comment", {"text": "hi"}),
        ("POST", f"requests/{bob['uuid']}/cancel", {}),
    ]:
        code, data = http(method, relay + path, server_token, body)
        assert code == 404, (method, path, code, data)
    code, synced = http("POST", f"{relay}sync", server_token, {"uuids": [bob["uuid"], alice_uuid]})
    assert code == 200 and list(synced["requests"]) == [alice_uuid], synced
    assert synced["requests"][alice_uuid]["requesters"] == 2
