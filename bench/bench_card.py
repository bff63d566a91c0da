"""The frontend card in a real JupyterLab, Chromium and IRkernel: how long after a failed cell
the card is there, how long it takes to render, and proof that cells that do not fail send
nothing.

Run: ``.venv/bin/python bench/bench_card.py [--failed 40] [--ok 40]`` (needs Debian's chromium,
r-base-core and r-cran-irkernel, and a built labextension).

One notebook on an R kernel (no kernel extension: the frontend diagnoses it) has ``--failed``
cells ``library(<a package that is not installed>)`` (each a new finding, so each gets a card)
and ``--ok`` cells that succeed. Cells run one at a time, in a random order, from the page
(``notebook:run-cell``, what Ctrl+Enter runs). Measured in the page with ``performance.now()``
and the browser's own resource timing:

* ``cell``: the cell's execution round trip (run -> reply and outputs in), the baseline;
* ``diagnose``: the ``POST diagnose`` fetch (request start -> response end);
* ``render``: diagnose response end -> the card in the page (finding output added, card built);
* ``after error``: the cell's execution done -> the card in the page (what the user waits);
* ``health``: ``GET itbridge/api/health`` from the same page, the same number of times: the
  baseline of an authenticated call that does nothing.

Ratios are against baselines measured in the same run (the machine is shared): ``diagnose /
health`` is what recognising the error costs above a round trip to the server, ``after error
/ cell`` how much later than the error itself the card comes. The count of ``POST diagnose``
calls during the ``--ok`` cells must be 0 (a cell without error or stderr costs nothing).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser.anykernel_lab import IDLE, create_notebook, start_anykernel_lab  # noqa: E402
from browser.conftest import CHROMIUM, CHROMIUM_ARGS, stop_lab  # noqa: E402

#: Run one cell in the page and time it; resolves once its card is there (failed cells).
RUN_CELL = """
async ([index, expectCard]) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  // the browser keeps 250 resource entries by default: a long run would stop recording
  performance.setResourceTimingBufferSize(100000);
  const diagnoseEntries = () => performance.getEntriesByType('resource')
    .filter(e => e.name.includes('/itbridge/api/diagnose'));
  const before = diagnoseEntries().length;
  panel.content.activeCellIndex = index;
  const node = panel.content.widgets[index].node;
  const card = new Promise(resolve => {
    const found = () => node.querySelector('.jp-ITBridge-frontendCard .jp-ITBridge-title');
    if (found()) { resolve(performance.now()); return; }
    const observer = new MutationObserver(() => {
      if (found()) { observer.disconnect(); resolve(performance.now()); }
    });
    observer.observe(node, { childList: true, subtree: true });
  });
  const t0 = performance.now();
  await app.commands.execute('notebook:run-cell');
  const t1 = performance.now();
  if (!expectCard) {
    await new Promise(r => setTimeout(r, 300));  // a request would have started by now
    return { cell: t1 - t0, calls: diagnoseEntries().length - before };
  }
  const t2 = await card;
  let entry = diagnoseEntries().slice(before)[0];
  for (let i = 0; !entry && i < 50; i++) {  // the entry is recorded just after the response
    await new Promise(r => setTimeout(r, 20));
    entry = diagnoseEntries().slice(before)[0];
  }
  return {
    cell: t1 - t0,
    diagnose: entry.responseEnd - entry.startTime,
    render: t2 - entry.responseEnd,
    after_error: t2 - t1,
    calls: diagnoseEntries().length - before
  };
}
"""

#: ``GET health`` from the same page, logged in by the same cookie.
HEALTH = """
async (n) => {
  const url = window.jupyterapp.serviceManager.serverSettings.baseUrl + 'itbridge/api/health';
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const response = await fetch(url + '?' + i, { credentials: 'same-origin' });
    await response.text();
    if (!response.ok) { throw new Error('GET health: ' + response.status); }
    out.push(performance.now() - t0);
  }
  return out;
}
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values), "p99": pct(values, 0.99), "n": len(values)}


