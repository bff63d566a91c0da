"""``POST diagnose`` for any kernel: ``{ename, evalue, traceback, stderr?, language?}`` through
the real jupyter-server extension. R's captures go in as the frontend sends them (the error
output and the cell's stderr stream); a cell with only stderr (R warns, never raises) needs no
``ename``; bad types are a 400 naming the field; Python's requests behave as before."""

# ruff: noqa: F811  (the request hub's fixtures are imported below and requested by name)

from __future__ import annotations

from typing import Any

import pytest
from hub.conftest import api, itbridge, jp_server_config  # noqa: F401
from hub.start_hook import started_serverapp  # noqa: F401  (jp_serverapp, extension started)
from test_r_corpus import load


def _capture(case_id: str) -> dict[str, Any]:
    return next(case for case in load() if case["id"] == case_id)


async def test_an_r_error_and_its_stderr_give_the_finding(api: Any) -> None:
    case = _capture("packages-01")  # library(ggplot2), a real IRkernel error
    body = {k: case[k] for k in ("ename", "evalue", "traceback", "stderr")}
    code, found = await api("POST", "diagnose", {**body, "language": "R"})
    assert code == 200
    (finding,) = found["findings"]
    assert (finding["kind"], finding["subject"], finding["confidence"]) == (
        "missing_package",
        "cran:ggplot2",
        "high",
    )
    assert finding["fingerprint"] and finding["title"].startswith("The R package 'ggplot2'")
    # the frontend card's Summary: the request, not the title its headline shows
    assert finding["request_summary"] == "Install the R package 'ggplot2'"
    # without ``language``, IRkernel's ename ERROR selects R's reading too
    code, again = await api("POST", "diagnose", body)
    assert code == 200 and again["findings"] == found["findings"]


async def test_a_cell_with_only_stderr_needs_no_ename(api: Any) -> None:
    case = _capture("blocked-01")  # install.packages refused by a repository: warnings only
    assert case["ename"] is None and case["stderr"]
    code, found = await api("POST", "diagnose", {"stderr": case["stderr"], "language": "R"})
    assert code == 200
    assert [(f["kind"], f["subject"]) for f in found["findings"]] == [
        ("blocked_package", "cran:RSelenium")
    ]


async def test_ordinary_r_errors_and_warnings_give_nothing(api: Any) -> None:
    for case_id in ("ordinary-01", "ordinary-05", "ordinary-15"):
        case = _capture(case_id)
        body = {k: v for k in ("ename", "evalue", "traceback", "stderr") if (v := case[k])}
        code, found = await api("POST", "diagnose", {**body, "language": "R"})
        assert code == 200 and found["findings"] == [], case_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"evalue": "x"}, "'ename'"),
        ({"stderr": ""}, "'ename'"),
        ({"ename": "  "}, "'ename'"),
        ({"ename": "ERROR", "stderr": 7}, "'stderr'"),
        ({"stderr": ["a"]}, "'stderr'"),
        ({"ename": "ERROR", "language": {"name": "R"}}, "'language'"),
        ({"ename": "ERROR", "traceback": [1]}, "'traceback'"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field(api: Any, body: Any, field: str) -> None:
    code, err = await api("POST", "diagnose", body)
    assert code == 400 and field in err["message"]


async def test_long_texts_are_cut_not_refused(api: Any) -> None:
    case = _capture("network-20")  # a repository R cannot read, said on stderr
    # R's warnings come last: a long stderr keeps its head and its tail
    stderr = "Loading...\n" * 15_000 + case["stderr"]
    code, found = await api("POST", "diagnose", {"stderr": stderr, "language": "R"})
    assert code == 200 and [f["subject"] for f in found["findings"]] == ["package-index"]
    code, found = await api("POST", "diagnose", {"stderr": stderr, "language": "r" * 5000})
    assert code == 200 and found["findings"] == []  # 'rrr...' is no language we know


async def test_python_requests_are_unchanged(api: Any) -> None:
    code, found = await api(
        "POST",
        "diagnose",
        {"ename": "ModuleNotFoundError", "evalue": "No module named 'pyspark'", "traceback": []},
    )
    assert code == 200
    assert [(f["kind"], f["subject"]) for f in found["findings"]] == [
        ("missing_package", "pyspark")
    ]
