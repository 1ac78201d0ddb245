"""Dashboard benchmark: the shared bench data set, then rollup, overview and chart timings.

    .venv/bin/python bench/dashboards.py              # scale 0.05: 5k clients, 50k transactions, 500k points
    .venv/bin/python bench/dashboards.py --scale 1    # the target: 100k clients, 1M transactions, 10M points
    .venv/bin/python bench/dashboards.py --reuse      # keep the data of a previous run at the same scale
    .venv/bin/python bench/dashboards.py --reuse --explain   # also EXPLAIN ANALYZE the base-table charts

The data set is `bench/generate.py`'s (the one generator, seeded), in the embedded
server's database `mssp_bench_dash` (or BENCH_DATABASE_URL); its dates end on
`generate.BASE`, the dashboards' ranges on today. The rollups are built in full, then
refreshed incrementally (nothing changed, then one new hour of points) and as the
nightly job does (`since` 35 days ago). Each page and JSON endpoint is then requested
through the Flask test client as a signed-in user (FAB's permission checks included),
warm, `--iterations` times; p50 and p95 are printed in milliseconds. Targets: overview
< 300 ms, each chart < 100 ms (p95).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, USERS, counts, generate, sizes  # noqa: E402

# --- rollups ---------------------------------------------------------------------------------


def rollups(app, fresh_load: bool) -> None:
    from sqlalchemy import text

    from app.dashboards.jobs import NIGHTLY_LOOK_BACK
    from app.dashboards.rollups import OVERLAP, refresh_rollups
    from app.extensions import db

    with app.app_context():
        full = refresh_rollups(full=True)
        print(f"  full rebuild: {full.seconds:.1f} s")
        if fresh_load:
            # The load is minutes old, inside the refresh's overlap: count it as seen, as a
            # refresh running 10 minutes after the load would have.
            settle = text("UPDATE dash_rollup_state SET watermark = watermark + :overlap")
            db.session.execute(settle, {"overlap": OVERLAP})
            db.session.commit()
        nothing = refresh_rollups()
        print(f"  incremental, nothing changed: {nothing.seconds * 1000:.0f} ms")
        db.session.execute(
            text("""
            INSERT INTO service_performance_metrics
                (client_id, service_id, metric_name, "timestamp", value, unit)
            SELECT client_id, service_id, metric_name, max("timestamp") + interval '1 hour', 97, max(unit)
            FROM service_performance_metrics GROUP BY 1, 2, 3""")
        )
        db.session.commit()
        one_hour = refresh_rollups()
        print(
            f"  incremental after one new hour of points: {one_hour.seconds * 1000:.0f} ms "
            f"({', '.join(one_hour.lines())})"
        )
        nightly = refresh_rollups(since=datetime.now(UTC) - NIGHTLY_LOOK_BACK)
        print(f"  nightly (since {NIGHTLY_LOOK_BACK.days} days ago): {nightly.seconds:.1f} s")
        db.session.remove()


def explain(app) -> None:
    """EXPLAIN ANALYZE every statement the base-table charts run (licenses, renewals, top clients)."""
    from sqlalchemy import event

    from app.dashboards.filters import DashboardFilters
    from app.dashboards.queries import licenses, renewals, top_clients
    from app.dashboards.queries.common import rollup_status
    from app.extensions import db

    today = datetime.now(UTC).date()
    custom = DashboardFilters("custom", today - timedelta(days=400), today)
    cases = {
        "licenses (overview)": lambda s: licenses.license_usage(s),
        "renewals (overview)": lambda s: renewals.contracts_ending(s, today),
        "contracts ending 30/60/90": lambda s: renewals.ending_counts(s, today),
        "top clients, 400 days": lambda s: top_clients.top_clients_by_revenue(
            s, custom, monthly_rollup=rollup_status(s).ready("client_revenue")
        ),
    }
    with app.app_context():
        engine = db.engine
        for label, query in cases.items():
            captured: list[tuple[str, object]] = []

            def capture(conn, cursor, statement, parameters, context, executemany, into=captured):
                into.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", capture)
            try:
                query(db.session)
            finally:
                event.remove(engine, "before_cursor_execute", capture)
            for statement, parameters in captured:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                cursor = db.session.connection().connection.cursor()
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                print(f"\n  --- {label}")
                print("\n".join("    " + row[0] for row in cursor.fetchall()))
        db.session.remove()


# --- timings ---------------------------------------------------------------------------------


def login(app, role: str):
    browser = app.test_client()
    response = browser.post("/login/", data={"username": USERS[role], "password": BENCH_PASSWORD})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], f"login as {role}"
    return browser


def timed(fetch: Callable[[], object], iterations: int) -> tuple[list[float], int]:
    for _ in range(2):
        response = fetch()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        response = fetch()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    return samples, len(response.data)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(name: str, samples: list[float], size: int, target: float) -> bool:
    p95 = percentile(samples, 0.95)
    ok = p95 < target
    print(
        f"  {name:58s} p50 {statistics.median(samples):7.1f}  p95 {p95:7.1f}  max {max(samples):7.1f} ms  "
        f"{size / 1024:7.1f} kB  {'ok' if ok else 'SLOW'}"
    )
    return ok


def measure(app, iterations: int) -> bool:
    from sqlalchemy import text

    from app.dashboards.charts import CHARTS
    from app.extensions import db

    with app.app_context():
        client_id = db.session.execute(
            text("SELECT client_id FROM service_performance_metrics ORDER BY client_id LIMIT 1")
        ).scalar_one()
        db.session.remove()
    all_ok = True
    manager = login(app, "Manager")
    for preset in ("30d", "quarter", "year"):
        print(f"\n  Manager, range={preset}")
        all_ok &= report(
            "overview page (all charts and numbers)",
            *timed(lambda p=preset: manager.get(f"/dashboards/?range={p}"), iterations),
            300,
        )
        for chart in CHARTS:
            url = f"/dashboards/api/chart/{chart.key}?range={preset}"
            all_ok &= report(f"chart {chart.key}", *timed(lambda u=url: manager.get(u), iterations), 100)
        all_ok &= report(
            "headline numbers",
            *timed(lambda p=preset: manager.get(f"/dashboards/api/headline?range={p}"), iterations),
            100,
        )
    print("\n  Manager, one client (range=quarter)")
    all_ok &= report(
        "client dashboard page",
        *timed(lambda: manager.get(f"/dashboards/client/{client_id}?range=quarter"), iterations),
        300,
    )
    for chart in (c for c in CHARTS if c.on_client):
        url = f"/dashboards/api/chart/{chart.key}?range=year&client={client_id}"
        all_ok &= report(
            f"chart {chart.key} (client, year)", *timed(lambda u=url: manager.get(u), iterations), 100
        )
    account_manager = login(app, "Account Manager")
    print("\n  Account manager (their clients' money), range=quarter")
    all_ok &= report(
        "overview page", *timed(lambda: account_manager.get("/dashboards/?range=quarter"), iterations), 300
    )
    for chart in (c for c in CHARTS if c.financial):
        url = f"/dashboards/api/chart/{chart.key}?range=quarter"
        all_ok &= report(f"chart {chart.key}", *timed(lambda u=url: account_manager.get(u), iterations), 100)
    # Custom ranges have no precomputed top-clients window: whole months come from the
    # per-client monthly rollup, the partial edge months from the transactions.
    print("\n  Custom ranges (top clients: rollup months plus edge days)")
    today = datetime.now(UTC).date()
    for days in (45, 180, 730):
        start = (today - timedelta(days=days - 1)).isoformat()
        query = f"range=custom&from={start}&to={today.isoformat()}"
        url = f"/dashboards/api/chart/revenue_top_clients?{query}"
        samples = timed(lambda u=url: manager.get(u), iterations)
        all_ok &= report(f"chart revenue_top_clients ({days} days)", *samples, 100)
        url = f"/dashboards/?{query}"
        samples = timed(lambda u=url: manager.get(u), iterations)
        all_ok &= report(f"overview page ({days} days)", *samples, 300)
    return all_ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=0.05, help="1.0 = 100k clients, 1M transactions, 10M points"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the data set of a previous run")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the base-table charts")
    parser.add_argument("--database", default="mssp_bench_dash", help="embedded database name")
    options = parser.parse_args()

    os.environ.setdefault("MSSP_ENV", "development")
    os.environ["MSSP_EMBEDDED_DATABASE"] = options.database
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    from app import create_app

    app = create_app({"WTF_CSRF_ENABLED": False})
    n = sizes(options.scale)
    print(
        f"scale {options.scale}: {n['clients']:,} clients, ~{n['transactions']:,} transactions, "
        f"~{n['points']:,} metric points; load average {os.getloadavg()[0]:.2f}"
    )
    existing = counts(app) if options.reuse else {}
    fresh_load = existing.get("clients") != n["clients"]
    if not fresh_load:
        print("reusing the data set (migrated to the current head)")
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
    else:
        print("generating the data set")
        started = time.perf_counter()
        generate(app, options.scale, options.seed)
        print(f"  generated in {time.perf_counter() - started:.0f} s")
    for table, count in counts(app).items():
        print(f"  {table:32s} {count:>12,}")
    print("rollups")
    rollups(app, fresh_load)
    if options.explain:
        explain(app)
    print(f"timings ({options.iterations} warm requests each, Flask test client, signed in)")
    ok = measure(app, options.iterations)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}; targets {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
