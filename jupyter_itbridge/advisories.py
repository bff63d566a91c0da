"""Known vulnerabilities from PyPI's JSON API (https://docs.pypi.org/api/json/) and OSV records
(https://google.github.io/osv.dev/post-v1-query/), as one list per package (pure).

Why apart from the index formats: advisories have their own rules - withdrawn ones do not count,
OSV says which versions are affected by ranges of events, and one advisory arrives from both
sources or under an alias and must be listed once.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

MAX_VULNERABILITIES = 50


def pypi_vulnerabilities(data: Any) -> list[dict[str, Any]]:
    """PyPI JSON API ``vulnerabilities`` (https://docs.pypi.org/api/json/); withdrawn ones are
    dropped. The endpoint lists those of the release it describes: they affect it."""
    vulns = data.get("vulnerabilities") if isinstance(data, dict) else None
    out = []
    for item in vulns if isinstance(vulns, list) else []:
        if not isinstance(item, dict) or item.get("withdrawn") or not item.get("id"):
            continue
        out.append(
            {
                "id": str(item["id"]),
                "aliases": [str(a) for a in item.get("aliases") or []][:8],
                "summary": str(item.get("summary") or "")[:300] or None,
                "fixed_in": [str(v) for v in item.get("fixed_in") or []][:8],
                "link": str(item.get("link") or "") or None,
                "affects_target": True,
            }
        )
    return out[:MAX_VULNERABILITIES]


def _version_key(version: str, ecosystem: str) -> Any:
    """Sortable version: PEP 440 for PyPI, numeric components for CRAN (``1.2-3``)."""
    if ecosystem == "PyPI":
        try:
            return (0, Version(version))
        except InvalidVersion:
            pass
    return (1, tuple(int(p) for p in re.findall(r"\d+", version)[:8]))


def _affected(version: str | None, affected: dict[str, Any], ecosystem: str) -> bool:
    if version is None:
        return False
    if version in (affected.get("versions") or []):
        return True
    key = _version_key(version, ecosystem)
    for rng in affected.get("ranges") or []:
        if not isinstance(rng, dict) or rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        hit = False
        for event in rng.get("events") or []:
            if not isinstance(event, dict):
                continue
            try:
                if "introduced" in event:
                    intro = str(event["introduced"])
                    hit = hit or intro == "0" or key >= _version_key(intro, ecosystem)
                if "fixed" in event and key >= _version_key(str(event["fixed"]), ecosystem):
                    hit = False
                if "last_affected" in event:
                    hit = hit and key <= _version_key(str(event["last_affected"]), ecosystem)
            except TypeError:  # a PEP 440 and a non-PEP 440 version: not comparable
                continue
        if hit:
            return True
    return False


def osv_vulnerabilities(
    pages: list[Any], name: str, ecosystem: str, target: str | None
) -> list[dict[str, Any]]:
    """OSV ``vulns`` for ``name`` (withdrawn ones dropped), with ``fixed_in`` from the
    ``fixed`` events of its own ``affected`` entries and whether ``target`` is affected."""
    wanted = canonicalize_name(name) if ecosystem == "PyPI" else name
    out: dict[str, dict[str, Any]] = {}
    for page in pages:
        vulns = page.get("vulns") if isinstance(page, dict) else None
        for vuln in vulns if isinstance(vulns, list) else []:
            if not isinstance(vuln, dict) or vuln.get("withdrawn") or not vuln.get("id"):
                continue
            mine = [
                a
                for a in vuln.get("affected") or []
                if isinstance(a, dict)
                and isinstance(a.get("package"), dict)
                and a["package"].get("ecosystem") == ecosystem
                and (
                    canonicalize_name(str(a["package"].get("name", "")))
                    if ecosystem == "PyPI"
                    else a["package"].get("name")
                )
                == wanted
            ]
            fixed = [
                str(e["fixed"])
                for a in mine
                for r in a.get("ranges") or []
                if isinstance(r, dict)
                for e in r.get("events") or []
                if isinstance(e, dict) and "fixed" in e
            ]
            out[str(vuln["id"])] = {
                "id": str(vuln["id"]),
                "aliases": [str(a) for a in vuln.get("aliases") or []][:8],
                "summary": str(vuln.get("summary") or "")[:300] or None,
                "fixed_in": list(dict.fromkeys(fixed))[:8],
                "link": f"https://osv.dev/vulnerability/{vuln['id']}",
                "affects_target": any(_affected(target, a, ecosystem) for a in mine),
            }
    return list(out.values())[:MAX_VULNERABILITIES]


def merge_vulnerabilities(*lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per advisory: the same one may come from PyPI and OSV, or by an alias."""
    merged: list[dict[str, Any]] = []
    for vulns in lists:
        for vuln in vulns:
            names = {vuln["id"], *vuln.get("aliases", [])}
            same = next((m for m in merged if names & {m["id"], *m.get("aliases", [])}), None)
            if same is None:
                merged.append(dict(vuln))
                continue
            same["affects_target"] = same.get("affects_target") or vuln.get("affects_target")
            same["fixed_in"] = list(dict.fromkeys([*same["fixed_in"], *vuln["fixed_in"]]))
            listed = [*same["aliases"], vuln["id"], *vuln["aliases"]]
            same["aliases"] = [a for a in dict.fromkeys(listed) if a != same["id"]]
    return merged[:MAX_VULNERABILITIES]
