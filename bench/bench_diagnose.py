"""Median time of ``diagnose`` on one exception (target <= 1 ms), against a baseline measured in
the same run: ``traceback.format_exception`` of the same exception (what IPython does anyway).

R rows diagnose real IRkernel captures (``tests/detect/r/corpus/captures.jsonl``: the error
and the cell's stderr, as ``POST diagnose`` receives them) with ``diagnose_text(...,
language="R")``; their baseline is ``traceback.format_exception`` of the KeyError above, measured
in the same run (an R kernel formats its own traceback, so there is no closer yardstick here).

Run: python bench/bench_diagnose.py
(``ITB_BENCH_REPO=/path/to/other/checkout`` measures another checkout's package, e.g. main, for
a before/after comparison on the same machine; R rows need a checkout with R detection.)
"""

from __future__ import annotations

import inspect
import json
import os
import statistics
import sys
import time
import traceback

sys.path.insert(
    0,
    os.environ.get("ITB_BENCH_REPO") or os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
)

from jupyter_itbridge.detect import diagnose, diagnose_text
from jupyter_itbridge.policy import DEMO_BLOCKED, ITBridgePolicy

POLICY = ITBridgePolicy(blocked_packages=DEMO_BLOCKED)
ROUNDS = 2000
R_CORPUS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "tests",
    "detect",
    "r",
    "corpus",
    "captures.jsonl",
)
#: capture id -> what it is (real IRkernel output; the stderr-only ones are R warnings)
R_CASES = {
    "ordinary-01": "R object not found (ordinary)",
    "packages-01": "R library(ggplot2)",
    "packages-20": "R library(<unknown name>)",
    "blocked-01": "R install.packages 403 (stderr)",
    "drivers-06": "R RPostgreSQL without libpq",
    "network-14": "R httr TLS interception",
    "access-01": "R read.csv permission (stderr)",
}


def _raise(kind: str) -> BaseException:
    try:
        if kind == "KeyError (ordinary, no finding)":
            {}["revenue"]
        elif kind == "ModuleNotFoundError sklearn":
            import sklearn  # noqa: F401
        elif kind == "ModuleNotFoundError unknown name":
            import my_team_helpers_xyz  # noqa: F401  # no installed distribution provides it
        elif kind == "DPI-1047 (oracledb)":
            import oracledb

            oracledb.init_oracle_client(lib_dir="/nonexistent")
        elif kind == "libpq.so.5 (shared library)":
            raise ImportError(
                "libpq.so.5: cannot open shared object file: No such file or directory"
            )
        elif kind == "ProxyError text (chained)":
            try:
                raise OSError("Tunnel connection failed: 403 Forbidden")
            except OSError as inner:
                raise ConnectionError(
                    "HTTPSConnectionPool(host='api.example.com', port=443): Max retries "
                    "exceeded (Caused by ProxyError('Unable to connect to proxy', "
                    "OSError('Tunnel connection failed: 403 Forbidden')))"
                ) from inner
    except BaseException as exc:
        return exc
    raise AssertionError(kind)


def _median_us(func, rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        func()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e6


def main() -> None:
    kinds = [
        "KeyError (ordinary, no finding)",
        "ModuleNotFoundError sklearn",
        "ModuleNotFoundError unknown name",
        "DPI-1047 (oracledb)",
        "libpq.so.5 (shared library)",
        "ProxyError text (chained)",
    ]
    print(f"{'exception':36} {'diagnose':>12} {'diag_text':>12} {'format_exc':>12} {'ratio':>7}")
    worst = 0.0
    for kind in kinds:
        exc = _raise(kind)
        diagnose(exc, POLICY)  # warm: compile the catalog once
        tb = traceback.format_exception(exc)
        d = _median_us(lambda exc=exc: diagnose(exc, POLICY))
        t = _median_us(
            lambda exc=exc, tb=tb: diagnose_text(type(exc).__name__, str(exc), tb, POLICY)
        )
        base = _median_us(lambda exc=exc: traceback.format_exception(exc), rounds=500)
        worst = max(worst, d, t)
        print(f"{kind:36} {d:10.1f}us {t:10.1f}us {base:10.1f}us {d / base:7.2f}")
    worst = max(worst, _r_rows())
    print(f"worst median: {worst:.1f} us (target <= 1000 us): {'OK' if worst <= 1000 else 'SLOW'}")


def _r_rows() -> float:
    """Median of ``diagnose_text(..., stderr=..., language="R")`` on real R captures."""
    if "language" not in inspect.signature(diagnose_text).parameters or not os.path.exists(
        R_CORPUS
    ):
        print("(no R detection in this checkout: R rows skipped)")
        return 0.0
    with open(R_CORPUS, encoding="utf-8") as fh:
        cases = {c["id"]: c for c in map(json.loads, fh) if c["id"] in R_CASES}
    key_error = _raise("KeyError (ordinary, no finding)")
    base = _median_us(lambda: traceback.format_exception(key_error), rounds=500)
    worst = 0.0
    for case_id, label in R_CASES.items():
        c = cases[case_id]
        policy = ITBridgePolicy.from_dict(c["policy"] or {})

        def call(c=c, policy=policy):
            return diagnose_text(
                c["ename"] or "",
                c["evalue"] or "",
                c["traceback"],
                policy,
                stderr=c["stderr"],
                language="R",
            )

        call()  # warm: compile the R catalog once
        t = _median_us(call)
        worst = max(worst, t)
        print(f"{label:36} {'-':>12} {t:10.1f}us {base:10.1f}us {t / base:7.2f}")
    return worst


if __name__ == "__main__":
    main()
