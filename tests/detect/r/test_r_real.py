"""Real IRkernel kernels (via jupyter_client) produce each family's errors; the finding is
asserted from what the kernel really published on IOPub (the error and the stderr stream),
diagnosed exactly as ``POST diagnose`` does.

One kernel per setup (a locale, a memory limit, user ``nobody``, hidden client libraries, a
proxy, an ODBC config whose driver is absent, a 1 MiB tmpfs), every scenario of that setup run
in it. Setups that need root skip elsewhere with the reason (a failure under CI=true).
"""

from __future__ import annotations

from typing import Any

import pytest
from r_runner import by_setup, run_setup, unavailable
from r_scenarios import SCENARIOS

from jupyter_itbridge.detect import diagnose_text
from jupyter_itbridge.policy import ITBridgePolicy

GROUPS = by_setup(SCENARIOS)

pytestmark = [pytest.mark.system, pytest.mark.slow]


def _verdict(scenario: Any, out: Any, res: Any) -> str | None:
    """None when the finding is the expected one, else what went wrong."""
    findings = diagnose_text(
        out.ename or "",
        out.evalue or "",
        out.traceback,
        ITBridgePolicy.from_dict(scenario.policy or {}),
        stderr=out.stderr,
        language="R",
    )
    shown = [(f.kind, f.subject, f.confidence) for f in findings if f.shown]
    if scenario.expect is None:
        return None if not shown else f"a card for an ordinary error: {shown}"
    kind, subject, confidence = scenario.expect
    wanted = (kind, res.fill(subject), confidence)
    if not shown or shown[0] != wanted:
        return f"expected {wanted}, got {shown} from {out.as_json()}"
    if not (out.ename or out.stderr):
        return "the kernel published neither an error nor stderr"
    return None


@pytest.mark.parametrize("setup", sorted(GROUPS))
def test_real_kernel_errors_give_the_right_finding(setup: str, r_resources: Any) -> None:
    reason = unavailable(setup)
    if reason:
        pytest.skip(reason)
    wrong = {}
    for scenario, out in run_setup(setup, GROUPS[setup], r_resources):
        problem = _verdict(scenario, out, r_resources)
        if problem:
            wrong[f"{scenario.id}: {scenario.code}"] = problem
    assert wrong == {}
