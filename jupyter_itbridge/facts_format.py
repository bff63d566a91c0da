"""Package facts in words: the one line on the card and the "Package facts" section of the body.

Pure (no I/O, no Jupyter imports) because the kernel's preview, the server's stored body and
the relay's re-rendering must produce the same text from the same facts: ``render_body`` calls
:func:`facts_section`. Ages in the body are counted to the moment the facts were read (kept in
the facts), never to "now", so the body rendered later is byte-for-byte the preview.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

SEPARATOR = " · "
MAX_LISTED_VULNERABILITIES = 10
ECOSYSTEM_NAMES = {"pypi": "PyPI", "cran": "CRAN"}


def _vulns(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The vulnerability records, whatever a client sent (bounded JSON may hold strings)."""
    value = facts.get("vulnerabilities")
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return (
        [str(v) for v in value if isinstance(v, (str, int, float))]
        if isinstance(value, list)
        else []
    )


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time (``Z`` or offset) as an aware datetime; None if it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def age_words(then: datetime, now: datetime) -> str:
    """``today``, ``1 day``, ``3 weeks``, ``5 months``, ``2 years`` (rounded down)."""
    days = max(0, (now - then).days)
    for unit, size in (("year", 365), ("month", 30), ("week", 7), ("day", 1)):
        if days >= size:
            count = days // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "today"


def _ago(then: datetime, now: datetime) -> str:
    words = age_words(then, now)
    return words if words == "today" else f"{words} ago"


