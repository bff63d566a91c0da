"""R packages: missing, too old, absent from the repository, refused by it, or blocked by the
policy. Subjects are ``cran:<name>`` (:data:`jupyter_itbridge.policy.R_PREFIX`): an R package
and a PyPI distribution of the same name are different requests to IT.

Evidence, as for Python: a name in :data:`..catalog.r_names.KNOWN_R_PACKAGES` (or one an
installed package needs) is a package to install (high); a near-miss of a known name
(``ggplto``, ``rcpp``) is most likely a typo (low: no card); any other name is an unknown,
perhaps in-house, package (medium). ``library(x)`` never reads the working directory, so there
is no "module next to your code" case to rule out.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from jupyter_itbridge.policy import R_PREFIX, ITBridgePolicy

from ..blocked import host_only
from ..catalog.r_names import KNOWN_R_PACKAGES
from ..catalog.r_packages import PKG, Q
from ..record import Hit

_MORE = re.compile(rf"{Q}(?P<pkg>{PKG}){Q}")
_NEEDED_BY = re.compile(rf"package or namespace load failed for {Q}(?P<pkg>{PKG}){Q}")
_ARCHIVE = re.compile(
    rf"/(?P<pkg>{PKG})_(?P<version>[0-9][0-9.-]{{0,40}})\.(?:tar\.gz|zip|tgz)(?:[?#].{{0,500}})?$"
)
_INDEX = re.compile(r"/PACKAGES(?:\.gz|\.rds)?(?:[?#].{0,500})?$")
_INSTALL_CALL = re.compile(rf"install\.packages\(\s{{0,20}}(?:c\(\s{{0,20}})?{Q}(?P<pkg>{PKG}){Q}")
_BY_LENGTH: dict[int, list[str]] = {}
_LOWER = {name.lower(): name for name in KNOWN_R_PACKAGES}
_HINTS: dict[str, str | None] = {}


def install_command(package: str, policy: ITBridgePolicy) -> str:
    """``install.packages("x", repos = "<cran_url>")`` (R's own ``repos`` option without it)."""
    repos = f', repos = "{policy.cran_url}"' if policy.cran_url else ""
    return f'install.packages("{package}"{repos})'


def self_service(package: str, policy: ITBridgePolicy) -> dict[str, Any] | None:
    if policy.install_mode != "self-service":
        return None
    return {"title": f"Install {package} yourself", "command": install_command(package, policy)}


def near_miss(name: str) -> str | None:
    """The known package ``name`` is most likely a typo of (cached: the table is static)."""
    if name in _HINTS:
        return _HINTS[name]
    hint = _LOWER.get(name.lower())
    if hint is None:
        if not _BY_LENGTH:
            for known in KNOWN_R_PACKAGES:
                _BY_LENGTH.setdefault(len(known), []).append(known)
        size = len(name)
        pool = [n for k in range(size - 2, size + 3) for n in _BY_LENGTH.get(k, ())]
        close = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
        hint = close[0] if close else None
    if len(_HINTS) > 512:
        _HINTS.clear()
    _HINTS[name] = hint
    return hint


def blocked_parts(package: str, entry: dict[str, str], policy: ITBridgePolicy) -> dict[str, Any]:
    """A blocked R package, whatever the wording that named it."""
    reason = entry.get("reason", "").strip()
    alt = entry.get("alternative", "").strip()
    explanation = f"'{package}' is not installed because the package is blocked. {reason}"
    out: dict[str, Any] = {
        "kind": "blocked_package",
        "subject": R_PREFIX + package,
        "fmt": {"pkg": package},
        "title": f"The R package '{package}' is blocked by your organisation's policy.",
        "policy_rule": f"blocked_packages.{entry['package']}",
        "confidence": "high",
        "evidence": {"policy_reason": reason},
    }
    if alt:
        out["explanation"] = f"{explanation} Approved alternative: '{alt}'."
        out["evidence"]["approved_alternative"] = alt
        command = install_command(alt, policy) if policy.install_mode == "self-service" else None
        out["self_service"] = {"title": f"Use the approved alternative '{alt}'", "command": command}
    else:
        out["explanation"] = explanation
        out["self_service"] = None
    return out


def _package(hit: Hit) -> str:
    groups = hit.groups
    return next(groups[k] for k in sorted(groups) if k.startswith("pkg") and groups[k])


def _missing_parts(package: str, hit: Hit, **extra: Any) -> dict[str, Any]:
    entry = hit.policy.blocked_r_entry(package)
    if entry is not None:
        return blocked_parts(package, entry, hit.policy)
    out: dict[str, Any] = {
        "subject": R_PREFIX + package,
        "fmt": {"pkg": package},
        "self_service": self_service(package, hit.policy),
        **extra,
    }
    if out["self_service"] is not None:
        out.setdefault("policy_rule", "install_mode.self-service")
    return out


def _confidence(package: str, evidence: dict[str, Any]) -> str:
    if package in KNOWN_R_PACKAGES:
        evidence["decision"] = "known R package"
        return "high"
    hint = near_miss(package)
    if hint is not None:
        evidence["decision"] = f"looks like a typo of '{hint}'"
        return "low"
    evidence["decision"] = "unknown package name (perhaps an in-house one)"
    return "medium"


def missing(hit: Hit) -> dict[str, Any] | None:
    """library()/require()/loadNamespace()/check_installed(): the package is not installed."""
    package = _package(hit)
    evidence: dict[str, Any] = {"r_package": package}
    more = hit.groups.get("more")
    if more:
        evidence["also_required"] = [m.group("pkg") for m in _MORE.finditer(more)]
    needed_by = _NEEDED_BY.search(hit.record.context or hit.record.message)
    if needed_by and needed_by.group("pkg") != package:
        # an installed package's dependency is missing: no typo of the user's
        evidence["needed_by"] = needed_by.group("pkg")
        evidence["decision"] = f"a dependency of the installed package '{needed_by.group('pkg')}'"
        confidence = "high"
    elif hit.signature["id"] != "r.packages.no_package":
        # check_installed() and the stop() idioms are a package author naming what they need
        confidence = "high" if package in KNOWN_R_PACKAGES else "medium"
        evidence["decision"] = "named by the package that needs it"
    else:
        confidence = _confidence(package, evidence)
    return _missing_parts(package, hit, confidence=confidence, evidence=evidence)


def version(hit: Hit) -> dict[str, Any] | None:
    package = _package(hit)
    want = hit.groups.get("want")
    evidence = {"r_package": package, "installed": hit.groups.get("have"), "required": want}
    out = _missing_parts(package, hit, evidence=evidence)
    out["fmt"]["want_q"] = f" (>= {want})" if want else ""
    return out


def not_available(hit: Hit) -> dict[str, Any] | None:
    """install.packages() found no such package. When the repository's index could not be
    read at all, that is the finding (:func:`..r.network.repository`), not this one."""
    context = hit.record.context or hit.record.message
    if "unable to access index for repository" in context:
        return None
    package = _package(hit)
    evidence: dict[str, Any] = {"r_package": package}
    if package in KNOWN_R_PACKAGES:
        # a well-known CRAN package the repository lacks: a curated mirror without it
        confidence = "medium"
        evidence["decision"] = "known R package missing from the repository"
    else:
        confidence = "low"
        evidence["decision"] = "not in the repository: most likely a misspelt name"
    return _missing_parts(package, hit, confidence=confidence, evidence=evidence)


def repository_refused(hit: Hit) -> dict[str, Any] | None:
    """HTTP 403 from the repository: for a package's file, that package is refused; for the
    index, the whole repository refuses this server. Any other URL is a remote service's own
    answer (an API's 403): no finding."""
    url = hit.groups["url"]
    archive = _ARCHIVE.search(url)
    where = host_only(url)
    if archive is None:
        if not _INDEX.search(url):
            return None
        return {
            "kind": "network_blocked",
            "subject": "package-index",
            "title": "Your organisation's R package repository refused this server (HTTP 403).",
            "explanation": "R could not read the repository's index: the repository forbids "
            f"this server. Access is granted by {hit.policy.it_contact or 'your IT service desk'}.",
            "evidence": {"url": where},
        }
    package = archive.group("pkg")
    entry = hit.policy.blocked_r_entry(package)
    if entry is not None:
        out = blocked_parts(package, entry, hit.policy)
        out["evidence"]["url"] = where
        return out
    return {
        "fmt": {"pkg": package},
        "policy_rule": "package-firewall",
        "evidence": {"r_package": package, "version": archive.group("version"), "url": where},
    }


def package_in_install_call(text: str) -> str | None:
    """The first package an ``install.packages(...)`` call in ``text`` names."""
    m = _INSTALL_CALL.search(text)
    return m.group("pkg") if m else None
