"""``jupyter itbridge doctor`` run for real, as a subprocess, against loopback servers."""

from __future__ import annotations

import pytest

TOKEN = "itb-s3cr3t-T0KEN-do-not-print-4242"


def _last_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "doctor failed without saying why"
    return lines[-1]


def test_help_through_the_jupyter_command(cli) -> None:
    top = cli.run("--help", via_jupyter=True)
    assert top.returncode == 0, top.stderr
    assert "doctor" in top.stdout and "requests" in top.stdout
    for args, expected in (
        (("doctor", "--help"), "--config"),
        (("requests", "--help"), "export"),
        (("requests", "list", "--help"), "--state"),
        (("requests", "export", "--help"), "--format"),
        (("requests", "show", "--help"), "--json"),
        (("requests", "retry", "--help"), "60 seconds"),
    ):
        res = cli.run(*args, via_jupyter=True)
        assert res.returncode == 0, res.stderr
        assert expected in res.stdout, (args, res.stdout)


def test_no_subcommand_is_a_usage_error(cli) -> None:
    res = cli.run()
    assert res.returncode == 2
    assert "doctor, requests" in res.stderr and "Traceback" not in res.stderr


def test_doctor_ok_with_local_backend(cli) -> None:
    cli.write_config(
        'c.ITBridge.backend = "local"\n'
        'c.ITBridgePolicy.blocked_packages = {"openai": "Sends data outside; use corp-llm."}\n'
        'c.ITBridgePolicy.install_mode = "self-service"\n'
    )
    res = cli.run("doctor", via_jupyter=True)
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    assert str(cli.config_dir / "jupyter_server_config.py") in out
    assert "install_mode = 'self-service'" in out
    assert "Sends data outside; use corp-llm." in out
    assert "Backend 'local'" in out
    assert f"{cli.store_path} does not exist yet" in out
    assert "All checks passed." in out
    assert not cli.store_path.exists(), "doctor must not create the store"


def test_doctor_reads_jupyter_itbridge_config_and_existing_store(cli) -> None:
    from jupyter_itbridge.server.store import Store

    Store(str(cli.store_path)).close()
    cli.write_config(
        '{"ITBridgePolicy": {"it_contact": "Data Platform, ext. 4242"}}',
        name="jupyter_itbridge_config.json",
    )
    res = cli.run("doctor")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "it_contact = 'Data Platform, ext. 4242'" in res.stdout
    assert f"{cli.store_path} is writable (0 requests)" in res.stdout


def test_unknown_backend_fails_with_one_sentence(cli) -> None:
    cli.write_config('c.ITBridge.backend = "servicenoww"\n')
    res = cli.run("doctor")
    assert res.returncode == 1
    line = _last_error_line(res.stderr)
    assert line.startswith("jupyter itbridge doctor: c.ITBridge.backend = 'servicenoww' is not")
    assert "valid names: email, github, gitlab, hub, jira, local, rt, servicenow, webhook" in line
    assert "Traceback" not in res.stderr
    assert "[FAIL] backend:" in res.stdout


def test_invalid_values_and_typos_are_named(cli) -> None:
    cli.write_config(
        'c.ITBridgePolicy.install_mode = "ask-nicely"\n'
        'c.RTBackend.qeueu = "Data Science"\n'
        'c.ITBridgePolicy.signatures = [{"kind": "missing_driver", "subject": "x",'
        ' "message": "(unclosed"}]\n'
    )
    res = cli.run("doctor")
    assert res.returncode == 1
    line = _last_error_line(res.stderr)
    assert "c.ITBridgePolicy.install_mode = 'ask-nicely' is invalid; expected any of" in line
    assert "2 more problems" in line
    assert "c.RTBackend.qeueu is not an option of RTBackend (did you mean queue?)" in res.stdout
    assert "c.ITBridgePolicy.signatures[0].message is not a valid regular expression" in res.stdout


def test_secret_with_bad_type_is_not_echoed(cli) -> None:
    cli.write_config('c.ITBridge.backend = "rt"\nc.RTBackend.token = 98765432123456789\n')
    res = cli.run("doctor")
    assert res.returncode == 1
    assert "c.RTBackend.token is invalid (value hidden)" in res.stderr
    assert "98765432123456789" not in res.stdout + res.stderr


def test_config_syntax_error_names_the_file(cli) -> None:
    path = cli.write_config('c.ITBridge.backend = "rt"\nc.RTBackend.url = = "x"\n')
    res = cli.run("doctor")
    assert res.returncode == 1
    assert f"{path} has a syntax error on line 2" in _last_error_line(res.stderr)
    assert "Traceback" not in res.stderr
    path.write_text(
        'c.ITBridge.backend = "rt"\nimport os\nc.RTBackend.token = os.environ["NOPE"]\n'
    )
    res = cli.run("doctor")
    assert res.returncode == 1
    assert _last_error_line(res.stderr) == (
        f"jupyter itbridge doctor: {path} could not be loaded (KeyError on line 3: 'NOPE')."
    )
    json_path = cli.write_config('{"ITBridge": ', name="jupyter_itbridge_config.json")
    path.unlink()
    res = cli.run("requests", "list")
    assert res.returncode == 1
    assert f"{json_path} could not be loaded (JSONDecodeError" in res.stderr
    assert "Traceback" not in res.stderr


