"""R's error shapes and the R catalog, without a kernel: every R signature's ``example`` is
recognised by that signature, the shapes users paste (the R console's ``Error in f() : msg``,
rlang's ANSI bullets, ASCII and curly quotes) read alike, the language switch keeps Python's
behaviour, and R subjects never share a fingerprint with PyPI names.

The texts below are shapes, not captures; the real captures are ``corpus/captures.jsonl``.
"""

from __future__ import annotations

import re
import time

import pytest

from jupyter_itbridge.detect import diagnose_r, diagnose_text
from jupyter_itbridge.detect.catalog import R_SIGNATURES, SIGNATURES
from jupyter_itbridge.detect.engine import catalog
from jupyter_itbridge.detect.gates import contains_gate
from jupyter_itbridge.detect.r import is_r
from jupyter_itbridge.detect.r.record import calls_from, normalise, split_header
from jupyter_itbridge.findings import KINDS, fingerprint
from jupyter_itbridge.policy import ITBridgePolicy


def top(findings):
    shown = [f for f in findings if f.shown]
    return (shown[0].kind, shown[0].subject, shown[0].confidence) if shown else None


def test_r_catalog_is_well_formed() -> None:
    ids = [s["id"] for s in (*SIGNATURES, *R_SIGNATURES)]
    assert len(ids) == len(set(ids))
    for sig in R_SIGNATURES:
        assert sig["id"].startswith("r."), sig["id"]
        assert sig["kind"] in KINDS and sig["title"] and sig.get("example"), sig["id"]
        assert sig.get("scope", "exception") in {"exception", "output", "both"}
        assert not sig.get("types"), "R errors carry no class: messages decide"
        re.compile(sig["message"])


@pytest.mark.parametrize("sig", R_SIGNATURES, ids=[s["id"] for s in R_SIGNATURES])
def test_every_r_example_is_recognised_by_its_signature(sig) -> None:
    compiled = next(c for c in catalog("r") if c.data["id"] == sig["id"])
    example = sig["example"]
    assert contains_gate(compiled.gates, example)
    if example.startswith("Error"):
        findings = diagnose_r("ERROR", example, None, None)
    else:  # a warning: only the stderr stream says it
        findings = diagnose_r(None, None, None, example)
    assert sig["id"] in [f.evidence.get("signature") for f in findings]


def test_r_gates_never_hide_a_match() -> None:
    from test_r_corpus import load

    texts = [s["example"] for s in R_SIGNATURES]
    for case in load():
        texts += [normalise(case["evalue"] or ""), normalise(case["stderr"] or "")]
    for compiled in catalog("r"):
        for text in texts:
            if compiled.regex is not None and compiled.regex.search(text):
                assert contains_gate(compiled.gates, text), (compiled.data["id"], text[:80])


@pytest.mark.parametrize(
    "evalue",
    [
        "Error in library(ggplot2): there is no package called \u2018ggplot2\u2019\n",  # IRkernel
        "Error in library(ggplot2) : there is no package called \u2018ggplot2\u2019",  # console
        "Error in library(ggplot2) : there is no package called 'ggplot2'",  # C locale
        "Error in library(ggplot2) : \n  there is no package called 'ggplot2'",  # long call
        "\x1b[1m\x1b[33mError\x1b[39m in `library()`:\x1b[22m\n\x1b[33m!\x1b[39m there is no "
        "package called `ggplot2`",  # rlang-styled
        "there is no package called \u2018ggplot2\u2019",  # a frontend that sends the message
    ],
)
def test_every_r_shape_reads_alike(evalue: str) -> None:
    assert top(diagnose_r("ERROR", evalue)) == ("missing_package", "cran:ggplot2", "high")


