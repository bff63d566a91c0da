"""Licence and vulnerability rules: what the organisation says about a package's terms and its
known vulnerabilities, decided from the package facts (pure: no I/O, no Jupyter imports).

Why here and not in the index client: the server decides the rule when it answers
``GET packages/{name}``, and the same decision is written into the request body IT receives;
tests and the docs' examples exercise it without a server. Guidance, not enforcement: the
package index (or its firewall) remains the real gate.

Licences are SPDX expressions (``MIT OR Apache-2.0``, ``GPL-2.0-only WITH
Classpath-exception-2.0``). ``OR`` means the user may pick the friendlier option, ``AND`` means
every term applies, so an expression takes the mildest action of its ``OR`` branches and the
strictest of its ``AND`` terms. Legacy metadata (the free-text ``License`` field, trove
classifiers, R's ``License`` field) is mapped to SPDX ids first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

#: Actions, mildest first. ``allow`` exists so that a specific rule can exempt a licence a
#: broader glob would catch (``{"GPL-*": "review", "GPL-2.0-only WITH Classpath-exception-2.0":
#: "allow"}``).
LICENSE_ACTIONS = ("allow", "review", "deny")
VULNERABILITY_ACTIONS = ("ignore", "warn", "review", "deny")
SEVERITY = {"allow": 0, "ignore": 0, "warn": 1, "review": 2, "deny": 3}
#: The ``license_rules`` key that matches a package with no licence, or one we cannot read.
UNKNOWN = "UNKNOWN"

# -- legacy metadata -> SPDX ----------------------------------------------------------------

#: SPDX's deprecated GNU ids and their current form, so ``AGPL-3.0-only`` rules also catch a
#: package that says ``AGPL-3.0`` (or a classifier mapped to it).
_DEPRECATED = {
    f"{family}-{version}{suffix}": f"{family}-{version}-{current}"
    for family in ("GPL", "LGPL", "AGPL", "GFDL")
    for version in ("1.0", "1.1", "1.2", "1.3", "2.0", "2.1", "3.0")
    for suffix, current in (("", "only"), ("+", "or-later"))
}

#: Trove classifiers (``License :: ...``) and common free-text ``License`` values, lower case.
_NAMES = {
    "mit license": "MIT",
    "mit": "MIT",
    "mit no attribution license (mit-0)": "MIT-0",
    "apache software license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "isc license (iscl)": "ISC",
    "python software foundation license": "PSF-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "eclipse public license 2.0 (epl-2.0)": "EPL-2.0",
    "the unlicense (unlicense)": "Unlicense",
    "gnu general public license v2 (gplv2)": "GPL-2.0-only",
    "gnu general public license v2 or later (gplv2+)": "GPL-2.0-or-later",
    "gnu general public license v3 (gplv3)": "GPL-3.0-only",
    "gnu general public license v3 or later (gplv3+)": "GPL-3.0-or-later",
    "gnu lesser general public license v2 (lgplv2)": "LGPL-2.0-only",
    "gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.0-or-later",
    "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0-only",
    "gnu lesser general public license v3 or later (lgplv3+)": "LGPL-3.0-or-later",
    "gnu affero general public license v3": "AGPL-3.0-only",
    "gnu affero general public license v3 or later (agplv3+)": "AGPL-3.0-or-later",
    # No version stated: the GPL then lets the user choose any version (SPDX: 1.0-or-later).
    "gnu general public license (gpl)": "GPL-1.0-or-later",
    "gnu library or lesser general public license (lgpl)": "LGPL-2.0-or-later",
    "bsd license": "LicenseRef-BSD",  # no SPDX id says which BSD licence
    "gplv2": "GPL-2.0-only",
    "gplv3": "GPL-3.0-only",
    "other/proprietary license": "LicenseRef-Proprietary",
    "public domain": "LicenseRef-Public-Domain",
}

#: R's ``License`` field (Writing R Extensions, "Licensing"): the standard short names.
_R_NAMES = {
    "gpl-2": "GPL-2.0-only",
    "gpl-3": "GPL-3.0-only",
    "gpl (>= 2)": "GPL-2.0-or-later",
    "gpl (>= 2.0)": "GPL-2.0-or-later",
    "gpl (>= 3)": "GPL-3.0-or-later",
    "gpl": "GPL-2.0-or-later",
    "lgpl-2": "LGPL-2.0-only",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-3": "LGPL-3.0-only",
    "lgpl (>= 2)": "LGPL-2.0-or-later",
    "lgpl (>= 2.1)": "LGPL-2.1-or-later",
    "lgpl (>= 3)": "LGPL-3.0-or-later",
    "agpl-3": "AGPL-3.0-only",
    "agpl (>= 3)": "AGPL-3.0-or-later",
    "mit": "MIT",
    "bsd_2_clause": "BSD-2-Clause",
    "bsd_3_clause": "BSD-3-Clause",
    "apache license 2.0": "Apache-2.0",
    "apache license (== 2.0)": "Apache-2.0",
    "apache license (>= 2.0)": "Apache-2.0",
    "apache license": "Apache-2.0",
    "mpl-2.0": "MPL-2.0",
    "cc0": "CC0-1.0",
    "artistic-2.0": "Artistic-2.0",
    "unlimited": "LicenseRef-Unlimited",
}

_CLASSIFIER_PREFIX = "License :: "


def classifier_license(classifiers: list[str]) -> str | None:
    """An SPDX expression from ``License ::`` classifiers (several: offered as alternatives)."""
    ids: list[str] = []
    for classifier in classifiers:
        if not classifier.startswith(_CLASSIFIER_PREFIX):
            continue
        last = classifier.rsplit(" :: ", 1)[-1].strip()
        if last in ("OSI Approved", "DFSG approved"):
            continue
        spdx = _NAMES.get(last.lower()) or _spdx_token(last)
        if spdx and spdx not in ids:
            ids.append(spdx)
    return " OR ".join(ids) if ids else None


def free_text_license(text: str) -> str | None:
    """The legacy ``License`` field as an SPDX expression when it is one (or a known name)."""
    text = text.strip()
    if not text or "\n" in text or len(text) > 200:  # a whole licence text: not an id
        return None
    if text.lower() in _NAMES:
        return _NAMES[text.lower()]
    return text if parse(text) is not None else None


def r_license(text: str) -> str | None:
    """R's ``License`` field (``GPL-2 | GPL-3``, ``MIT + file LICENSE``) as SPDX.

    ``|`` separates alternatives; ``+ file LICENSE`` adds terms in a file (kept as a note by
    the caller, the licence itself is what precedes it).
    """
    parts: list[str] = []
    for alternative in text.split("|"):
        name = re.sub(r"\s*\+\s*file\s+\S+\s*$", "", alternative.strip(), flags=re.I)
        name = " ".join(name.split())
        if re.fullmatch(r"file\s+\S+", name, re.I):  # "| file LICENSE": terms in a file
            continue
        spdx = _R_NAMES.get(name.lower()) or _NAMES.get(name.lower()) or _spdx_token(name)
        if spdx is None:
            return None
        parts.append(spdx)
    return " OR ".join(parts) if parts else None


def _spdx_token(text: str) -> str | None:
    return text if _ID.fullmatch(text) else None


# -- SPDX expressions -----------------------------------------------------------------------

_ID = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9.\-]{0,80}\+?|DocumentRef-[A-Za-z0-9.\-]{1,80}:LicenseRef-[A-Za-z0-9.\-]{1,80}"
)
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
_OPERATORS = {"AND", "OR", "WITH"}
MAX_TERMS = 50  # a licence expression longer than this is not read (bounded work)


@dataclass(frozen=True)
class Term:
    """One licence of an expression, with its exception (``WITH ...``) if any."""

    license: str
    exception: str | None = None

    @property
    def text(self) -> str:
        return f"{self.license} WITH {self.exception}" if self.exception else self.license


#: ``Term``, or ``("AND" | "OR", [children])``.
Node = Any


def parse(expression: str) -> Node | None:
    """An SPDX expression as a tree, or None when it is not one (operators in any case)."""
    tokens = _TOKEN.findall(expression)
    if not tokens or len(tokens) > 4 * MAX_TERMS:
        return None
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def operand() -> Node | None:
        token = peek()
        if token == "(":
            take()
            inner = either()
            if inner is None or peek() != ")":
                return None
            take()
            return inner
        if token is None or token.upper() in _OPERATORS or not _ID.fullmatch(token):
            return None
        license_id = _DEPRECATED.get(take(), tokens[pos - 1])
        if (peek() or "").upper() == "WITH":
            take()
            exception = peek()
            if exception is None or not _ID.fullmatch(exception):
                return None
            return Term(license_id, take())
        return Term(license_id)

    def joined(operator: str, inner: Any) -> Node | None:
        first = inner()
        if first is None:
            return None
        children = [first]
        while (peek() or "").upper() == operator:
            take()
            child = inner()
            if child is None:
                return None
            children.append(child)
        return children[0] if len(children) == 1 else (operator, children)

    def both() -> Node | None:
        return joined("AND", operand)

    def either() -> Node | None:
        return joined("OR", both)

    tree = either()
    return tree if tree is not None and pos == len(tokens) else None


def terms(node: Node) -> list[Term]:
    """Every licence named in an expression tree, in order."""
    if isinstance(node, Term):
        return [node]
    return [t for child in node[1] for t in terms(child)]


# -- licence rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """The rule that decided: ``license_rules[pattern] = action``, for licence ``license``."""

    action: str
    pattern: str
    license: str


def _specificity(pattern: str) -> tuple[int, int]:
    """Exact patterns beat globs; among globs the one with more literal characters wins."""
    wild = sum(pattern.count(c) for c in "*?[")
    return (0 if wild else 1, len(pattern) - wild)


def _rule_for(text: str, rules: dict[str, str]) -> Match | None:
    """The most specific rule whose pattern matches ``text`` (SPDX ids ignore case)."""
    folded = text.casefold()
    best: tuple[tuple[int, int], str, str] | None = None
    for pattern, action in rules.items():
        if pattern == UNKNOWN or not fnmatchcase(folded, pattern.casefold()):
            continue
        rank = _specificity(pattern)
        if best is None or rank > best[0]:
            best = (rank, pattern, action)
    return Match(best[2], best[1], text) if best else None


def _decide(node: Node, rules: dict[str, str]) -> Match | None:
    if isinstance(node, Term):
        if node.exception:  # a rule for "X WITH Y" wins over one for X
            whole = _rule_for(node.text, rules)
            if whole is not None:
                return whole
        return _rule_for(node.license, rules)
    operator, children = node
    decided = [_decide(child, rules) for child in children]
    if operator == "OR":  # the user may choose: the mildest branch decides (no rule = allow)
        if any(m is None or m.action == "allow" for m in decided):
            return None
        return min(decided, key=lambda m: SEVERITY[m.action])  # type: ignore[union-attr]
    matched = [m for m in decided if m is not None]
    return max(matched, key=lambda m: SEVERITY[m.action]) if matched else None


def license_match(expression: str | None, rules: dict[str, str]) -> Match | None:
    """The licence rule that applies to ``expression`` (None: no rule, or ``allow``)."""
    if not rules:
        return None
    tree = parse(expression) if expression else None
    if tree is None:
        match = _rule_for(expression, rules) if expression else None  # a rule on free text
        if match is None and UNKNOWN in rules:
            match = Match(rules[UNKNOWN], UNKNOWN, expression or "not stated")
    else:
        match = _decide(tree, rules)
    return None if match is None or match.action == "allow" else match


# -- the verdict shown to the user and written for IT ---------------------------------------


def _license_verdict(match: Match) -> dict[str, str]:
    rule = f"license_rules[{match.pattern!r}] = {match.action!r} (licence {match.license})"
    if match.action == "deny":
        message = (
            f"Your organisation's licence policy does not allow {match.license}: IT will most "
            "likely decline this request; name an alternative in the justification."
        )
    else:
        message = f"This licence ({match.license}) needs legal review: expect a longer wait."
    return {"action": match.action, "rule": rule, "message": message}


def _vulnerability_verdict(facts: dict[str, Any], action: str) -> dict[str, str] | None:
    if action == "ignore":
        return None
    target = facts.get("requested_version") or facts.get("latest_version")
    hits = [v for v in facts.get("vulnerabilities") or [] if v.get("affects_target")]
    if not target or not hits:
        return None
    ids = ", ".join(str(v.get("id")) for v in hits[:3]) + (" ..." if len(hits) > 3 else "")
    fixed = sorted({f for v in hits for f in v.get("fixed_in") or []})
    fixed_text = f", fixed in {', '.join(fixed[:3])}" if fixed else ", with no fixed release"
    noun = "a known vulnerability" if len(hits) == 1 else f"{len(hits)} known vulnerabilities"
    said = f"Version {target} has {noun} ({ids}){fixed_text}"
    tail = {
        "warn": "IT may install a fixed version instead.",
        "review": "IT reviews such packages before installing them: expect a longer wait.",
        "deny": "your organisation does not install versions with known vulnerabilities; "
        + (f"ask for {fixed[0]} or later." if fixed else "ask IT for an alternative."),
    }[action]
    return {
        "action": action,
        "rule": f"vulnerability_rule = {action!r} ({ids} affects {target})",
        "message": f"{said}: {tail}",
    }


def evaluate(facts: dict[str, Any], policy: Any) -> dict[str, str] | None:
    """``{"action", "rule", "message"}`` for the rules that matched ``facts``, or None.

    ``policy`` is an ``ITBridgePolicy`` (read duck-typed: ``license_rules``,
    ``vulnerability_rule``). When both rules match, the stricter action leads and both rules
    and messages are given.
    """
    if not facts or not facts.get("available"):
        return None
    verdicts = []
    match = license_match(facts.get("license"), dict(getattr(policy, "license_rules", {}) or {}))
    if match is not None:
        verdicts.append(_license_verdict(match))
    vulnerable = _vulnerability_verdict(facts, getattr(policy, "vulnerability_rule", "ignore"))
    if vulnerable is not None:
        verdicts.append(vulnerable)
    if not verdicts:
        return None
    verdicts.sort(key=lambda v: -SEVERITY[v["action"]])
    return {
        "action": verdicts[0]["action"],
        "rule": "; ".join(v["rule"] for v in verdicts),
        "message": " ".join(v["message"] for v in verdicts),
    }
