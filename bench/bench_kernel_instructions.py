"""The extension's kernel start-up work counted in CPU instructions, which load does not move.

``bench_kernel.py`` times real kernel starts; on a shared 2-core machine a start's CPU time moves
by tens of milliseconds, more than the extension costs. Here the same work runs under
``valgrind --tool=callgrind`` (every thread counted, ``PYTHONHASHSEED=0``): a process that
imports ``ipykernel.kernelapp`` and builds an IPython shell, with and without
``load_extension("jupyter_itbridge")`` plus joining the policy thread. The difference is the
extension's own work; the ratio is against the baseline process measured in the same run.
The package runs byte-compiled, as ``pip install`` leaves it.

    .venv/bin/python bench/bench_kernel_instructions.py [--scenario plain|policy|server|all]
        [--compare OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_kernel import DEMO_CONFIG, REPO, SCENARIOS, installed_copy, policy_server

ARM = """\
import os
import ipykernel.kernelapp  # what a kernel has imported when its start-up files run
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
if os.environ["BENCH_ARM"] == "on":
    shell.extension_manager.load_extension("jupyter_itbridge")
    from jupyter_itbridge.kernel import bridge

    bridge()._policy_thread.join()
    assert bridge().policy_origin == os.environ["BENCH_ORIGIN"], bridge().policy_origin
"""
ORIGIN = {"plain": "config", "policy": "config", "server": "server"}


def instructions(script: Path, env: dict[str, str], out: Path) -> int:
    """Total instructions callgrind counted for one run of ``script`` (all threads)."""
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, script],
        env=env,
        check=True,
        capture_output=True,
    )
    match = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
    if not match:
        raise SystemExit(f"no instruction total in {out}")
    return int(match.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    ap.add_argument("--compare", type=Path, metavar="CHECKOUT", help="another checkout as an arm")
    args = ap.parse_args()
    if not shutil.which("valgrind"):  # ``make bench`` runs the others all the same
        print("skipped: valgrind is not installed (apt-get install valgrind)")
        return
    with tempfile.TemporaryDirectory() as d, policy_server("bench-token") as url:
        tmp = Path(d)
        script = tmp / "arm.py"
        script.write_text(ARM)
        trees = {"this": installed_copy(tmp / "a")}
        if args.compare:
            trees["compare"] = installed_copy(tmp / "b", args.compare)
        print(f"python {sys.version.split()[0]}; arms: this ({REPO}), compare ({args.compare})")
        for scenario in SCENARIOS if args.scenario == "all" else (args.scenario,):
            config = tmp / scenario / "config"
            config.mkdir(parents=True)
            if scenario == "policy":
                (config / "jupyter_itbridge_config.py").write_text(DEMO_CONFIG)
            env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_ITBRIDGE")}
            env.update(
                PYTHONHASHSEED="0",
                JUPYTER_CONFIG_DIR=str(config),
                IPYTHONDIR=str(tmp / scenario / "ipython"),
                BENCH_ORIGIN=ORIGIN[scenario],
            )
            if scenario == "server":
                env.update(JUPYTER_ITBRIDGE_URL=url, JUPYTER_ITBRIDGE_TOKEN="bench-token")
            for arm, tree in trees.items():
                env["PYTHONPATH"] = str(tree)
                off = instructions(script, {**env, "BENCH_ARM": "off"}, tmp / "off.out")
                on = instructions(script, {**env, "BENCH_ARM": "on"}, tmp / "on.out")
                print(
                    f"[{scenario}] {arm:8} extension: {(on - off) / 1e6:6.2f} M instructions"
                    f" (baseline process {off / 1e6:.0f} M; ratio {on / off:.4f})"
                )


if __name__ == "__main__":
    main()
