"""The TypeScript contract (labextension/src/contract.ts) carries the Python contract's values.

Why: the frontend compares request states, kinds and urgencies, builds REST URLs from the API
prefix and filters the server's event stream by schema id. A rename on one side only used to
break the other silently (a state shown as its slug, an event never matched). This test reads
contract.ts as text, so it needs no Node.js, and fails when either side changes alone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from jupyter_itbridge import contract

CONTRACT_TS = Path(__file__).resolve().parents[2] / "labextension" / "src" / "contract.ts"

#: `export const NAME[: type] = <string or array literal>[ as const];`
EXPORT_CONST = re.compile(
    r"^export const (?P<name>[A-Z_]+)\s*(?::[^=]+)?=\s*(?P<value>'[^']*'|\[[^\]]*\])"
    r"(?:\s+as const)?;",
    re.MULTILINE,
)
#: `export type Name = (typeof ARRAY)[number];`
DERIVED_TYPE = re.compile(
    r"^export type (?P<name>\w+) = \(typeof (?P<array>[A-Z_]+)\)\[number\];", re.MULTILINE
)

#: TypeScript constant -> the Python value it must equal (tuples compare in order).
EXPECTED = {
    "KINDS": list(contract.KINDS),
    "CONFIDENCES": list(contract.CONFIDENCES),
    "STATES": list(contract.STATES),
    "URGENCIES": list(contract.URGENCIES),
    "OPEN_STATES": contract.OPEN_STATES,
    "PACKAGE_KINDS": contract.PACKAGE_KINDS,
    "RESTART_KINDS": contract.RESTART_KINDS,
    "TIME_CLASS": contract.TIME_CLASS,
    "RESTART_CLASS": contract.RESTART_CLASS,
    "MIME_TYPE": contract.MIME_TYPE,
    "API_PREFIX": contract.API_PREFIX,
    "EVENT_SCHEMA_BASE": contract.EVENT_SCHEMA_BASE,
    "EVENT_REQUEST_STATE": contract.EVENT_REQUEST_STATE,
    "EVENT_INCIDENT": contract.EVENT_INCIDENT,
    "EVENT_MESSAGE": contract.EVENT_MESSAGE,
}
#: Literal union types and the array each is derived from (`Literal[...]` in contract.py).
UNION_TYPES = {
    "FindingKind": ("KINDS", contract.FindingKind),
    "Confidence": ("CONFIDENCES", contract.Confidence),
    "RequestState": ("STATES", contract.RequestState),
    "Urgency": ("URGENCIES", contract.Urgency),
}


def parse_contract_ts(text: str) -> dict[str, object]:
    """Every `export const` of contract.ts as a Python value; any other form is an error."""
    values: dict[str, object] = {}
    for match in EXPORT_CONST.finditer(text):
        values[match["name"]] = ast.literal_eval(match["value"])
    declared = re.findall(r"^export const (\w+)", text, re.MULTILINE)
    unreadable = sorted(set(declared) - set(values))
    assert not unreadable, f"contract.ts constants this test cannot read: {unreadable}"
    return values


@pytest.fixture(scope="module")
def ts_text() -> str:
    return CONTRACT_TS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ts_values(ts_text: str) -> dict[str, object]:
    return parse_contract_ts(ts_text)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_typescript_value_equals_python(ts_values, name):
    assert name in ts_values, f"contract.ts does not export {name}"
    expected = EXPECTED[name]
    actual = ts_values[name]
    if isinstance(expected, frozenset):
        assert isinstance(actual, list) and len(actual) == len(set(actual)), actual
        assert set(actual) == expected, (name, actual, sorted(expected))
    else:
        assert actual == expected, (name, actual, expected)


def test_open_states_follow_lifecycle_order(ts_values):
    """OPEN_STATES lists states in STATES order (a reader sees the lifecycle, not a jumble)."""
    states = ts_values["STATES"]
    open_states = ts_values["OPEN_STATES"]
    assert open_states == [s for s in states if s in open_states]


def test_every_typescript_constant_has_a_python_twin(ts_values):
    """Nothing is declared in contract.ts alone: a new name goes into contract.py first."""
    assert set(ts_values) <= set(EXPECTED), sorted(set(ts_values) - set(EXPECTED))


@pytest.mark.parametrize("name", sorted(UNION_TYPES))
def test_union_types_are_derived_from_the_arrays(ts_text, ts_values, name):
    array, literal = UNION_TYPES[name]
    derived = {m["name"]: m["array"] for m in DERIVED_TYPE.finditer(ts_text)}
    assert derived.get(name) == array, f"`export type {name} = (typeof {array})[number];`"
    assert ts_values[array] == list(literal.__args__)


def test_the_parser_rejects_what_it_cannot_read():
    """A computed value (template literal, concatenation) would escape the comparison."""
    with pytest.raises(AssertionError, match="cannot read"):
        parse_contract_ts("export const API_PREFIX = `${BASE}/api`;\n")
