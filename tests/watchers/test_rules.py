"""The pure incident rules: OOM classification, messages, drafts and the pressure hysteresis."""

from __future__ import annotations

import pytest
from watchers.helpers import GiB  # type: ignore[import-not-found]

from jupyter_itbridge.findings import RequestDraft, fingerprint
from jupyter_itbridge.server.incident_rules import (
    DeathFacts,
    MemorySample,
    PressureTracker,
    is_oom_kill,
    kernel_death_details,
    oom_delta,
    peak_of,
    pressure_details,
)

MiB = 1 << 20


def facts(**over: object) -> DeathFacts:
    base: dict[str, object] = {
        "kernel_id": "k1",
        "exit_code": -9,
        "restarted": True,
        "samples": (MemorySample(1.0, 900 * MiB, 950 * MiB), MemorySample(2.0, 1000 * MiB)),
        "limit_bytes": 4 * GiB,
        "limit_source": "cgroup2",
        "oom_kill_delta": 0,
        "notebook_path": "a/b.ipynb",
    }
    base.update(over)
    return DeathFacts(**base)  # type: ignore[arg-type]


def test_oom_delta() -> None:
    assert oom_delta(3, 5) == 2
    assert oom_delta(5, 5) == 0
    assert oom_delta(5, 2) == 0  # counter reset (new cgroup): never negative
    assert oom_delta(None, 5) is None and oom_delta(3, None) is None


def test_peak_uses_high_water_mark() -> None:
    assert peak_of(facts().samples) == 1000 * MiB
    assert peak_of((MemorySample(1.0, 100, 5000),)) == 5000
    assert peak_of(()) is None


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"oom_kill_delta": 1}, (True, "cgroup oom_kill counter rose")),
        ({"oom_kill_delta": 0}, (False, None)),  # counter did not move, RSS far from limit
        ({"oom_kill_delta": None}, (False, None)),
        # no counter, but the kernel was last seen at 95 % of the limit
        (
            {"oom_kill_delta": None, "samples": (MemorySample(1.0, int(3.8 * GiB)),)},
            (True, "resident memory was 95% of the limit"),
        ),
        # only SIGKILL can be the OOM killer, whatever the counter says
        ({"oom_kill_delta": 1, "exit_code": 1}, (False, None)),
        ({"oom_kill_delta": 1, "exit_code": -11}, (False, None)),
        ({"oom_kill_delta": 1, "exit_code": None}, (False, None)),
        # no limit known: the RSS heuristic cannot apply
        ({"limit_bytes": None, "samples": (MemorySample(1.0, 8 * GiB),)}, (False, None)),
    ],
)
def test_is_oom_kill(over: dict, expected: tuple) -> None:
    assert is_oom_kill(facts(**over)) == expected


def test_oom_details_message_and_draft() -> None:
    details = kernel_death_details(
        facts(oom_kill_delta=1, cgroup_peak_bytes=int(3.9 * GiB), restarted=False)
    )
    assert details["cause"] == "oom" and details["oom_killed"] is True
    assert details["limit_bytes"] == 4 * GiB and details["peak_bytes"] == int(3.9 * GiB)
    assert details["message"] == (
        "Your kernel was stopped: it used 3.9 GiB of its 4.0 GiB memory limit."
        " It could not be restarted."
    )
    draft = RequestDraft.from_dict(details["request_draft"])
    assert (draft.kind, draft.subject) == ("resource_limit", "memory")
    assert draft.fingerprint == fingerprint("resource_limit", "memory")
    assert draft.notebook_path == "a/b.ipynb"
    assert draft.finding and draft.finding["evidence"]["memory_limit"] == "4.0 GiB"
    assert draft.environment["memory_limit_source"] == "cgroup2"


def test_oom_peak_never_exceeds_limit_and_falls_back_to_samples() -> None:
    capped = kernel_death_details(facts(oom_kill_delta=1, cgroup_peak_bytes=9 * GiB))
    assert capped["peak_bytes"] == 4 * GiB
    sampled = kernel_death_details(facts(oom_kill_delta=1))
    assert sampled["peak_bytes"] == 1000 * MiB
    unknown = kernel_death_details(facts(oom_kill_delta=1, samples=(), limit_bytes=None))
    assert unknown["message"].startswith("Your kernel was stopped: it ran out of memory.")


def test_plain_kill_keeps_memory_numbers_out_of_the_top_level() -> None:
    details = kernel_death_details(facts())
    assert details["cause"] == "signal" and details["oom_killed"] is False
    assert details["message"].startswith("Your kernel process was killed (signal 9, SIGKILL).")
    # the frontend reads top-level limit/peak as "it used X of its Y limit"
    assert "limit_bytes" not in details and "peak_bytes" not in details
    assert details["memory"]["limit_bytes"] == 4 * GiB
    assert details["memory"]["last_rss_bytes"] == 1000 * MiB
    assert len(details["memory"]["samples"]) == 2
    draft = details["request_draft"]
    assert (draft["kind"], draft["subject"]) == ("kernel_died", "kernel")


@pytest.mark.parametrize(
    ("code", "cause", "start"),
    [
        (-11, "signal", "Your kernel process was killed (signal 11, SIGSEGV)."),
        (3, "exit", "Your kernel stopped unexpectedly (exit code 3)."),
        (None, "unknown", "Your kernel stopped unexpectedly."),
    ],
)
def test_other_deaths(code: int | None, cause: str, start: str) -> None:
    details = kernel_death_details(facts(exit_code=code))
    assert details["cause"] == cause and details["message"].startswith(start)


def test_pressure_tracker_one_notification_per_crossing() -> None:
    tracker = PressureTracker(threshold=0.9, rearm=0.05)
    limit = 1000
    seen = [tracker.update(usage, limit) for usage in (500, 899, 900, 950, 999, 870, 930)]
    assert seen == [False, False, True, False, False, False, False]
    assert tracker.update(849, limit) is False  # below 0.85: re-armed, no notification
    assert tracker.update(910, limit) is True
    assert tracker.update(2000, limit) is False


def test_pressure_tracker_without_limit_or_usage_never_fires() -> None:
    tracker = PressureTracker(0.9)
    assert tracker.update(10**12, None) is False
    assert tracker.update(None, 1000) is False
    assert tracker.last_fraction is None and tracker.armed


@pytest.mark.parametrize("bad", [0, -0.1, 1.5])
def test_pressure_threshold_validated(bad: float) -> None:
    with pytest.raises(ValueError):
        PressureTracker(bad)


def test_pressure_details_names_the_biggest_kernel() -> None:
    details = pressure_details(
        usage_bytes=int(3.7 * GiB),
        limit_bytes=4 * GiB,
        threshold=0.9,
        source="cgroup1",
        kernels=[
            {"kernel_id": "k2", "notebook_path": "big.ipynb", "rss_bytes": 3 * GiB},
            {"kernel_id": "k1", "notebook_path": None, "rss_bytes": 200 * MiB},
        ],
    )
    assert details["message"] == (
        "Memory use is at 92% of your 4.0 GiB limit (3.7 GiB); a kernel may be stopped soon."
        " The largest kernel (big.ipynb) uses 3.0 GiB."
    )
    assert details["fraction"] == 0.925 and details["limit_source"] == "cgroup1"
    assert details["request_draft"]["notebook_path"] == "big.ipynb"
    assert "peak_bytes" not in details  # a cgroup's lifetime peak would mislead the toast
