"""Kernel-side costs of jupyter-itbridge, each printed against the same run without it.

(a) kernel start-up: N real ipykernel starts (launch -> kernel_info reply -> one trivial
    execute) with the extension loaded by the real start-up file vs ``JUPYTER_ITBRIDGE_DISABLE=1``;
    runs alternate so machine noise hits both sides. Target: <= +5 % and <= +30 ms.
(b) a cell that does not fail: the ``post_run_cell`` dispatch with and without our hook
    (10^5 triggers, precise), and ``run_cell("1")`` in-process with and without the extension
    (10^4 cells, end to end). Target: <= 20 us per cell.

    .venv/bin/python bench/bench_kernel.py [--starts 10] [--cells 10000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STARTUP = REPO / "jupyter-config" / "ipython-startup" / "50-jupyter-itbridge.py"


def _env(tmp: Path, disabled: bool) -> dict[str, str]:
    startup = tmp / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    shutil.copy(STARTUP, startup / STARTUP.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_ITBRIDGE")}
    env.update(
        PYTHONPATH=str(REPO),
        IPYTHONDIR=str(tmp / "ipython"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    if disabled:
        env["JUPYTER_ITBRIDGE_DISABLE"] = "1"
    return env


def one_start(env: dict[str, str], check: bool) -> tuple[float, float]:
    """(wall seconds to the first execute reply, CPU seconds the kernel process used by then)."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    t0 = time.perf_counter()
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    out: list[str] = []
    try:
        kc.wait_for_ready(timeout=60)  # kernel_info reply
        code = "print(__import__('time').process_time())"
        if check:
            code += "; assert __import__('jupyter_itbridge.kernel').kernel.is_loaded()"

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])

        reply = kc.execute_interactive(code, timeout=60, output_hook=hook)
        elapsed = time.perf_counter() - t0
        assert reply["content"]["status"] == "ok", reply
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return elapsed, float("".join(out).split()[0])


def bench_startup(n: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        on_env, off_env = _env(tmp / "on", False), _env(tmp / "off", True)
        for sub in ("on", "off"):
            for x in ("config", "data", "runtime"):
                (tmp / sub / x).mkdir(parents=True, exist_ok=True)
        one_start(on_env, True), one_start(off_env, False)  # warm the page cache
        on, off = [], []
        for _ in range(n):
            off.append(one_start(off_env, False))
            on.append(one_start(on_env, True))
    wall_on, wall_off = [x[0] for x in on], [x[0] for x in off]
    cpu_on, cpu_off = [x[1] for x in on], [x[1] for x in off]
    m_on, m_off = statistics.median(wall_on), statistics.median(wall_off)
    paired = statistics.median(a - b for a, b in zip(wall_on, wall_off, strict=True))
    c_on, c_off = statistics.median(cpu_on), statistics.median(cpu_off)
    print(f"(a) kernel start-up, {n} starts each (launch -> kernel_info -> execute):")
    print(f"    wall, without extension: median {m_off * 1000:7.1f} ms")
    print(f"    wall, with extension:    median {m_on * 1000:7.1f} ms")
    print(
        f"    wall overhead: {(m_on - m_off) * 1000:+.1f} ms, ratio {m_on / m_off:.3f}, "
        f"median of paired differences {paired * 1000:+.1f} ms "
        "(target <= +30 ms and <= 1.05)"
    )
    print(
        f"    kernel CPU time to first reply: {c_off * 1000:.1f} ms -> {c_on * 1000:.1f} ms "
        f"({(c_on - c_off) * 1000:+.1f} ms, ratio {c_on / c_off:.3f}; less sensitive to "
        "other load on the machine than wall time)"
    )


def bench_cells(n: int) -> None:
    from IPython.core.interactiveshell import ExecutionResult, InteractiveShell

    sys.path.insert(0, str(REPO))
    shell = InteractiveShell.instance()
    result = ExecutionResult(None)

    def trigger_cost(rounds: int) -> float:
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(rounds):
                shell.events.trigger("post_run_cell", result)
            best = min(best, (time.perf_counter() - t0) / rounds)
        return best

    def cell_cost(rounds: int) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(rounds):
                shell.run_cell("1", store_history=False, silent=True)
            best = min(best, (time.perf_counter() - t0) / rounds)
        return best

    base_trigger = trigger_cost(100_000)
    base_cell = cell_cost(n)
    shell.extension_manager.load_extension("jupyter_itbridge")
    import jupyter_itbridge.kernel as k

    assert k.is_loaded()
    k.bridge()._policy_thread.join()
    shell.run_cell("1", silent=True)  # the one-off first-cell hook
    with_trigger = trigger_cost(100_000)
    with_cell = cell_cost(n)
    print("(b) a cell that does not fail:")
    print(
        f"    post_run_cell dispatch: {base_trigger * 1e6:.2f} us -> {with_trigger * 1e6:.2f} us"
        f" (hook cost {(with_trigger - base_trigger) * 1e6:+.2f} us, "
        f"ratio {with_trigger / base_trigger:.2f})"
    )
    print(
        f"    run_cell('1') x{n}: {base_cell * 1e6:.1f} us -> {with_cell * 1e6:.1f} us per cell"
        f" (overhead {(with_cell - base_cell) * 1e6:+.1f} us, ratio "
        f"{with_cell / base_cell:.3f}; target <= +20 us)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--starts", type=int, default=10)
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--skip-startup", action="store_true")
    args = ap.parse_args()
    if not args.skip_startup:
        bench_startup(args.starts)
    bench_cells(args.cells)


if __name__ == "__main__":
    main()