def test_config_option_selects_a_file_like_jupyter_lab(cli, tmp_path) -> None:
    extra = tmp_path / "site.py"
    extra.write_text('c.ITBridge.backend = "no-such-desk"\n', encoding="utf-8")
    assert cli.run("doctor").returncode == 0
    res = cli.run("doctor", f"--config={extra}")
    assert res.returncode == 1
    assert "'no-such-desk' is not a known ticket-system backend" in res.stderr
    assert str(extra) in res.stdout
    missing = cli.run("doctor", f"--config={tmp_path / 'nope.py'}")
    assert missing.returncode == 1
    assert "nope.py (from --config) does not exist" in missing.stderr


@pytest.mark.parametrize(
    ("backend", "section", "extra", "trait"),
    [
        ("rt", "RTBackend", 'c.RTBackend.queue = "Data Science"\n', "RTBackend.token"),
        (
            "github",
            "GitHubBackend",
            'c.GitHubBackend.repo = "corp/it-requests"\n',
            "GitHubBackend.token",
        ),
    ],
)
def test_rejected_token_is_reported_precisely_and_never_shown(
    cli, unauthorized_server, backend: str, section: str, extra: str, trait: str
) -> None:
    cli.write_config(
        f'c.ITBridge.backend = "{backend}"\n'
        f'c.{section}.url = "{unauthorized_server.url}"\n'
        f'c.{section}.token = "{TOKEN}"\n' + extra
    )
    res = cli.run("doctor")
    assert res.returncode == 1, res.stdout
    line = _last_error_line(res.stderr)
    assert line == (
        f"jupyter itbridge doctor: {trait} was rejected by {unauthorized_server.url} "
        "(HTTP 401): Bad credentials."
    )
    # The check really reached the server with the credential ...
    assert unauthorized_server.seen, "doctor did not call the ticket system"
    assert any(TOKEN in h.get("Authorization", "") for h in unauthorized_server.seen)
    # ... and the credential appears nowhere in what the admin sees.
    assert TOKEN not in res.stdout + res.stderr
    assert "token = ******** (set)" in res.stdout


def test_rt_ok_with_token_from_environment(cli, rt_queue_server) -> None:
    cli.write_config(
        'c.ITBridge.backend = "rt"\n'
        f'c.RTBackend.url = "{rt_queue_server.url}/"\n'
        'c.RTBackend.queue = "Data Science"\n'
    )
    res = cli.run("doctor", env={"ITBRIDGE_RT_TOKEN": TOKEN})
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"rt: {rt_queue_server.url} accepted RTBackend.token; queue 'Data Science' exists." in (
        res.stdout
    )
    assert "token = ******** (set, from the environment)" in res.stdout
    assert rt_queue_server.seen[0]["path"] == "/REST/2.0/queue/Data%20Science" or (
        rt_queue_server.seen[0]["path"] == "/REST/2.0/queue/Data Science"
    )
    assert rt_queue_server.seen[0]["Authorization"] == f"token {TOKEN}"
    assert TOKEN not in res.stdout + res.stderr


def test_unreachable_ticket_system(cli) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cli.write_config(
        f'c.ITBridge.backend = "rt"\nc.RTBackend.url = "http://127.0.0.1:{port}"\n'
        'c.RTBackend.token = "t"\nc.RTBackend.retries = 0\n'
    )
    res = cli.run("doctor")
    assert res.returncode == 1
    assert _last_error_line(res.stderr) == (
        f"jupyter itbridge doctor: Could not connect to http://127.0.0.1:{port} while trying "
        "to read the queue: connection refused (nothing listens there)."
    )


def test_webhook_url_is_treated_as_a_credential(cli) -> None:
    hook = "https://hooks.slack.example/services/T000/B000/XXXXSECRETXXXX"
    cli.write_config(
        'c.ITBridge.backend = "webhook"\nc.WebhookBackend.flavor = "slack"\n'
        f'c.WebhookBackend.url = "{hook}"\n'
    )
    res = cli.run("doctor")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "XXXXSECRETXXXX" not in res.stdout + res.stderr
    assert "host hooks.slack.example" in res.stdout


def test_store_that_cannot_be_created(cli, tmp_path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    cli.write_config(f'c.ITBridge.store_path = "{blocker}/itbridge.sqlite3"\n')
    res = cli.run("doctor")
    assert res.returncode == 1
    assert _last_error_line(res.stderr) == (
        f"jupyter itbridge doctor: The request store {blocker}/itbridge.sqlite3 cannot be "
        f"created: {blocker} is not a directory."
    )


def test_config_files_are_listed_in_load_order(tmp_path) -> None:
    """The listing must match what load_jupyter_config merges: .py first, then .json wins."""
    from jupyter_itbridge.cli.adminconfig import candidate_files, load_admin_config

    (tmp_path / "jupyter_server_config.py").write_text("c.ITBridge.backend = 'rt'\n")
    (tmp_path / "jupyter_server_config.json").write_text('{"ITBridge": {"backend": "email"}}')
    files = candidate_files([str(tmp_path)])
    assert [p.rsplit(".", 1)[1] for p in files] == ["py", "json"]
    assert load_admin_config(paths=[str(tmp_path)]).config.ITBridge.backend == "email"
