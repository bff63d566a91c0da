"""Regenerate ``corpus/captures.jsonl`` from real IRkernel kernels on this machine.

Run as root on Debian with the R packages installed (``tests/detect/r/conftest.py`` installs
them; see NOTES.md), from the repository root:

    .venv/bin/python tests/detect/r/capture_corpus.py

Each line is one cell exactly as the kernel published it on IOPub (``ename``, ``evalue``,
``traceback``, the ``stderr`` stream, the reply ``status``), with the scenario's id, family,
setup, the R code as run, the policy to diagnose it with and the expected top finding. Ports
and temporary paths are those of the run that captured it. Setups this machine cannot run
(not root) are left out and named on stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1]), str(HERE.parents[2])]

from r_runner import by_setup, resources, run_setup, unavailable  # noqa: E402
from r_scenarios import SCENARIOS  # noqa: E402

CORPUS = HERE / "corpus" / "captures.jsonl"


def r_versions() -> dict[str, str]:
    res = subprocess.run(
        [
            "Rscript",
            "-e",
            'cat(R.version.string, as.character(packageVersion("IRkernel")), sep = "\\n")',
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    r_version, irkernel = res.stdout.strip().splitlines()[:2]
    return {"r_version": r_version, "irkernel": irkernel}


def main() -> int:
    groups = by_setup(SCENARIOS)
    skipped = {name: why for name in groups if (why := unavailable(name))}
    for name, why in skipped.items():
        print(f"skipped {len(groups[name])} scenario(s) of setup '{name}': {why}", file=sys.stderr)
    versions = r_versions()
    lines = []
    with resources(root_setups=os.geteuid() == 0) as res:
        for setup, scenarios in groups.items():
            if setup in skipped:
                continue
            for scenario, out in run_setup(setup, scenarios, res):
                expect = list(scenario.expect) if scenario.expect else None
                if expect:
                    expect[1] = res.fill(expect[1])
                lines.append(
                    {
                        "id": scenario.id,
                        "family": scenario.family,
                        "setup": setup,
                        "batch": scenario.batch,
                        "policy": scenario.policy or {},
                        "expect": expect,
                        **out.as_json(),
                        **versions,
                    }
                )
                print(f"{scenario.id:14} {setup:12} {out.ename or '-':6} {scenario.code[:60]}")
    lines.sort(key=lambda line: line["id"])
    CORPUS.parent.mkdir(exist_ok=True)
    with CORPUS.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(lines)} captures -> {CORPUS.relative_to(HERE.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
