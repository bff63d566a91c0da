"""Import 300 stdlib/site modules in a fresh interpreter with and without the blocked-import
finder at sys.meta_path[0]; print both medians and the ratio (target <= 1.02).

Run: python bench/bench_imports.py [repeats]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import sys, time, json
sys.path.insert(0, {repo!r})
names = json.loads({names!r})
if {with_finder!r}:
    from jupyter_itbridge.policy import ITBridgePolicy, DEMO_BLOCKED
    from jupyter_itbridge.kernel import import_guard
    blocked = dict(DEMO_BLOCKED)
    blocked.update({{f"blocked-pkg-{{i}}": "not approved" for i in range(50)}})
    import_guard.install(ITBridgePolicy(blocked_packages=blocked))
else:
    import jupyter_itbridge.policy  # same pre-imports in both arms
ok = 0
t0 = time.perf_counter()
for name in names:
    try:
        __import__(name)
        ok += 1
    except Exception:
        pass
print(json.dumps({{"seconds": time.perf_counter() - t0, "ok": ok}}))
"""


def candidate_modules(limit: int = 300) -> list[str]:
    """Importable stdlib + site modules, probed once in a throwaway interpreter."""
    probe = r"""
import sys, json, pkgutil, importlib.util
skip = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "pydoc_data",
        "lib2to3", "ensurepip", "venv", "test", "__main__", "xxsubtype", "xxlimited",
        "sre_compile", "sre_parse", "sre_constants", "readline"}
names = sorted(n for n in sys.stdlib_module_names if not n.startswith("_") and n not in skip)
site = sorted({m.name for m in pkgutil.iter_modules() if not m.name.startswith("_")
               and m.name not in skip and m.module_finder.path.endswith("site-packages")})
out = []
for n in names + site:
    if importlib.util.find_spec(n) is not None:
        out.append(n)
print(json.dumps(out))
"""
    names = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout
    )
    # keep only modules that import cleanly and quickly on their own
    good = []
    for name in names:
        if len(good) >= limit:
            break
        res = subprocess.run(
            [sys.executable, "-c", f"import {name}"], capture_output=True, timeout=60, check=False
        )
        if res.returncode == 0:
            good.append(name)
    return good


def run(names: list[str], with_finder: bool) -> float:
    code = CHILD.format(repo=REPO, names=json.dumps(names), with_finder=with_finder)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    names = candidate_modules()
    print(f"modules: {len(names)}; repeats: {repeats} (alternating, fresh interpreter each)")
    without, with_ = [], []
    for _ in range(repeats):
        without.append(run(names, False))
        with_.append(run(names, True))
    a, b = statistics.median(without), statistics.median(with_)
    print(f"without finder: median {a * 1000:.1f} ms")
    print(f"with finder:    median {b * 1000:.1f} ms")
    print(f"ratio: {b / a:.3f} (target <= 1.02): {'OK' if b / a <= 1.02 else 'OVER'}")


if __name__ == "__main__":
    main()
