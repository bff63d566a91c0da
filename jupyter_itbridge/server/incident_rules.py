"""Pure rules that turn what the watchers saw into incidents: no I/O, no Jupyter imports.

Why apart from the watchers: the decisions (was this kernel killed for memory? is this a new
memory-pressure crossing? what should the prefilled request say?) are the part worth testing
exhaustively, without starting a server or killing a process.
"""

from __future__ import annotations

import signal as signals
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..findings import Finding, RequestDraft
from ..limits import format_bytes

SIGKILL = 9


@dataclass(frozen=True)
class MemorySample:
    """One look at a kernel process: when, resident memory, and its peak so far."""

    at: float
    rss_bytes: int
    hwm_bytes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "rss_bytes": self.rss_bytes, "hwm_bytes": self.hwm_bytes}


@dataclass(frozen=True)
class DeathFacts:
    """Everything known about one kernel death, gathered the moment the restarter noticed it."""

    kernel_id: str
    exit_code: int | None
    restarted: bool
    samples: Sequence[MemorySample] = ()
    limit_bytes: int | None = None
    limit_source: str = "none"
    oom_kill_delta: int | None = None
    cgroup_usage_bytes: int | None = None
    cgroup_peak_bytes: int | None = None
    notebook_path: str | None = None
    kernel_name: str | None = None


def signal_name(signum: int) -> str | None:
    try:
        return signals.Signals(signum).name
    except ValueError:
        return None


def peak_of(samples: Sequence[MemorySample]) -> int | None:
    """The most memory the kernel was seen using (its high-water mark when /proc gave one)."""
    values = [s.rss_bytes for s in samples] + [s.hwm_bytes for s in samples if s.hwm_bytes]
    return max(values) if values else None


def oom_delta(before: int | None, now: int | None) -> int | None:
    """Rise of the cgroup ``oom_kill`` counter; None when it cannot be known (no counter)."""
    if before is None or now is None:
        return None
    return max(0, now - before)


def is_oom_kill(facts: DeathFacts, rss_fraction: float = 0.9) -> tuple[bool, str | None]:
    """Was the kernel killed for memory? Returns (yes/no, the evidence used).

    Only a SIGKILL can be the OOM killer. The cgroup counter rising is the proof; otherwise
    (no counter, or the kill counted in another cgroup) a kernel last seen using most of the
    limit is the best guess.
    """
    if facts.exit_code != -SIGKILL:
        return False, None
    if facts.oom_kill_delta is not None and facts.oom_kill_delta > 0:
        return True, "cgroup oom_kill counter rose"
    peak = peak_of(facts.samples)
    limit = facts.limit_bytes
    if limit and peak is not None and peak >= rss_fraction * limit:
        return True, f"resident memory was {peak / limit:.0%} of the limit"
    return False, None


def memory_request_draft(
    *,
    title: str,
    explanation: str,
    limit_bytes: int | None,
    used_bytes: int | None,
    limit_source: str,
    notebook_path: str | None,
    evidence: dict[str, Any],
) -> dict[str, Any]:
    """The prefilled "more memory" request (kind resource_limit, subject memory).

    Same kind and subject as the kernel-side MemoryError finding, so both dedupe into one open
    request per user instead of two tickets about the same limit.
    """
    finding = Finding(
        kind="resource_limit",
        subject="memory",
        title=title,
        explanation=explanation,
        evidence=evidence,
        confidence="high",
    )
    if limit_bytes:
        summary = f"More memory for my Jupyter server (limit {format_bytes(limit_bytes)})"
    else:
        summary = "More memory for my Jupyter server"
    lines: list[str] = []  # Details is the user's own: the body carries the explanation
    if limit_bytes:
        lines.append(f"Memory limit: {format_bytes(limit_bytes)} (from {limit_source}).")
    if used_bytes:
        lines.append(f"Memory used: {format_bytes(used_bytes)}.")
    if notebook_path:
        lines.append(f"Notebook: {notebook_path}.")
    lines.append("Please raise the memory limit of my Jupyter server.")
    environment = {"memory_limit": format_bytes(limit_bytes), "memory_limit_source": limit_source}
    draft = RequestDraft.from_finding(finding, environment=environment)
    draft.summary = summary
    draft.description = "\n".join(lines)
    draft.notebook_path = notebook_path
    return draft.to_dict()


