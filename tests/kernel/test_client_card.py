"""Client and card logic in-process against a real local HTTP server (no kernel needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kernel_http_fixtures import Recorder  # type: ignore[import-not-found]

from jupyter_itbridge.findings import MIME_TYPE, Finding
from jupyter_itbridge.kernel import card as card_mod
from jupyter_itbridge.kernel.card_state import JUSTIFICATION_HINTS
from jupyter_itbridge.kernel.client import ServerClient, submit
from jupyter_itbridge.policy import ITBridgePolicy

TOKEN = "kernel-token-xyz"


def _finding(**kw: Any) -> Finding:
    base = dict(
        kind="missing_driver",
        subject="odbc-driver:ODBC Driver 18 for SQL Server",
        title="The ODBC driver 'ODBC Driver 18 for SQL Server' is not installed.",
        explanation="pyodbc found no such driver.",
        evidence={
            "exception_type": "pyodbc.Error",
            "message": "Can't open lib ... DSN=x;UID=bob;PWD=hunter2secret",
        },
    )
    base.update(kw)
    return Finding(**base)


class FakeServer:
    """A real HTTP server speaking the POST requests contract (id, uuid, state, deduped)."""

    def __init__(self) -> None:
        self.by_uuid: dict[str, dict[str, Any]] = {}
        self.status = 201
        self.recorder = Recorder(self.respond)

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes):
        if headers.get("X-ITBridge-Token") != TOKEN:
            return 403, {"message": "Invalid kernel token."}
        if method == "GET" and path.endswith("/policy"):
            return 200, {
                "policy": {"blocked_packages": {"openai": "no"}, "install_mode": "self-service"}
            }
        if method == "POST" and path.endswith("/requests"):
            if self.status >= 400:
                return self.status, {"message": "summary is required"}
            data = json.loads(body)
            rec = self.by_uuid.setdefault(
                data["uuid"],
                {
                    "id": len(self.by_uuid) + 1,
                    "uuid": data["uuid"],
                    "state": "queued",
                    "ticket_url": None,
                    "deduped": False,
                    "created_at": "2026-11-24T10:00:00Z",
                },
            )
            return 201, rec
        return 404, {"message": "no"}

    @property
    def client(self) -> ServerClient:
        return ServerClient(self.recorder.url + "itbridge/api/", TOKEN)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    s = FakeServer()
    yield s
    s.recorder.close()


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))


def test_policy_from_server(server: FakeServer) -> None:
    from jupyter_itbridge.kernel.policy_source import load_policy

    policy, origin = load_policy(server.client)
    assert origin == "server"
    assert policy.blocked_entry("OpenAI") == {"package": "openai", "reason": "no"}
    assert policy.install_mode == "self-service"
    call = server.recorder.calls[0]
    assert call["path"] == "/itbridge/api/policy"


def test_policy_falls_back_to_config_without_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_itbridge.kernel.policy_source import load_policy

    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "jupyter_server_config.json").write_text(
        json.dumps({"ITBridgePolicy": {"it_contact": "Data Platform, ext. 4242"}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "cfg"))
    policy, origin = load_policy(ServerClient("http://127.0.0.1:9/itbridge/api/", "t"))
    assert origin == "config"
    assert policy.it_contact == "Data Platform, ext. 4242"


def test_lazy_policy_when_no_config_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel start learns from the files alone that nothing configures the policy: the class
    is built later, by the first failure that needs it; one that names it is read at once."""
    from jupyter_itbridge.kernel.hook import KernelBridge
    from jupyter_itbridge.kernel.policy_source import load_policy
    from jupyter_itbridge.policy import ITBridgePolicy
    from jupyter_itbridge.policy_files import SECTION_NAMES

    assert tuple(ITBridgePolicy.section_names()) == SECTION_NAMES
    monkeypatch.delenv("JUPYTER_ITBRIDGE_URL", raising=False)
    cfg = tmp_path / "cfg"
    (cfg / "jupyter_server_config.d").mkdir(parents=True)
    (cfg / "jupyter_server_config.d" / "other.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"other": True}}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(cfg))
    assert load_policy(lazy=True) == (None, "config")
    assert isinstance(load_policy()[0], ITBridgePolicy)  # the eager call still builds it

    bridge = KernelBridge(ipython=None)
    bridge.set_policy(None, "config")
    assert bridge.policy.blocked_packages == {} and bridge.policy_origin == "config"

    (cfg / "jupyter_itbridge_config.json").write_text(
        json.dumps({"ITBridgePolicy": {"blocked_packages": {"openai": "no"}}})
    )
    policy, origin = load_policy(lazy=True)
    assert origin == "config" and policy.blocked_entry("openai") == {
        "package": "openai",
        "reason": "no",
    }


def test_submit_sends_token_and_uuid(server: FakeServer) -> None:
    result = submit({"summary": "x", "justification": "y"}, "uuid-0001-aaaa", server.client)
    assert result.filed and result.response["id"] == 1
    call = server.recorder.calls[-1]
    assert call["headers"]["X-ITBridge-Token"] == TOKEN
    assert json.loads(call["body"])["uuid"] == "uuid-0001-aaaa"


def test_unreachable_server_saves_draft(tmp_path: Path) -> None:
    client = ServerClient("http://127.0.0.1:9/itbridge/api/", "t")  # port 9: nothing listens
    result = submit({"summary": "x"}, "uuid-offline-1", client)
    assert not result.filed
    assert result.saved_path == str(tmp_path / "itbridge" / "outbox-drafts" / "uuid-offline-1.json")
    assert json.loads(Path(result.saved_path).read_text())["draft"] == {"summary": "x"}


def test_wrong_token_saves_draft_not_lost(server: FakeServer) -> None:
    client = ServerClient(server.client.url, "stale-token-from-old-server")
    result = submit({"summary": "x"}, "uuid-stale-01", client)
    assert not result.filed and result.saved_path and "403" in (result.error or "")
    assert result.hint == "the Jupyter server was restarted after this kernel started"
    # the technical detail stays in the draft file, for IT
    assert "403" in json.loads(Path(result.saved_path).read_text())["reason"]


def test_4xx_is_shown_not_saved(server: FakeServer, tmp_path: Path) -> None:
    server.status = 400
    result = submit({"summary": "x"}, "uuid-bad-0001", server.client)
    assert not result.filed and result.saved_path is None
    assert result.error == "summary is required"


def test_4xx_card_message_says_what_to_do(server: FakeServer) -> None:
    server.status = 400
    state = _state()
    state.draft.justification = "x"
    state.send(server.client)
    assert state.status == "error"
    assert state.message == (
        "The request was not filed: summary is required. Please correct it and press Send to "
        "IT again."
    )


def _state(finding: Finding | None = None, policy: Any = None) -> card_mod.CardState:
    finding = finding or _finding()
    return card_mod.CardState(finding, card_mod.build_draft(finding), policy or ITBridgePolicy())


def test_bundle_redacts_and_escapes() -> None:
    state = _state(_finding(title="<img src=x onerror=alert(1)> driver missing"))
    state.draft.justification = "Need DB <b>now</b>, password=Winter2026!"
    bundle = state.bundle()
    assert set(bundle) == {MIME_TYPE, "text/plain", "text/html"}
    blob = json.dumps(bundle)
    assert "hunter2secret" not in blob and "Winter2026" not in blob
    assert "<img src=x" not in bundle["text/html"]
    assert "&lt;img src=x" in bundle["text/html"]
    assert "<b>now</b>" not in bundle["text/html"]
    assert bundle[MIME_TYPE]["draft"]["justification"].startswith("Need DB <b>now</b>")
    assert bundle[MIME_TYPE]["preview"] == state.preview()


def test_justification_required(server: FakeServer) -> None:
    state = _state()
    assert state.send(server.client) is False
    assert state.status == "error" and "justification" in state.message
    assert server.recorder.calls == []


def test_widget_double_click_files_once(server: FakeServer) -> None:
    card = card_mod.Card(_state(), client=server.client)
    card.justification.value = "Reporting for the finance team"
    card.send_button.click()
    card.send_button.click()
    posts = [c for c in server.recorder.calls if c["method"] == "POST"]
    assert len(posts) == 1
    assert card.send_button.disabled
    assert "Request #1 filed" in card.status.value
    assert card.state.bundle()[MIME_TYPE]["state"]["request"]["id"] == 1
    # the widget's own display bundle carries the finding JSON and fallbacks too
    data = card.widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data[MIME_TYPE]["state"]["status"] == "filed"
    assert "jp-ITBridge-card" in card.widget._dom_classes


def test_same_uuid_resend_is_idempotent(server: FakeServer) -> None:
    state = _state()
    state.draft.justification = "x"
    state.send(server.client)
    state.status = "draft"  # even if the UI allowed a second try, the server sees one UUID
    state.send(server.client)
    assert len(server.by_uuid) == 1


def test_dedupe_answer_text() -> None:
    state = _state()
    state.status = "filed"
    state.response = {
        "id": 7,
        "state": "sent",
        "deduped": True,
        "created_at": "2026-11-20T09:00:00Z",
    }
    assert state.status_text().startswith("Already requested on 2026-11-20 (#7)")


def test_offline_card_tells_where(tmp_path: Path) -> None:
    card = card_mod.Card(_state(), client=ServerClient("http://127.0.0.1:9/itbridge/api/", "t"))
    card.justification.value = "x"
    card.send_button.click()
    assert card.state.status == "saved_offline"
    assert str(tmp_path / "itbridge" / "outbox-drafts") in card.status.value
    assert "it will be filed when the Jupyter server next starts" in card.status.value
    # plain words for the user, no socket error text
    assert card.status.value.startswith("Could not send to IT right now: the Jupyter server did")
    assert "Errno" not in card.status.value and "Error" not in card.status.value


def test_offline_card_offers_the_admins_contact_url(tmp_path: Path) -> None:
    """`c.ITBridgePolicy.it_contact_url` is shown when the request could not be sent."""
    policy = ITBridgePolicy(
        it_contact="the Data Platform team", it_contact_url="https://help.corp/ds"
    )
    card = card_mod.Card(
        _state(policy=policy), client=ServerClient("http://127.0.0.1:9/itbridge/api/", "t")
    )
    card.justification.value = "x"
    card.send_button.click()
    assert card.state.status == "saved_offline"
    assert "You can also reach the Data Platform team at https://help.corp/ds." in (
        card.state.status_text()
    )
    assert "https://help.corp/ds" in card.state.text_plain()


def test_environment_reuses_limits_of_a_memory_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """A memory finding read cgroups/RLIMITs at the error: the card does not read them again."""
    from jupyter_itbridge import limits
    from jupyter_itbridge.kernel import environment

    def _no_second_read() -> dict[str, Any]:
        raise AssertionError("limits read twice")

    monkeypatch.setattr(limits, "memory_evidence", _no_second_read)
    finding = Finding(
        kind="resource_limit",
        subject="memory",
        title="Out of memory",
        evidence={
            "memory_limit": "4.0 GiB",
            "memory_limit_source": "cgroup2",
            "RLIMIT_AS": "1.0 GiB",
        },
    )
    env = environment.collect(finding.to_dict())
    assert env["limit memory_limit"] == "4.0 GiB"
    assert env["limit memory_limit_source"] == "cgroup2"
    assert env["limit RLIMIT_AS"] == "1.0 GiB"


def test_self_service_first_when_policy_allows() -> None:
    policy = ITBridgePolicy(
        install_mode="self-service", package_index_url="https://pypi.corp/simple"
    )
    finding = Finding(kind="missing_package", subject="scikit-learn", title="scikit-learn missing")
    state = _state(finding, policy)
    ss = state.payload()["self_service"]
    assert ss["command"] == "%pip install --index-url https://pypi.corp/simple scikit-learn"
    card = card_mod.Card(state)
    assert card.command.value == ss["command"]
    assert "Fix it yourself" in state.text_plain()
    # the request is collapsed: its Send is not the main button and not offered yet
    assert card.send_button.layout.display == "none"
    assert card.send_button.button_style == ""
    ask = next(c for c in card.widget.children if "jp-ITBridge-ask" in c._dom_classes)
    ask.selected_index = 0
    assert card.send_button.layout.display == ""
    assert card.send_button.button_style == "primary"


def test_justification_hints_per_kind() -> None:
    assert "licen" in JUSTIFICATION_HINTS["missing_package"].lower()
    assert "alternative" in JUSTIFICATION_HINTS["missing_package"]
    assert "dataset" in JUSTIFICATION_HINTS["resource_limit"]
    assert "database" in JUSTIFICATION_HINTS["missing_driver"]


def test_static_card_without_widgets(server: FakeServer) -> None:
    state = _state()
    state.draft.justification = "x"
    static = card_mod.StaticCard(state, client=server.client)
    static.send()
    assert state.status == "filed"
    assert state.bundle()["text/plain"].endswith("Request #1 filed - state: queued.")


def test_same_package_shown_once_whatever_its_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    """``some_pkg`` (wheel URL) and ``Some-Pkg`` (requirement) are one problem: one card."""
    from jupyter_itbridge.kernel.hook import KernelBridge

    shown: list[str] = []
    monkeypatch.setattr(card_mod, "show_card", lambda f, _bridge: shown.append(f.subject))
    bridge = KernelBridge(ipython=None)
    for subject in ("some_internal_pkg", "Some-Internal.Pkg"):
        finding = Finding(kind="missing_package", subject=subject, title=f"{subject} missing")
        bridge.show_findings([finding], source="pip")
    assert shown == ["some_internal_pkg"]
