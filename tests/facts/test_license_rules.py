"""Licence and vulnerability rules, as the README's admin section documents them (pure)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jupyter_itbridge.license_rules import (
    classifier_license,
    evaluate,
    free_text_license,
    license_match,
    parse,
    r_license,
)
from jupyter_itbridge.policy import ITBridgePolicy

RULES = {"AGPL-3.0-only": "deny", "GPL-*": "review", "LGPL-*": "review"}


@pytest.mark.parametrize(
    ("expression", "action", "pattern"),
    [
        ("MIT", None, None),
        ("AGPL-3.0-only", "deny", "AGPL-3.0-only"),
        ("agpl-3.0-only", "deny", "AGPL-3.0-only"),  # SPDX ids ignore case
        ("AGPL-3.0", "deny", "AGPL-3.0-only"),  # deprecated id = its "-only" form
        ("GPL-3.0-or-later", "review", "GPL-*"),
        ("GPL-2.0+", "review", "GPL-*"),
        ("LGPL-2.1-only", "review", "LGPL-*"),  # "GPL-*" does not match LGPL
        ("MIT OR GPL-3.0-only", None, None),  # OR: the user may take MIT
        ("GPL-3.0-only OR AGPL-3.0-only", "review", "GPL-*"),  # the milder branch
        ("MIT AND GPL-3.0-only", "review", "GPL-*"),  # AND: every term applies
        ("GPL-3.0-only AND AGPL-3.0-only", "deny", "AGPL-3.0-only"),  # the stricter term
        ("(MIT OR Apache-2.0) AND AGPL-3.0-only", "deny", "AGPL-3.0-only"),
        ("MIT or (GPL-2.0-only and Apache-2.0)", None, None),  # lower-case operators
        ("GPL-2.0-only WITH Classpath-exception-2.0", "review", "GPL-*"),
    ],
)
def test_license_rules_on_spdx_expressions(expression, action, pattern) -> None:
    match = license_match(expression, RULES)
    assert (match.action if match else None) == action
    assert (match.pattern if match else None) == pattern


def test_the_most_specific_rule_wins_and_allow_exempts() -> None:
    rules = {
        "GPL-*": "review",
        "GPL-2.0-only WITH Classpath-exception-2.0": "allow",
        "GPL-3.0-*": "deny",
    }
    assert license_match("GPL-2.0-only WITH Classpath-exception-2.0", rules) is None
    assert license_match("GPL-3.0-only", rules).action == "deny"  # longer glob beats GPL-*
    assert license_match("GPL-2.0-only", rules).action == "review"
    assert license_match("GPL-3.0-only", {"GPL-*": "review", "GPL-3.0-only": "allow"}) is None


def test_unknown_and_free_text_licences() -> None:
    assert license_match(None, {"UNKNOWN": "review"}).pattern == "UNKNOWN"
    assert license_match("", {"UNKNOWN": "review"}).license == "not stated"
    assert license_match("Copyright ACME, all rights reserved", {"UNKNOWN": "deny"}).action == (
        "deny"
    )
    assert license_match("ACME Proprietary", {"*Proprietary*": "deny"}).action == "deny"
    assert license_match(None, {"GPL-*": "review"}) is None  # no UNKNOWN rule: no verdict


def test_expressions_parse_or_are_refused() -> None:
    assert parse("MIT") is not None
    assert parse("(MIT") is None
    assert parse("MIT AND") is None
    assert parse("BSD License") is None  # free text, not an expression
    assert parse("LicenseRef-Corp-1.0 OR MIT") is not None
    assert parse(" OR ".join(["MIT"] * 500)) is None  # bounded work


def test_legacy_metadata_maps_to_spdx() -> None:
    assert classifier_license(
        [
            "License :: OSI Approved :: Apache Software License",
            "License :: OSI Approved :: BSD License",
            "Programming Language :: Python",
        ]
    ) == ("Apache-2.0 OR LicenseRef-BSD")
    assert classifier_license(["License :: OSI Approved :: GNU Affero General Public License v3"])
    assert (
        classifier_license(["License :: OSI Approved :: GNU General Public License (GPL)"])
        == "GPL-1.0-or-later"
    )
    assert classifier_license(["Topic :: Science"]) is None
    assert free_text_license("MIT License") == "MIT"
    assert free_text_license("GPL-3.0-or-later") == "GPL-3.0-or-later"
    assert free_text_license("Permission is hereby granted...\nTHE SOFTWARE IS PROVIDED") is None


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("GPL-2 | GPL-3", "GPL-2.0-only OR GPL-3.0-only"),
        ("GPL (>= 2)", "GPL-2.0-or-later"),
        ("MIT + file LICENSE", "MIT"),
        ("MPL-2.0 | file LICENSE", "MPL-2.0"),
        ("AGPL-3", "AGPL-3.0-only"),
        ("BSD_3_clause + file LICENSE", "BSD-3-Clause"),
        ("Apache License (== 2.0)", "Apache-2.0"),
        ("file LICENSE | Some odd words", None),
    ],
)
def test_r_licences(text, spdx) -> None:
    assert r_license(text) == spdx


def _facts(**over):
    return {
        "available": True,
        "license": "MIT",
        "latest_version": "1.6.1",
        "requested_version": None,
        "vulnerabilities": [],
        **over,
    }


VULN = {"id": "PYSEC-2021-9", "aliases": [], "fixed_in": ["1.5.0"], "affects_target": True}


def test_vulnerability_rule_says_what_the_user_will_hear() -> None:
    facts = _facts(requested_version="1.4.0", vulnerabilities=[VULN])
    warn = evaluate(facts, SimpleNamespace(license_rules={}, vulnerability_rule="warn"))
    assert warn["action"] == "warn"
    assert warn["rule"] == "vulnerability_rule = 'warn' (PYSEC-2021-9 affects 1.4.0)"
    assert warn["message"] == (
        "Version 1.4.0 has a known vulnerability (PYSEC-2021-9), fixed in 1.5.0: IT may install "
        "a fixed version instead."
    )
    deny = evaluate(facts, SimpleNamespace(license_rules={}, vulnerability_rule="deny"))
    assert deny["message"].endswith("ask for 1.5.0 or later.")
    review = evaluate(facts, SimpleNamespace(license_rules={}, vulnerability_rule="review"))
    assert "expect a longer wait" in review["message"]
    assert evaluate(facts, SimpleNamespace(license_rules={}, vulnerability_rule="ignore")) is None
    not_affected = _facts(vulnerabilities=[{**VULN, "affects_target": False}])
    assert evaluate(not_affected, SimpleNamespace(license_rules={}, vulnerability_rule="warn")) is (
        None
    )


def test_both_rules_the_stricter_leads_and_unavailable_facts_decide_nothing() -> None:
    policy = ITBridgePolicy(license_rules={"GPL-*": "review"}, vulnerability_rule="deny")
    facts = _facts(license="GPL-3.0-only", requested_version="1.4.0", vulnerabilities=[VULN])
    verdict = evaluate(facts, policy)
    assert verdict["action"] == "deny"
    assert verdict["rule"].startswith("vulnerability_rule = 'deny'")
    assert "license_rules['GPL-*'] = 'review' (licence GPL-3.0-only)" in verdict["rule"]
    assert "needs legal review: expect a longer wait" in verdict["message"]
    assert evaluate({"available": False, "license": "GPL-3.0-only"}, policy) is None


def test_policy_traits_use_the_rule_module_actions() -> None:
    from jupyter_itbridge.license_rules import LICENSE_ACTIONS, VULNERABILITY_ACTIONS

    traits = ITBridgePolicy.class_traits()
    assert tuple(traits["license_rules"]._value_trait.values) == LICENSE_ACTIONS
    assert tuple(traits["vulnerability_rule"].values) == VULNERABILITY_ACTIONS
    assert ITBridgePolicy().vulnerability_rule == "warn"