def run(failed: int, ok: int, seed: int) -> dict:
    from playwright.sync_api import sync_playwright

    cells = [f"library(benchpkg{i:03d})" for i in range(failed)]
    cells += [f"x{i} <- {i} * 2" for i in range(ok)]
    order = list(range(len(cells)))
    random.Random(seed).shuffle(order)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_anykernel_lab(Path(tmp))
        try:
            create_notebook(server, "bench.ipynb", cells, "R")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.set_default_timeout(120_000)
                page.goto(server.page_url("lab/tree/bench.ipynb") + "&reset")
                page.wait_for_function(IDLE, timeout=120_000)
                # warm-up: one failed and one ok cell (kernel, detection catalog, first render)
                page.evaluate(RUN_CELL, [0, True])
                page.evaluate(RUN_CELL, [failed, False])
                rows: dict[str, list[float]] = {
                    k: [] for k in ("cell_failed", "cell_ok", "diagnose", "render", "after_error")
                }
                ok_calls = failed_calls = 0
                for index in order:
                    is_failed = index < failed
                    if index in (0, failed):
                        continue  # the warm-up cells
                    result = page.evaluate(RUN_CELL, [index, is_failed])
                    if is_failed:
                        failed_calls += result["calls"]
                        rows["cell_failed"].append(result["cell"])
                        for key in ("diagnose", "render", "after_error"):
                            rows[key].append(result[key])
                    else:
                        ok_calls += result["calls"]
                        rows["cell_ok"].append(result["cell"])
                health = page.evaluate(HEALTH, len(rows["diagnose"]))
                browser.close()
        finally:
            stop_lab(server)
    out = {key: summary(values) for key, values in rows.items()}
    out["health"] = summary(health)
    out["diagnose_calls_ok_cells"] = ok_calls
    out["diagnose_calls_failed_cells"] = failed_calls
    out["ok_cells"] = len(rows["cell_ok"])
    out["failed_cells"] = len(rows["cell_failed"])
    out["ratio_diagnose_over_health_p50"] = out["diagnose"]["p50"] / out["health"]["p50"]
    out["ratio_after_error_over_cell_p50"] = out["after_error"]["p50"] / out["cell_failed"]["p50"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failed", type=int, default=40, help="failing R cells (cards)")
    parser.add_argument("--ok", type=int, default=40, help="R cells that succeed")
    parser.add_argument("--seed", type=int, default=11, help="order of the cells")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    out = run(args.failed, args.ok, args.seed)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"R kernel, {out['failed_cells']} failed cells (one card each), {out['ok_cells']} ok")
    print(f"{'':28}{'p50 ms':>10}{'p99 ms':>10}")
    labels = {
        "cell_failed": "cell round trip (failed)",
        "cell_ok": "cell round trip (ok)",
        "health": "GET health (baseline)",
        "diagnose": "POST diagnose",
        "render": "card render",
        "after_error": "cell done -> card shown",
    }
    for key, label in labels.items():
        row = out[key]
        print(f"{label:28}{row['p50']:10.1f}{row['p99']:10.1f}")
    print(f"diagnose / health (p50): {out['ratio_diagnose_over_health_p50']:.2f}x")
    print(
        f"card after error / cell round trip (p50): {out['ratio_after_error_over_cell_p50']:.2f}x"
    )
    print(
        f"POST diagnose calls: {out['diagnose_calls_ok_cells']} for {out['ok_cells']} ok cells, "
        f"{out['diagnose_calls_failed_cells']} for {out['failed_cells']} failed cells"
    )
    if out["diagnose_calls_ok_cells"] != 0:
        raise SystemExit("a cell without error or stderr sent a request")
    if out["diagnose_calls_failed_cells"] != out["failed_cells"]:
        raise SystemExit("a failed cell was not diagnosed exactly once")


if __name__ == "__main__":
    main()
