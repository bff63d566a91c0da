"""Match error records against the admin signatures, then the built-in catalog.

The catalog is compiled once, on first use (regexes precompiled, family checks resolved), so
importing ``jupyter_itbridge.detect`` costs nothing at kernel start-up.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jupyter_itbridge.findings import Finding
from jupyter_itbridge.policy import ITBridgePolicy

from .gates import gates_for, opened
from .record import (
    ErrorRecord,
    Hit,
    bounded,
    record_from_exception,
    record_from_output,
    records_from_text,
    safe_message,
)

_CONF_RANK = {"high": 0, "medium": 1, "low": 2}
MAX_CHAIN = 16
#: Matches of one signature read from one stream (distinct problems in one pip run are few).
MAX_MATCHES = 8


class _Fmt(dict):
    """``str.format_map`` mapping where unknown placeholders become empty strings."""

    def __missing__(self, key: str) -> str:
        return ""


__all__ = ["Hit", "catalog", "default_policy", "diagnose", "diagnose_output", "diagnose_text"]

Check = Callable[[Hit], "dict[str, Any] | None"]


@dataclass
class _Compiled:
    index: int
    data: dict[str, Any]
    regex: re.Pattern[str] | None
    types: frozenset[str] | None
    errno: frozenset[int] | None
    scope: str
    check: Check | None
    policy_rule: str | None = None
    gates: tuple[tuple[str, ...], bool] | None = None


_CATALOGS: dict[str, list[_Compiled]] = {}
_DEFAULT_POLICY: ITBridgePolicy | None = None


def _resolve_check(name: str | None) -> Check | None:
    if not name:
        return None
    module, func = name.rsplit(".", 1)  # "network.dns", "r.packages.missing"
    return getattr(importlib.import_module(f"{__package__}.{module}"), func)


def _compile(sig: dict[str, Any], index: int) -> _Compiled:
    pattern = sig.get("message")
    return _Compiled(
        index=index,
        data=sig,
        regex=re.compile(pattern) if pattern else None,
        types=frozenset(sig["types"]) if sig.get("types") else None,
        errno=frozenset(sig["errno"]) if sig.get("errno") else None,
        scope=sig.get("scope", "exception"),
        check=_resolve_check(sig.get("check")),
        gates=(tuple(sig["gate"]), True) if sig.get("gate") else gates_for(pattern or ""),
    )


def catalog(language: str = "python") -> list[_Compiled]:
    """The compiled built-in catalog for ``language`` (compiled once).

    ``"r"`` is the R catalog followed by every built-in signature that reads a message alone
    (no ``types``): native libraries, ODBC, TLS and disk errors use the same words whatever
    language loaded them, and R's own wordings come first.
    """
    compiled = _CATALOGS.get(language)
    if compiled is None:
        from .catalog import R_SIGNATURES, SIGNATURES

        if language == "r":
            shared = [sig for sig in SIGNATURES if not sig.get("types")]
            sigs = [*R_SIGNATURES, *shared]
        else:
            sigs = SIGNATURES
        compiled = _CATALOGS[language] = [_compile(sig, i) for i, sig in enumerate(sigs)]
    return compiled


def default_policy() -> ITBridgePolicy:
    global _DEFAULT_POLICY
    if _DEFAULT_POLICY is None:
        _DEFAULT_POLICY = ITBridgePolicy()
    return _DEFAULT_POLICY


_ADMIN_CACHE: dict[str, list[_Compiled]] = {}


def _admin_signatures(policy: ITBridgePolicy) -> list[_Compiled]:
    """Admin signatures compiled (cached per policy content). A bad regex is skipped, never
    fatal: one typo in config must not switch detection off."""
    sigs = list(policy.signatures or [])
    if not sigs:
        return []
    key = repr(sigs)
    cached = _ADMIN_CACHE.get(key)
    if cached is not None:
        return cached
    out = []
    for i, raw in enumerate(sigs):
        if not isinstance(raw, dict) or not raw.get("kind") or not raw.get("subject"):
            continue
        try:
            regex = re.compile(raw.get("message") or "")
            type_re = re.compile(raw["exc_type"]) if raw.get("exc_type") else None
        except re.error:
            continue
        text = raw.get("self_service")
        data = {
            "id": raw.get("id") or f"signatures[{i}]",
            "kind": raw["kind"],
            "subject": raw["subject"],
            "title": raw.get("title") or raw["subject"],
            "explanation": raw.get("explanation", ""),
            "confidence": raw.get("confidence", "high"),
            "_type_re": type_re,
            "_self_service": {"title": "Fix it yourself", "text": text} if text else None,
        }
        rule = f"signatures.{raw['id']}" if raw.get("id") else f"signatures[{i}]"
        out.append(_Compiled(-1000 + i, data, regex, None, None, "both", None, policy_rule=rule))
    if len(_ADMIN_CACHE) > 32:
        _ADMIN_CACHE.clear()
    _ADMIN_CACHE[key] = out
    return out


def _applies(sig: _Compiled, record: ErrorRecord) -> Iterable[re.Match[str] | None]:
    """The regex matches of ``sig`` on ``record`` (one ``None`` = matched without a regex)."""
    if record.origin == "output":
        if sig.scope == "exception" or sig.types or sig.data.get("_type_re"):
            return ()
        if sig.regex is None or not opened(sig.gates, record.message):
            return ()
        return sig.regex.finditer(record.message)
    if sig.scope == "output":
        return ()
    type_re = sig.data.get("_type_re")
    if type_re is not None and not any(type_re.fullmatch(n) for n in record.type_names):
        return ()
    if sig.types is not None and not (sig.types & record.type_names):
        return ()
    match = None
    if sig.regex is not None and opened(sig.gates, record.message):
        match = sig.regex.search(record.message)
    if sig.errno is not None and record.errno is not None:
        return (match,) if record.errno in sig.errno else ()
    if sig.regex is not None and match is None:
        return ()
    return (match,)


def _self_service_from_policy(subject: str, policy: ITBridgePolicy) -> dict[str, Any] | None:
    """The admin's instructions for ``subject``, else for its family (``odbc-driver:X`` ->
    ``odbc-driver``); the first `backquoted` part is the command to copy."""
    table = policy.driver_self_service or {}
    key = subject if table.get(subject) else subject.split(":", 1)[0]
    text = table.get(key)
    if not text:
        return None
    m = re.search(r"`([^`]+)`", text)
    command = m.group(1) if m else None
    return {"title": "Fix it yourself", "text": text, "command": command, "rule": key}


def _build(sig: _Compiled, record: ErrorRecord, match: re.Match[str] | None, policy) -> Any:
    groups = {k: v for k, v in (match.groupdict() if match else {}).items() if v is not None}
    over: dict[str, Any] = {}
    if sig.check is not None:
        span = match.span() if match else (0, 0)
        result = sig.check(Hit(record, groups, policy, sig.data, span))
        if result is None:
            return None
        over = result
    fmt = _Fmt(groups)
    fmt["it_contact"] = policy.it_contact or "your IT service desk"
    fmt.update(over.get("fmt", {}))
    data = sig.data
    subject = over.get("subject") or data["subject"].format_map(fmt)
    if not subject or subject.endswith(":"):
        return None
    kind = over.get("kind", data["kind"])
    evidence: dict[str, Any] = {
        "exception_type": record.type_label or None,
        # redacted in merge(), once per finding kept (an error chain can match many times)
        "message": match.group(0) if record.origin == "output" and match else record.message,
        "traceback_tail": record.tb_tail,
        "signature": data["id"],
    }
    if record.origin == "output":
        evidence.pop("exception_type")
        evidence.pop("traceback_tail")
        evidence["source"] = "stream output"
    evidence.update(over.get("evidence", {}))
    self_service = over.get("self_service", data.get("_self_service"))
    policy_rule = over.get("policy_rule", sig.policy_rule)
    if self_service is None:
        self_service = _self_service_from_policy(subject, policy)
        if self_service is not None:
            policy_rule = policy_rule or f"driver_self_service.{self_service.pop('rule')}"
    return Finding(
        kind=kind,
        subject=subject,
        title=over.get("title") or data["title"].format_map(fmt),
        explanation=over.get("explanation") or data.get("explanation", "").format_map(fmt),
        evidence=evidence,
        confidence=over.get("confidence", data.get("confidence", "high")),
        self_service=self_service,
        policy_rule=policy_rule,
    )


def match_record(
    record: ErrorRecord, policy: ITBridgePolicy, first_only: bool, language: str = "python"
) -> list[tuple[int, Finding]]:
    """(signature index, finding) for every signature matching ``record``: the admin's first,
    then the built-in catalog of ``language``. ``first_only`` stops at the first finding."""
    found: list[tuple[int, Finding]] = []
    for sig in (*_admin_signatures(policy), *catalog(language)):
        for n, match in enumerate(_applies(sig, record)):
            if n >= MAX_MATCHES:  # a stream repeating one line thousands of times
                break
            finding = _build(sig, record, match, policy)
            if finding is not None:
                found.append((sig.index, finding))
                if first_only:
                    return found
    return found


def merge(hits: list[tuple[int, Finding]]) -> list[Finding]:
    """Dedupe by fingerprint (keeping the most confident) and sort most specific first."""
    best: dict[str, tuple[int, int, Finding]] = {}
    for order, (index, finding) in enumerate(hits):
        prev = best.get(finding.fingerprint)
        if prev is None or _CONF_RANK[finding.confidence] < _CONF_RANK[prev[2].confidence]:
            best[finding.fingerprint] = (index, order if prev is None else prev[1], finding)
    ranked = sorted(best.values(), key=lambda t: (_CONF_RANK[t[2].confidence], t[0], t[1]))
    out = [f for _, _, f in ranked]
    for finding in out:
        # Every finding leaves detection through here: its evidence message is redacted by the
        # same rules the server applies again (it also lands in the notebook's outputs).
        finding.evidence["message"] = safe_message(finding.evidence.get("message") or "")
    return out


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes/contexts and (3.11+) group members, outermost first."""
    out: list[BaseException] = []
    seen: set[int] = set()
    queue = [exc]
    while queue and len(out) < MAX_CHAIN:
        cur = queue.pop(0)
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        out.append(cur)
        members = getattr(cur, "exceptions", None)
        if isinstance(members, tuple) and isinstance(cur, BaseException):
            queue.extend(m for m in members if isinstance(m, BaseException))
        if cur.__cause__ is not None:
            queue.append(cur.__cause__)
        if cur.__context__ is not None:
            queue.append(cur.__context__)
    return out


