"""The environment block of a request reads as words: readable labels, no unknowns, no
absolute server paths. It used to read "limit memory_limit: none found / limit
memory_limit_source: cgroup1" and show the server's Python path."""

from __future__ import annotations

from jupyter_itbridge.findings import RequestDraft, render_body
from jupyter_itbridge.kernel.environment import collect


def test_environment_block_is_readable_and_leaves_out_unknowns() -> None:
    env = {
        "python": "CPython 3.11.7",
        "python_executable": "/opt/conda/envs/datasci/bin/python",
        "host": "jupyter-ana",
        "limit memory_limit": "none found",
        "limit memory_limit_source": "cgroup1",
        "limit RLIMIT_AS": "unlimited",
        "package pyspark": "not installed",
    }
    body = render_body(RequestDraft(summary="Need pyspark", environment=env))
    block = body.split("Environment\n-----------\n", 1)[1].splitlines()
    assert block == [
        "Python: CPython 3.11.7",
        "Python environment: datasci",
        "Host: jupyter-ana",
        "Address-space limit (RLIMIT_AS): unlimited",
        "Package pyspark: not installed",
    ]
    assert "none found" not in body and "memory_limit" not in body and "/opt/" not in body


def test_a_real_kernel_environment_has_no_server_path() -> None:
    body = render_body(RequestDraft(summary="x", environment=collect()))
    block = body.split("Environment\n-----------\n", 1)[1]
    assert "/" not in block.split("Python environment: ", 1)[1].splitlines()[0]
    assert "limit " not in block and "none found" not in block


def test_card_fields_do_not_repeat_the_explanation_and_the_body_keeps_it() -> None:
    from jupyter_itbridge.findings import Finding

    finding = Finding(
        kind="missing_package",
        subject="pyspark",
        title="The package 'pyspark' is not installed here.",
        explanation="IT installs packages on this server.",
        confidence="high",
    )
    draft = RequestDraft.from_finding(finding, {})
    assert draft.description == ""  # shown above the fields already
    body = render_body(draft)
    assert body.count("IT installs packages on this server.") == 1
    draft.description = "Needed by Friday for the board report."
    body = render_body(draft)
    assert "IT installs packages on this server.\nNeeded by Friday" in body
