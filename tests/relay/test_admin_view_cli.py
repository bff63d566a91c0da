"""``jupyter itbridge requests list|show|export --relay URL``: the real command (a subprocess)
against IT's admin API (real tornado + HubOAuth, loopback Hub stand-in, seeded SQLite store)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from loopback import free_port  # type: ignore[import-not-found]
from relay.hub_standin import HubStandIn, LoopThread  # type: ignore[import-not-found]
from relay.itview_relay import ADMIN_SCOPE, PREFIX, in_process_forward, relay_app  # type: ignore[import-not-found]
from relay.itview_seed import FORMULA_SUMMARY, Seeded, seed  # type: ignore[import-not-found]
from tornado import web

from jupyter_itbridge.cli.records import CSV_FIELDS
from jupyter_itbridge.server.store import Store


@dataclass
class Relay:
    url: str
    seeded: Seeded
    tokens: dict[str, str]
    home: Path
    standin_url: str
    elsewhere: dict[str, str]  # web sites that are not the relay: an HTML page, a redirect

    def run(
        self, *args: str, token: str | None = "admin", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        clean = {
            k: v
            for k, v in os.environ.items()
            if k not in ("ITBRIDGE_RELAY_TOKEN", "JUPYTERHUB_API_TOKEN")
        }
        clean.update(
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_DATA_DIR=str(self.home / "data"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        if token:
            clean["ITBRIDGE_RELAY_TOKEN"] = self.tokens[token]
        clean.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "jupyter_itbridge.cli", "requests", *args],
            env=clean,
            capture_output=True,
            text=True,
            timeout=120,
        )


class _HTMLPage(web.RequestHandler):
    def get(self) -> None:
        self.finish("<html><body>JupyterHub home</body></html>")


class _Redirect(web.RequestHandler):
    def get(self) -> None:
        self.redirect("/hub/login")


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Relay]:
    home = tmp_path_factory.mktemp("cli-relay")
    loop = LoopThread()
    standin = HubStandIn().start(loop)
    tokens = {
        "admin": standin.add_user("it-admin", admin=True),
        "staff": standin.add_user("it-staff", scopes=(ADMIN_SCOPE,)),
        "alice": standin.add_user("alice"),
        "bad": "revoked-token",
    }
    store = Store(str(home / "relay.sqlite3"))
    app, context = relay_app(store, standin.api_url)
    seeded = seed(store, in_process_forward(context))
    port = loop.listen(app)
    elsewhere = {
        name: f"http://127.0.0.1:{loop.listen(web.Application([(r'/.*', handler)]))}/x/"
        for name, handler in (("HTML", _HTMLPage), ("REDIRECT", _Redirect))
    }
    yield Relay(
        f"http://127.0.0.1:{port}{PREFIX}", seeded, tokens, home, standin.api_url, elsewhere
    )
    loop.stop()
    store.close()


def test_list_reads_every_users_requests_from_the_relay(relay: Relay) -> None:
    out = relay.run("list", f"--relay={relay.url}")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATE", "USER", "KIND", "TICKET", "CREATED", "SUMMARY"]
    ids = [int(line.split()[0]) for line in lines[1:]]
    assert ids == sorted(relay.seeded.ids.values(), reverse=True)
    assert {line.split()[2] for line in lines[1:]} == {
        "alice",
        "bob",
        "carol",
        "dave",
        "erin",
        "frank",
    }


@pytest.mark.parametrize(
    ("options", "names"),
    [
        (["--state=failed"], ["oracle_bob"]),
        (["--state=failed,cancelled"], ["pyspark_alice", "oracle_bob"]),
        (["--state=open", "--user=bob"], ["oracle_bob", "sklearn_bob", "sklearn_alice"]),
        (["--user=carol", "--limit=1"], ["memory_carol"]),
    ],
)
def test_list_filters_like_a_local_store(
    relay: Relay, options: list[str], names: list[str]
) -> None:
    out = relay.run("list", f"--relay={relay.url}", "--json", *options)
    assert out.returncode == 0, out.stderr
    got = [r["id"] for r in json.loads(out.stdout)]
    expected = sorted((relay.seeded.ids[n] for n in names), reverse=True)
    if "--limit=1" in options:
        expected = [max(relay.seeded.ids[n] for n in ("sklearn_carol", "memory_carol"))]
    assert got == expected


def test_show_prints_the_body_and_who_asked(relay: Relay) -> None:
    number = relay.seeded.ids["sklearn_alice"]
    for key in (str(number), f"#{number}", relay.seeded.uuids["sklearn_alice"]):
        out = relay.run("show", key, f"--relay={relay.url}", token="staff")
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith(f"Request #{number}  {relay.seeded.uuids['sklearn_alice']}")
        assert "Requesters (4):" in out.stdout
        assert re.search(r"^  \S+  bob: Churn model for the sales team$", out.stdout, re.M)
        assert "Body (as sent to IT):" in out.stdout and "itbridge-request-id:" in out.stdout
    joined = relay.run("show", str(relay.seeded.ids["sklearn_dave"]), f"--relay={relay.url}")
    assert f"Joined request #{number} (same problem, its ticket was open)." in joined.stdout
    as_json = json.loads(relay.run("show", str(number), "--json", f"--relay={relay.url}").stdout)
    assert [q["user"] for q in as_json["requesters"]] == ["alice", "bob", "carol", "dave"]


def test_show_an_unknown_id_exits_2(relay: Relay) -> None:
    out = relay.run("show", "999", f"--relay={relay.url}")
    assert out.returncode == 2
    assert (
        out.stderr.strip()
        == f"jupyter itbridge requests show: No request 999 in the relay at {relay.url}."
    )


def test_export_writes_the_local_formats(relay: Relay, tmp_path: Path) -> None:
    target = tmp_path / "all.csv"
    out = relay.run("export", "--format=csv", f"--output={target}", f"--relay={relay.url}")
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == f"Exported {len(relay.seeded.ids)} request(s) as csv to {target}."
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(CSV_FIELDS)  # the same columns as a local export
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[relay.seeded.ids["formula_erin"]]["summary"] == "'" + FORMULA_SUMMARY
    dumped = relay.run("export", "--format=json", "--state=open", f"--relay={relay.url}")
    records = json.loads(dumped.stdout)
    assert {r["state"] for r in records} <= {"queued", "sent", "acknowledged", "failed"}
    assert all("history" in r and "comments" in r and "requesters" in r for r in records)


FORBIDDEN = (
    "The token from $ITBRIDGE_RELAY_TOKEN may not read every request (HTTP 403: IT's view needs "
    "a hub admin or the scope custom:itbridge:admin.); use a hub admin's token"
)


@pytest.mark.parametrize(
    ("token", "url", "code", "sentence"),
    [
        (None, "RELAY", 1, "Set ITBRIDGE_RELAY_TOKEN (or JUPYTERHUB_API_TOKEN) to a JupyterHub"),
        ("bad", "RELAY", 1, "did not accept the token from $ITBRIDGE_RELAY_TOKEN (HTTP 401: "),
        ("alice", "RELAY", 1, FORBIDDEN),
        ("admin", "DOWN", 1, "Cannot reach the relay at http://127.0.0.1:"),
        ("admin", "HUB", 1, "has no admin API (HTTP 404); is it the itbridge relay"),
        ("admin", "ftp://hub.example/", 1, "--relay 'ftp://hub.example/' is not an http(s) URL"),
        ("admin", "HTML", 1, "did not answer as the itbridge relay's admin API (HTTP 200)"),
        ("admin", "REDIRECT", 1, "did not answer as the itbridge relay's admin API (HTTP 302)"),
    ],
)  # fmt: skip
def test_clear_sentences_for_what_goes_wrong(
    relay: Relay, token: str | None, url: str, code: int, sentence: str
) -> None:
    target: Any = {
        "RELAY": relay.url,
        "DOWN": f"http://127.0.0.1:{free_port()}/services/itbridge/",
        "HUB": relay.standin_url.rsplit("/hub/api", 1)[0] + "/services/itbridge/",
        **relay.elsewhere,
    }.get(url, url)
    for command in (["list"], ["show", "1"], ["export"]):
        out = relay.run(*command, f"--relay={target}", token=token)
        assert out.returncode == code, (command, out.stderr)
        assert sentence in out.stderr, (command, out.stderr)
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_the_hub_token_variable_works_too(relay: Relay) -> None:
    out = relay.run(
        "list", "--state=failed", f"--relay={relay.url}", token=None,
        env={"JUPYTERHUB_API_TOKEN": relay.tokens["admin"]},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert str(relay.seeded.ids["oracle_bob"]) == out.stdout.splitlines()[1].split()[0]
