"""R detection: IRkernel's error (and the cell's stderr) in, findings out. Pure, like the rest
of :mod:`jupyter_itbridge.detect`.

R warns where Python raises: ``install.packages`` refused by a repository (403, unreachable)
or not finding a package, ``require()`` of a missing package and RODBC's connection failures
only print a warning on stderr and the cell "succeeds". So the stderr text is evidence of its
own, matched with the same catalog as the error. The catalog is ``catalog.R_SIGNATURES`` (R's
own wordings) followed by every built-in signature that reads a message alone (shared
libraries, ODBC, disk, TLS and Kerberos words are the same whatever loaded them); the admin's
``ITBridgePolicy.signatures`` come first, as for Python (``exc_type`` sees ename ``ERROR``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_itbridge.redact import redact

from ..engine import default_policy, match_record, merge
from .record import records_from_r

if TYPE_CHECKING:
    from jupyter_itbridge.findings import Finding
    from jupyter_itbridge.policy import ITBridgePolicy

__all__ = ["diagnose_r", "is_r"]

#: IRkernel's ename for every R error (R conditions carry no class name on IOPub).
R_ENAME = "ERROR"


def is_r(language: str | None, ename: str | None = None) -> bool:
    """Is this R's? The kernel's language when the frontend knows it, else IRkernel's ename."""
    if language:
        return language.strip().lower() == "r"
    return (ename or "").strip() == R_ENAME


def diagnose_r(
    ename: str | None,
    evalue: str | None,
    traceback: list[str] | str | None = None,
    stderr: str | None = None,
    policy: ITBridgePolicy | None = None,
) -> list[Finding]:
    """Findings for what an R cell published: its error (if any) and its stderr stream,
    deduplicated by fingerprint, most confident and most specific first."""
    policy = policy or default_policy()
    error, output = records_from_r(ename or "", evalue or "", traceback, stderr)
    hits = []
    if error is not None:
        hits.extend(match_record(error, policy, first_only=True, language="r"))
    if output is not None:
        hits.extend(match_record(output, policy, first_only=False, language="r"))
    findings = merge(hits)
    for finding in findings:
        _redact_calls(finding.evidence)
    return findings


def _redact_calls(evidence: dict[str, Any]) -> None:
    """R calls carry arguments (``password = "..."``, a DSN): redacted by the shared rules once
    per finding kept, all lines in one pass (one ``redact`` call costs the same for one line
    as for five)."""
    lines = [evidence.get("exception_type") or "", *(evidence.get("traceback_tail") or [])]
    if not any(lines):
        return
    redacted = redact("\n".join(lines)).split("\n")
    if len(redacted) != len(lines):  # a rule spanned lines: redact them one by one
        redacted = [redact(line) for line in lines]
    if evidence.get("exception_type"):
        evidence["exception_type"] = redacted[0][:200]
    if evidence.get("traceback_tail"):
        evidence["traceback_tail"] = [line[:200] for line in redacted[1:]]