def test_header_and_traceback_are_parsed() -> None:
    assert split_header('Error in f(x, y = "a: b") : boom') == ('f(x, y = "a', 'b") : boom')
    assert split_header("Error: cannot allocate vector of size 2.2 Gb") == (
        None,
        "cannot allocate vector of size 2.2 Gb",
    )
    assert split_header(normalise("\x1b[1mError\x1b[22m in `resp_abort()`:\n! HTTP 404.")) == (
        "resp_abort()",
        "HTTP 404.",
    )
    traceback = [
        "Error in g(): boom\nTraceback:\n",
        "1. f(1)",
        '2. g(x = "a", \n .     y = 2)',
    ]
    assert calls_from(traceback) == ["f(1)", 'g(x = "a", y = 2)']
    assert calls_from("\n".join(traceback)) == ["f(1)", 'g(x = "a", y = 2)']


def test_language_switch_keeps_python_as_it_was() -> None:
    assert is_r("R") and is_r(" r ") and is_r(None, "ERROR")
    assert not is_r("python", "ERROR") and not is_r(None, "ModuleNotFoundError")
    python = diagnose_text("ModuleNotFoundError", "No module named 'sklearn'", [])
    assert [(f.kind, f.subject) for f in python] == [("missing_package", "scikit-learn")]
    # the same text from an R kernel is not Python's ModuleNotFoundError
    assert diagnose_text("ERROR", "No module named 'sklearn'", [], language="R") == []
    # a Python kernel without the extension: its stderr is read like stream output
    cuda = "Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: "
    found = diagnose_text("RuntimeError", "boom", [], stderr=cuda, language="python")
    assert [(f.kind, f.subject) for f in found] == [("missing_driver", "cuda")]
    assert diagnose_text("", "", None, stderr=cuda)[0].subject == "cuda"


def test_r_and_pypi_subjects_never_share_a_fingerprint() -> None:
    assert fingerprint("missing_package", "cran:data.table") != fingerprint(
        "missing_package", "data.table"
    )
    assert fingerprint("blocked_package", "cran:arrow") != fingerprint("blocked_package", "arrow")
    # Python's fingerprints are unchanged (values of the first release: findings.py is as it was)
    assert fingerprint("missing_package", "Scikit_Learn") == "664fd0e469055af8"
    assert fingerprint("blocked_package", "openai") == "b861a3e37e8d47aa"
    assert fingerprint("missing_driver", "oracle-client") == "c68e1dd3350274f8"


def test_policy_blocklist_names_the_ecosystem() -> None:
    policy = ITBridgePolicy(
        blocked_packages={
            "cran:RSelenium": "Browser automation is not allowed.",
            "openai": {"reason": "Sends data out.", "alternative": "corp-llm"},
        }
    )
    assert policy.blocked_r_entry("rselenium")["package"] == "cran:RSelenium"
    assert policy.blocked_r_entry("openai") is None  # a PyPI entry never blocks an R package
    assert policy.blocked_entry("cran:RSelenium") is None  # nor the other way round
    assert policy.blocked_entry("OpenAI")["alternative"] == "corp-llm"
    from jupyter_itbridge.kernel.import_guard import blocked_import_names

    assert set(blocked_import_names(policy)) == {"openai"}
    f = diagnose_r("ERROR", "Error in library(RSelenium): there is no package called 'RSelenium'")
    assert top(f) == ("missing_package", "cran:RSelenium", "medium")
    f = diagnose_r(
        "ERROR",
        "Error in library(RSelenium): there is no package called 'RSelenium'",
        [],
        "",
        policy,
    )
    assert top(f) == ("blocked_package", "cran:RSelenium", "high")
    assert f[0].policy_rule == "blocked_packages.cran:RSelenium"


