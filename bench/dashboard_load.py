"""How soon a manager's dashboard shows its first chart in a real browser (issue 19.7).

Serves the app with gunicorn on a fresh database with the demo data (tests/live_server.py),
signs in as the demo manager in headless Chromium (tests/e2e's /usr/bin/chromium), then opens
/dashboards/ RUNS times with an empty browser cache ("cold": plotly.js is downloaded) and RUNS
times again in the same browser ("warm": plotly.js from the cache). Prints, per run, the time
from the start of the navigation to the first chart's SVG and to the last chart's SVG, and
the size of plotly.js's response (as sent, with its Content-Encoding; the warm runs read the
same response from the browser's cache) and once decoded. The charts are drawn one per frame,
those in view first (static/dashboards/dashboards.js), so "first chart" is when the first one
is painted.

    .venv/bin/python bench/dashboard_load.py [--runs 3] [--database mssp_bench_dash]
    .venv/bin/python bench/dashboard_load.py --database-url postgresql://postgres@127.0.0.1:5432/mssp_bench_dash

With --database-url the app runs on that (existing, throw-away: its public schema is reset)
database instead of the embedded server, e.g. the system PostgreSQL 15.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, DEMO_PASSWORD  # noqa: E402
from tests.live_server import serve  # noqa: E402

FIRST_CHART = "() => document.querySelector('.dash-chart svg.main-svg') ? performance.now() : false"
ALL_CHARTS = """() => {
    const charts = [...document.querySelectorAll('.dash-chart:not(.hidden)')];
    return charts.length && charts.every(c => c.querySelector('svg.main-svg')) ? performance.now() : false;
}"""
PLOTLY_SIZE = """() => performance.getEntriesByType('resource').filter(r => r.name.includes('plotly'))
    .map(r => r.decodedBodySize)[0] || 0"""


def sign_in(page) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", "manager@mssp.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_load_state()


def measure(page) -> tuple[float, float, int, int, str, float]:
    wire = []

    def on_response(response) -> None:
        if "plotly" in response.url:  # none when the browser took it from its cache
            body = len(response.body())  # as sent: Playwright gives the encoded bytes' length below
            wire.append((response.headers.get("content-encoding", "identity"),
                         int(response.headers.get("content-length") or body)))

    page.on("response", on_response)
    page.goto("/dashboards/", wait_until="commit")
    first = page.wait_for_function(FIRST_CHART, polling="raf", timeout=60_000).json_value()
    last = page.wait_for_function(ALL_CHARTS, polling="raf", timeout=60_000).json_value()
    page.remove_listener("response", on_response)
    encoding, wire_bytes = wire[0] if wire else ("cache", 0)
    html = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
    return first / 1000, last / 1000, wire_bytes, page.evaluate(PLOTLY_SIZE), encoding, html / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default=f"mssp_bench_dash_{os.getpid()}")
    parser.add_argument("--database-url", help="a throw-away database elsewhere (its schema is reset)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    elsewhere = {"DATABASE_URL": args.database_url} if args.database_url else None
    with serve(args.database, seed_demo=True, log_name="bench-dashboard-gunicorn", environment=elsewhere,
               keep=bool(elsewhere)) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        results: dict[str, list[tuple[float, float, int, int, str, float]]] = {"cold": [], "warm": []}
        warm_context = None
        for _ in range(args.runs):
            context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            sign_in(page)
            results["cold"].append(measure(page))
            if warm_context is None:
                warm_context = context
            else:
                context.close()
        page = warm_context.pages[0]
        for _ in range(args.runs):
            results["warm"].append(measure(page))
        browser.close()

    where = args.database_url.rsplit("@", 1)[-1] if args.database_url else "embedded PostgreSQL"
    print(f"dashboard /dashboards/ as the demo manager, 1280x900, {args.runs} runs each, on {where}")
    for kind, runs in results.items():
        for first, last, wire, decoded, encoding, html in runs:
            print(f"  {kind}: page HTML {html:5.2f} s   first chart {first:5.2f} s   all {last:5.2f} s   "
                  f"plotly.js {wire / 1e6:5.2f} MB on the wire ({encoding}), {decoded / 1e6:5.2f} MB decoded")
        print(f"  {kind} median: first chart {statistics.median(r[0] for r in runs):.2f} s, "
              f"all charts {statistics.median(r[1] for r in runs):.2f} s")


if __name__ == "__main__":
    main()