def python_spec(spec: str) -> str:
    """``>=3.9,<4`` -> ``>= 3.9, < 4`` (as people write it)."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    return ", ".join(re.sub(r"^(~=|===|==|!=|<=|>=|<|>)\s*", r"\1 ", p) for p in parts)


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def _fixed_versions(vulns: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for vuln in vulns:
        for version in _strings(vuln.get("fixed_in")):
            if version not in seen:
                seen.append(str(version))
    return seen


def vulnerability_phrase(facts: dict[str, Any]) -> str | None:
    """``1 known vulnerability, fixed in 1.5.0`` / ``no known vulnerabilities`` / None (unchecked).

    Says "in <version>" when the version the user would get is affected.
    """
    vulns = _vulns(facts)
    if not vulns:
        return "no known vulnerabilities" if facts.get("vulnerabilities_checked") else None
    target = facts.get("requested_version") or facts.get("latest_version")
    affecting = [v for v in vulns if v.get("affects_target")]
    text = _plural(len(vulns), "known vulnerability")
    if affecting and target:
        text = (
            f"{text} in {target}"
            if len(affecting) == len(vulns)
            else f"{text} ({len(affecting)} in {target})"
        )
    fixed = _fixed_versions(affecting or vulns)
    if fixed:
        shown = ", ".join(fixed[:3]) + (" ..." if len(fixed) > 3 else "")
        text += f", fixed in {shown}"
    return text


def unavailable_text(facts: dict[str, Any]) -> str:
    name = facts.get("name") or "this package"
    if facts.get("not_found"):
        return f"The package index has no package named '{name}'."
    reason = facts.get("error") or "the package index did not answer"
    return f"Package facts could not be read: {reason}."


def facts_line(facts: dict[str, Any], now: datetime | None = None) -> str:
    """The card's one line, e.g. ``Licence BSD-3-Clause · latest 1.6.1 (2 weeks ago) ·
    Python >= 3.9 · 1 known vulnerability, fixed in 1.5.0``; empty when nothing to say."""
    if not facts or not facts.get("configured", True):
        return ""
    if not facts.get("available"):
        return unavailable_text(facts)
    now = now or datetime.now(timezone.utc)
    parts = [f"Licence {facts['license']}" if facts.get("license") else "Licence not stated"]
    latest = facts.get("latest_version")
    if latest:
        released = parse_time(facts.get("released_at"))
        parts.append(f"latest {latest} ({_ago(released, now)})" if released else f"latest {latest}")
    if facts.get("requires_python"):
        parts.append(f"Python {python_spec(facts['requires_python'])}")
    if facts.get("depends_r"):
        parts.append(facts["depends_r"])
    if facts.get("needs_compilation"):
        parts.append("needs compilation")
    vulns = vulnerability_phrase(facts)
    if vulns:
        parts.append(vulns)
    return SEPARATOR.join(parts)


def _vulnerability_lines(facts: dict[str, Any]) -> list[str]:
    vulns = _vulns(facts)
    phrase = vulnerability_phrase(facts)
    if phrase is None:
        return ["Known vulnerabilities: not checked (no vulnerability source answered)"]
    sources = ", ".join(_strings(facts.get("vulnerability_sources"))) or "none"
    lines = [f"Known vulnerabilities: {phrase} (sources: {sources})"]
    wanted = facts.get("requested_version") or facts.get("latest_version")
    for vuln in vulns[:MAX_LISTED_VULNERABILITIES]:
        aliases = [a for a in _strings(vuln.get("aliases")) if a != vuln.get("id")]
        named = f"{vuln.get('id')}" + (f" ({', '.join(aliases[:4])})" if aliases else "")
        fixed = ", ".join(_strings(vuln.get("fixed_in"))) or "no fixed release"
        target = f" - affects {wanted}" if vuln.get("affects_target") and wanted else ""
        line = f"  - {named}: fixed in {fixed}{target}"
        if vuln.get("link"):
            line += f"; {vuln['link']}"
        lines.append(line)
    if len(vulns) > MAX_LISTED_VULNERABILITIES:
        lines.append(f"  - ... and {len(vulns) - MAX_LISTED_VULNERABILITIES} more")
    return lines


def facts_section(package_facts: dict[str, Any] | None) -> list[str]:
    """The body's "Package facts" section (lines), from ``{"facts": ..., "policy": ...}``."""
    if not isinstance(package_facts, dict):
        return []
    facts = package_facts.get("facts")
    if not isinstance(facts, dict) or not facts.get("configured", True):
        return []
    lines = ["Package facts", "-------------"]
    ecosystem = ECOSYSTEM_NAMES.get(str(facts.get("ecosystem")), str(facts.get("ecosystem")))
    read_at = parse_time(facts.get("fetched_at"))
    when = read_at.strftime("%Y-%m-%d %H:%M UTC") if read_at else "an unknown time"
    lines.append(f"Package: {facts.get('name')} ({ecosystem}), index {facts.get('index')}")
    if not facts.get("available"):
        lines += [unavailable_text(facts), f"Checked: {when}"]
        return [*lines, ""]
    if facts.get("summary"):
        lines.append(f"Summary: {facts['summary']}")
    licence = facts.get("license") or "not stated"
    source = facts.get("license_source")
    lines.append(f"Licence: {licence}" + (f" (from {source})" if source else ""))
    if facts.get("license_note"):
        lines.append(f"Licence note: {facts['license_note']}")
    latest = facts.get("latest_version") or "unknown"
    released = parse_time(facts.get("released_at"))
    if released and read_at:
        age = age_words(released, read_at)
        age_text = "the same day" if age == "today" else f"{age} old"
        latest += f", released {released:%Y-%m-%d} ({age_text} on {read_at:%Y-%m-%d})"
    lines.append(f"Latest version: {latest}")
    if facts.get("requested_version"):
        lines.append(f"Version asked for: {facts['requested_version']}")
    if facts.get("requires_python"):
        lines.append(f"Requires Python: {python_spec(facts['requires_python'])}")
    if facts.get("depends_r"):
        lines.append(f"Depends: {facts['depends_r']}")
    if facts.get("dependencies") is not None:
        lines.append(f"Direct dependencies: {facts['dependencies']}")
    if facts.get("needs_compilation") is not None:
        lines.append(f"Needs compilation: {'yes' if facts['needs_compilation'] else 'no'}")
    urls = facts.get("project_urls")
    for label, url in list(urls.items() if isinstance(urls, dict) else [])[:6]:
        lines.append(f"{label}: {url}")
    lines += _vulnerability_lines(facts)
    policy = package_facts.get("policy")
    if isinstance(policy, dict) and policy.get("rule"):
        lines.append(f"Policy: {policy['rule']}: {policy.get('message', '')}".rstrip(": "))
    else:
        lines.append("Policy: no licence or vulnerability rule matched")
    for note in _strings(facts.get("notes")):
        lines.append(f"Note: {note}")
    lines.append(f"Facts read from the index: {when}")
    return [*lines, ""]