def test_self_service_commands_use_the_policy() -> None:
    evalue = "Error in library(arrow): there is no package called 'arrow'"
    request = diagnose_r("ERROR", evalue)[0]
    assert request.self_service is None
    policy = ITBridgePolicy(install_mode="self-service", cran_url="https://ppm.corp/cran/latest")
    (f,) = diagnose_r("ERROR", evalue, None, None, policy)
    assert f.self_service["command"] == (
        'install.packages("arrow", repos = "https://ppm.corp/cran/latest")'
    )
    assert f.policy_rule == "install_mode.self-service"
    (f,) = diagnose_r("ERROR", evalue, None, None, ITBridgePolicy(install_mode="self-service"))
    assert f.self_service["command"] == 'install.packages("arrow")'
    driver = ITBridgePolicy(driver_self_service={"libpq": "Run `module load postgresql-client`."})
    evalue = (
        "Error: package or namespace load failed for 'RPostgreSQL' in dyn.load(file, DLLpath = "
        "DLLpath, ...):\n unable to load shared object '/usr/lib/R/site-library/RPostgreSQL/libs/"
        "RPostgreSQL.so':\n  libpq.so.5: cannot open shared object file: No such file or directory"
    )
    (f,) = diagnose_r("ERROR", evalue, None, None, driver)
    assert (f.subject, f.self_service["command"]) == ("libpq", "module load postgresql-client")
    assert f.policy_rule == "driver_self_service.libpq"
    assert "psycopg" not in f.explanation  # R's words, not Python's


def test_admin_signatures_apply_to_r() -> None:
    policy = ITBridgePolicy(
        signatures=[
            {
                "id": "tns",
                "exc_type": "ERROR",
                "message": r"ORA-12154",
                "kind": "missing_driver",
                "subject": "oracle-tnsnames",
                "title": "The Oracle service name is not in tnsnames.ora.",
            }
        ]
    )
    evalue = "Error in .oci.Connect(): ORA-12154: TNS:could not resolve the connect identifier"
    (f,) = diagnose_r("ERROR", evalue, None, None, policy)
    assert (f.subject, f.policy_rule) == ("oracle-tnsnames", "signatures.tns")


def test_secrets_in_calls_and_warnings_never_reach_a_finding() -> None:
    stderr = (
        'Warning message in odbcDriverConnect("Driver={Ghost};Server=db;UID=ana;PWD=hunter2"):\n'
        "\u201c[RODBC] ERROR: state 01000, code 0, message [unixODBC][Driver Manager]Can't open "
        "lib 'Ghost' : file not found\u201d\n"
    )
    evalue = 'Error in dbConnect(drv, password = "hunter2"): CONNECT tunnel failed, response 403'
    traceback = [evalue + "\nTraceback:\n", '1. dbConnect(drv, password = "hunter2")']
    findings = diagnose_r("ERROR", evalue, traceback, stderr)
    assert {f.subject for f in findings} == {"odbc-driver:Ghost", "proxy"}
    assert "hunter2" not in repr([f.to_dict() for f in findings])


def test_hostile_r_input_stays_linear() -> None:
    """A 256 KB message or stderr of R's own words does not explode (a backtracking pattern
    takes seconds; bench/bench_diagnose.py measures the real figures)."""
    words = "there is no package called Error in f(): cannot open URL 'unable to load shared "
    for size in (8_000, 256_000):
        body = (words * (size // len(words)))[:size]
        start = time.perf_counter()
        diagnose_r("ERROR", "Error in f(): " + body, [body] * 3, body)
        assert time.perf_counter() - start < 1.0, size


def test_the_readmes_admin_config_blocks_an_r_package(tmp_path, monkeypatch) -> None:
    from foundation.test_docs_config import _load, _readme_admin_block

    monkeypatch.setenv("ITBRIDGE_RT_TOKEN", "not-a-real-token")
    policy = ITBridgePolicy(config=_load(tmp_path, _readme_admin_block()))
    evalue = "Error in library(RSelenium): there is no package called 'RSelenium'"
    (f,) = diagnose_r("ERROR", evalue, None, None, policy)
    assert (f.kind, f.policy_rule) == ("blocked_package", "blocked_packages.cran:RSelenium")
    assert policy.cran_url.startswith("https://") and policy.blocked_entry("RSelenium") is None
