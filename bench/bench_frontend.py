"""Frontend budgets: size of our built JS, and JupyterLab load time with and without us.

Run: ``.venv/bin/python bench/bench_frontend.py [--runs 5]`` (needs Debian's chromium and a
built labextension: ``cd labextension && jlpm build:prod``).

(a) Size: every ``jupyter_itbridge/labextension/static/*.js`` file, raw and gzip. Shared
    JupyterLab packages are *not* in there (the build marks them as shared singletons and the
    page provides them), so nothing needs subtracting; the script checks it with the build's
    own list of bundled third-party packages (``third-party-licenses.json``): any
    ``@jupyterlab/*``, ``@lumino/*`` or React package listed there would be a bundled copy.
(b) Load time: two JupyterLab servers started in the same run, identical but for
    ``{JUPYTER_CONFIG_DIR}/labconfig/page_config.json`` disabling ``jupyter-itbridge`` in one.
    Each run opens a fresh browser context (cold page cache) and measures navigation start ->
    ``#jp-main-dock-panel`` visible; with the extension also -> our panel reports
    ``data-state=connected`` (ready). Runs alternate between the servers; medians are reported.
    Module federation's "Unsatisfied version" console warnings are counted on every load (a
    bundle asking for newer shared packages than the page provides logs one per package).
    ``--compare-build DIR`` adds a third server that serves another build of ours (e.g. the
    ``jupyter_itbridge/labextension`` of a checkout of ``main``), to compare two builds in one run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_lab, stop_lab  # noqa: E402

STATIC = ROOT / "jupyter_itbridge" / "labextension" / "static"
BUDGET_BYTES = 150 * 1024
SHARED_PREFIXES = ("@jupyterlab/", "@lumino/", "@jupyter/", "react", "yjs")


def js_sizes() -> dict:
    files = sorted(STATIC.glob("*.js"))
    if not files:
        raise SystemExit(f"no built JS in {STATIC}: run `jlpm build:prod` in labextension/")
    rows = []
    for f in files:
        data = f.read_bytes()
        rows.append(
            {"file": f.name, "raw": len(data), "gzip": len(gzip.compress(data, compresslevel=9))}
        )
    licenses = json.loads((STATIC / "third-party-licenses.json").read_text())
    third_party = sorted(p["name"] for p in licenses.get("packages", []))
    bundled = [name for name in third_party if name.startswith(SHARED_PREFIXES)]
    raw = sum(r["raw"] for r in rows)
    return {
        "files": rows,
        "raw_total": raw,
        "gzip_total": sum(r["gzip"] for r in rows),
        "budget": BUDGET_BYTES,
        "within_budget": raw <= BUDGET_BYTES,
        "third_party_bundled": third_party,
        "shared_packages_bundled": bundled,
    }


def load_once(
    browser, url: str, with_ext: bool, warnings: list[str] | None = None
) -> tuple[float, float | None]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    if warnings is not None:
        page.on(
            "console",
            lambda msg: warnings.append(msg.text) if "Unsatisfied version" in msg.text else None,
        )
    try:
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("#jp-main-dock-panel", state="visible")
        dock = time.perf_counter() - t0
        ready = None
        if with_ext:
            page.wait_for_selector(".jp-ITBridge-status[data-state='connected']", state="attached")
            ready = time.perf_counter() - t0
        return dock, ready
    finally:
        context.close()


def load_times(runs: int, compare_build: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp_str:
        tmp = Path(tmp_str)
        off_config = tmp / "off" / "config" / "labconfig"
        off_config.mkdir(parents=True)
        (off_config / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"jupyter-itbridge": True}})
        )
        servers = {"with": start_lab(tmp / "with"), "without": start_lab(tmp / "off")}
        if compare_build is not None:
            # the user data dir wins over the environment's only when env paths are not preferred
            shutil.copytree(
                compare_build, tmp / "other" / "data" / "labextensions" / "jupyter-itbridge"
            )
            servers["other"] = start_lab(tmp / "other", env={"JUPYTER_PREFER_ENV_PATH": "0"})
        times: dict[str, list[float]] = {name: [] for name in servers}
        times.update({f"{name}_ready": [] for name in servers if name != "without"})
        unsatisfied: dict[str, list[str]] = {name: [] for name in servers}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, server in servers.items():  # warm-up: server-side caches
                    load_once(browser, server.page_url("lab"), name != "without")
                for _ in range(runs):
                    for name, server in servers.items():
                        dock, ready = load_once(
                            browser, server.page_url("lab"), name != "without", unsatisfied[name]
                        )
                        times[name].append(dock)
                        if ready is not None:
                            times[f"{name}_ready"].append(ready)
                browser.close()
        finally:
            for server in servers.values():
                stop_lab(server)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratios = {"ratio_dock_with_over_without": round(med["with"] / med["without"], 3)}
    if "other" in med:
        ratios["ratio_dock_with_over_other_build"] = round(med["with"] / med["other"], 3)
    return {
        "runs": runs,
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "all_s": {k: [round(x, 3) for x in v] for k, v in times.items()},
        **ratios,
        "unsatisfied_version_warnings": {k: len(v) for k, v in unsatisfied.items()},
        "unsatisfied_version_examples": sorted(set(unsatisfied["with"]))[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument(
        "--compare-build",
        type=Path,
        help="another built labextension dir of ours to load in the same run",
    )
    args = parser.parse_args()
    sizes = js_sizes()
    loads = load_times(args.runs, args.compare_build)
    if args.json:
        print(json.dumps({"js": sizes, "load": loads}, indent=2))
        return
    print("Built JS (jupyter_itbridge/labextension/static):")
    for r in sizes["files"]:
        print(f"  {r['file']:<36} {r['raw']:>8,} B  gzip {r['gzip']:>7,} B")
    print(
        f"  total {sizes['raw_total']:,} B ({sizes['raw_total'] / 1024:.1f} KiB) minified, "
        f"{sizes['gzip_total']:,} B gzip; budget {BUDGET_BYTES // 1024} KiB: "
        f"{'OK' if sizes['within_budget'] else 'OVER'}"
    )
    print(f"  third-party code bundled: {', '.join(sizes['third_party_bundled']) or 'none'}")
    print(f"  shared JupyterLab packages bundled: {sizes['shared_packages_bundled'] or 'none'}")
    m = loads["median_s"]
    print(f"JupyterLab load, median of {loads['runs']} cold-context runs:")
    print(f"  without jupyter-itbridge: dock visible {m['without']:.3f} s")
    print(
        f"  with jupyter-itbridge:    dock visible {m['with']:.3f} s, "
        f"panel ready {m['with_ready']:.3f} s"
    )
    if "other" in m:
        print(
            f"  with --compare-build:      dock visible {m['other']:.3f} s, "
            f"panel ready {m['other_ready']:.3f} s"
        )
        print(
            f"  ratio (dock, this build / other): {loads['ratio_dock_with_over_other_build']:.3f}"
        )
    print(f"  ratio (dock, with / without): {loads['ratio_dock_with_over_without']:.3f}")
    warned = loads["unsatisfied_version_warnings"]
    print(
        f"  'Unsatisfied version' warnings over {loads['runs']} loads: "
        + ", ".join(f"{name} {count}" for name, count in warned.items())
    )
    for text in loads["unsatisfied_version_examples"]:
        print(f"    {text}")


if __name__ == "__main__":
    main()