def diagnose(exc: BaseException, policy: ITBridgePolicy | None = None) -> list[Finding]:
    """Findings for a live exception (its ``__cause__``/``__context__`` chain included),
    deduplicated by fingerprint, most confident and most specific first."""
    policy = policy or default_policy()
    records = [record_from_exception(item) for item in _chain(exc)]
    if len(records) > 1:
        context = bounded("\n".join(r.message for r in records))
        for record in records:
            record.context = context
            record.root = exc
    hits: list[tuple[int, Finding]] = []
    for record in records:
        hits.extend(match_record(record, policy, first_only=True))
    return merge(hits)


def diagnose_text(
    ename: str,
    evalue: str,
    traceback: list[str] | str | None = None,
    policy: ITBridgePolicy | None = None,
    *,
    stderr: str | None = None,
    language: str | None = None,
) -> list[Finding]:
    """Findings for an error as published on IOPub (bare class name, message, ANSI traceback).

    ``stderr`` is the cell's stderr stream: R's ``install.packages``, ``require()`` and RODBC
    only warn there, and native libraries print there. ``language`` is the kernel's
    (``language_info.name``); R errors (``"R"``, or IRkernel's ename ``ERROR``) are read by
    :func:`jupyter_itbridge.detect.r.diagnose_r`, everything else as Python's.
    """
    policy = policy or default_policy()
    from .r import is_r

    if is_r(language, ename):
        from .r import diagnose_r

        return diagnose_r(ename, evalue, traceback, stderr, policy)
    hits: list[tuple[int, Finding]] = []
    if (ename or "").strip() or (evalue or "").strip():
        for record in records_from_text(ename, evalue, traceback):
            hits.extend(match_record(record, policy, first_only=True))
    if stderr:
        hits.extend(match_record(record_from_output(stderr), policy, first_only=False))
    return merge(hits)


def diagnose_output(text: str, policy: ITBridgePolicy | None = None) -> list[Finding]:
    """Findings in stream output, e.g. ``%pip install`` errors (pip prints, it does not raise)."""
    policy = policy or default_policy()
    if not text:
        return []
    return merge(match_record(record_from_output(text), policy, first_only=False))
