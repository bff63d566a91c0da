"""Median time of ``diagnose`` on one exception (target <= 1 ms), against a baseline measured in
the same run: ``traceback.format_exception`` of the same exception (what IPython does anyway).

Run: python bench/bench_diagnose.py
(``ITB_BENCH_REPO=/path/to/other/checkout`` measures another checkout's package, e.g. main, for
a before/after comparison on the same machine.)
"""

from __future__ import annotations

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
    print(f"worst median: {worst:.1f} us (target <= 1000 us): {'OK' if worst <= 1000 else 'SLOW'}")


if __name__ == "__main__":
    main()
