"""The fake Jira's JQL evaluator follows Jira's documented semantics (so contract tests that
rely on it mean something): text queries, phrases, precedence, errors."""

from __future__ import annotations

from typing import Any

import pytest
from backends.fakes.jql import JQLError, compile_jql


def issue(n: int, key: str, summary: str, description: str = "", **f: Any) -> dict[str, Any]:
    fields = {"summary": summary, "description": description, "labels": [], "comments": []}
    return {"id": str(10000 + n), "key": key, "fields": fields | f}


ISSUES = [
    issue(1, "IT-1", "Full screen mode is broken", "itbridge-request-id: 3f2a1b4c-9d8e-4f00"),
    issue(2, "IT-2", "The screen is full of errors", labels=["itbridge"]),
    issue(3, "OPS-3", "Install pyspark [itbridge:3f2a1b4c]", comments=["Windows95 box"]),
    issue(4, "IT-4", "Nothing here", "see 4f00 9d8e 3f2a1b4c", labels=["x"]),
]


def keys(jql: str) -> list[str]:
    return [i["key"] for i in compile_jql(jql).run(ISSUES)]


def test_terms_are_anded_in_any_order_and_phrases_are_ordered():
    assert keys('summary ~ "full screen"') == ["IT-1", "IT-2"]
    assert keys('summary ~ "\\"full screen\\""') == ["IT-1"]
    assert keys('summary ~ "FULL"') == ["IT-1", "IT-2"]  # case-insensitive


def test_special_characters_are_not_indexed():
    # "3f2a1b4c-9d8e-4f00" indexes as 3f2a1b4c 9d8e 4f00: the phrase needs that order.
    assert keys('text ~ "\\"3f2a1b4c-9d8e-4f00\\""') == ["IT-1"]
    assert keys('text ~ "3f2a1b4c-9d8e-4f00"') == ["IT-1", "IT-4"]  # unordered terms
    assert keys('summary ~ "\\"itbridge 3f2a1b4c\\""') == ["OPS-3"]
    assert keys('summary ~ "\\"itbridge:3f2a1b4c\\""') == ["OPS-3"]


def test_field_scope_text_covers_comments():
    assert keys('summary ~ "windows95"') == []
    assert keys('comment ~ "windows95"') == ["OPS-3"]
    assert keys('text ~ "win*"') == ["OPS-3"]
    assert keys('description ~ "\\"request id\\""') == ["IT-1"]
    assert keys('text !~ "screen"') == ["OPS-3", "IT-4"]


def test_boolean_precedence_not_and_order():
    # AND binds tighter than OR.
    assert keys('project = "OPS" OR labels = "x" AND summary ~ "nothing"') == ["OPS-3", "IT-4"]
    assert keys('(project = "OPS" OR labels = "x") AND summary ~ "install"') == ["OPS-3"]
    assert keys('project = IT AND NOT labels = "itbridge"') == ["IT-1", "IT-4"]
    assert keys("key in (IT-4, IT-1) ORDER BY created DESC") == ["IT-4", "IT-1"]
    assert keys('project = IT AND labels not in ("x", "itbridge")') == ["IT-1"]


@pytest.mark.parametrize(
    "jql",
    [
        'labels ~ "x"',  # ~ only on text fields
        'assignee = "bob"',  # not a field the fake knows
        'summary ~ "\\"\\""',  # no terms
        'project = "IT" AND',  # dangling
        'summary ~ "a OR b"',  # text-query operators: not modelled, so refused loudly
        'project = "IT" ORDER BY priority',
    ],
)
def test_rejected_queries(jql: str):
    with pytest.raises(JQLError):
        compile_jql(jql)