def kernel_death_details(facts: DeathFacts, rss_fraction: float = 0.9) -> dict[str, Any]:
    """The incident details of a kernel death: the cause, one sentence, and a prefilled draft.

    ``limit_bytes``/``peak_bytes`` sit at the top level only for an out-of-memory kill: the
    frontend reads them as "it used X of its Y limit", which must not be said of a kernel
    killed for another reason (those numbers are kept under ``memory``).
    """
    code = facts.exit_code
    signum = -code if code is not None and code < 0 else None
    oom, evidence = is_oom_kill(facts, rss_fraction)
    peak = peak_of(facts.samples)
    if oom and facts.oom_kill_delta and facts.cgroup_peak_bytes and facts.limit_bytes:
        # The counter proves the cgroup hit its limit just now; the kernel's last sample may be
        # seconds old and far lower, so report what the cgroup reached (capped at the limit).
        peak = max(peak or 0, min(facts.cgroup_peak_bytes, facts.limit_bytes))
    after = (
        " The kernel was restarted; variables from before are lost."
        if facts.restarted
        else " It could not be restarted."
    )
    if oom:
        cause = "oom"
        if peak and facts.limit_bytes:
            message = (
                f"Your kernel was stopped: it used {format_bytes(peak)} of its "
                f"{format_bytes(facts.limit_bytes)} memory limit."
            )
        else:
            message = "Your kernel was stopped: it ran out of memory."
    elif signum is not None:
        cause = "signal"
        name = signal_name(signum)
        message = f"Your kernel process was killed (signal {signum}{', ' + name if name else ''})."
    elif code is not None:
        cause = "exit"
        message = f"Your kernel stopped unexpectedly (exit code {code})."
    else:
        cause = "unknown"
        message = "Your kernel stopped unexpectedly."
    message += after

    last_rss = facts.samples[-1].rss_bytes if facts.samples else None
    memory: dict[str, Any] = {  # JSON for the incident's details
        "limit_bytes": facts.limit_bytes,
        "limit_source": facts.limit_source,
        "last_rss_bytes": last_rss,
        "peak_rss_bytes": peak_of(facts.samples),
        "cgroup_usage_bytes": facts.cgroup_usage_bytes,
        "cgroup_peak_bytes": facts.cgroup_peak_bytes,
        "samples": [s.to_dict() for s in facts.samples],
    }
    details: dict[str, Any] = {
        "cause": cause,
        "message": message,
        "exit_code": code,
        "signal": signum,
        "signal_name": signal_name(signum) if signum is not None else None,
        "oom_killed": oom,
        "oom_evidence": evidence,
        "oom_kill_delta": facts.oom_kill_delta,
        "restarted": facts.restarted,
        "kernel_name": facts.kernel_name,
        "memory": memory,
    }
    if oom:
        details["limit_bytes"] = facts.limit_bytes
        details["peak_bytes"] = peak
        explanation = (
            "The kernel process was stopped by the system's out-of-memory killer"
            f" ({evidence}). " + message.split(":", 1)[-1].strip()
        )
        details["request_draft"] = memory_request_draft(
            title="My kernel was stopped for running out of memory",
            explanation=explanation,
            limit_bytes=facts.limit_bytes,
            used_bytes=peak,
            limit_source=facts.limit_source,
            notebook_path=facts.notebook_path,
            evidence={
                "exit_signal": "SIGKILL",
                "memory_limit": format_bytes(facts.limit_bytes),
                "memory_peak": format_bytes(peak),
                "oom_kill_delta": facts.oom_kill_delta,
                "oom_evidence": evidence,
            },
        )
    else:
        finding = Finding(
            kind="kernel_died",
            subject="kernel",
            title="My notebook kernel was stopped unexpectedly",
            explanation=message,
            evidence={
                "exit_code": code,
                "signal": details["signal_name"] or signum,
                "last_memory": format_bytes(last_rss),
                "memory_limit": format_bytes(facts.limit_bytes),
            },
            confidence="medium",
        )
        draft = RequestDraft.from_finding(finding)
        draft.notebook_path = facts.notebook_path
        details["request_draft"] = draft.to_dict()
    return details


class PressureTracker:
    """One notification per crossing of the threshold, re-armed only after usage fell back
    below ``threshold - rearm`` (hysteresis, so hovering at the threshold does not nag)."""

    def __init__(self, threshold: float = 0.9, rearm: float = 0.05) -> None:
        if not 0 < threshold <= 1:
            raise ValueError("memory_pressure_threshold must be in (0, 1]")
        self.threshold = threshold
        self.rearm = max(0.0, rearm)
        self.armed = True
        self.last_fraction: float | None = None

    def update(self, usage_bytes: int | None, limit_bytes: int | None) -> bool:
        """Feed one sample; True exactly when this sample is a new crossing."""
        if not limit_bytes or usage_bytes is None:
            return False
        fraction = usage_bytes / limit_bytes
        self.last_fraction = fraction
        if self.armed and fraction >= self.threshold:
            self.armed = False
            return True
        if not self.armed and fraction < self.threshold - self.rearm:
            self.armed = True
        return False


def pressure_details(
    *,
    usage_bytes: int,
    limit_bytes: int,
    threshold: float,
    source: str,
    kernels: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Incident details for a memory-pressure crossing, with the same "more memory" draft.

    ``kernels``: ``{"kernel_id", "notebook_path", "rss_bytes"}`` biggest first; the first one
    is named as the likely culprit.
    """
    fraction = usage_bytes / limit_bytes
    top = kernels[0] if kernels else None
    message = (
        f"Memory use is at {fraction:.0%} of your {format_bytes(limit_bytes)} limit "
        f"({format_bytes(usage_bytes)}); a kernel may be stopped soon."
    )
    if top and top.get("rss_bytes"):
        where = top.get("notebook_path") or top.get("kernel_id")
        message += f" The largest kernel ({where}) uses {format_bytes(top['rss_bytes'])}."
    explanation = (
        f"Memory use of my Jupyter server reached {fraction:.0%} of its "
        f"{format_bytes(limit_bytes)} limit."
    )
    return {
        "cause": "pressure",
        "message": message,
        "usage_bytes": usage_bytes,
        "limit_bytes": limit_bytes,
        "fraction": round(fraction, 4),
        "threshold": threshold,
        "limit_source": source,
        "kernels": [dict(k) for k in kernels[:5]],
        "request_draft": memory_request_draft(
            title="My Jupyter server is running out of memory",
            explanation=explanation,
            limit_bytes=limit_bytes,
            used_bytes=usage_bytes,
            limit_source=source,
            notebook_path=top.get("notebook_path") if top else None,
            evidence={
                "memory_limit": format_bytes(limit_bytes),
                "memory_usage": format_bytes(usage_bytes),
                "fraction_of_limit": f"{fraction:.0%}",
            },
        ),
    }
