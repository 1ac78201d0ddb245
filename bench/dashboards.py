"""Dashboard benchmark: a big data set in its own database, then overview and chart timings.

    .venv/bin/python bench/dashboards.py              # scale 0.05: 5k clients, 50k transactions, 500k points
    .venv/bin/python bench/dashboards.py --scale 1    # the target: 100k clients, 1M transactions, 10M points
    .venv/bin/python bench/dashboards.py --reuse      # keep the data of a previous run at the same scale

The data is generated inside PostgreSQL (INSERT ... SELECT over generate_series: no
Python row loop, faster than COPY from the client) into the embedded server's
database `mssp_bench_dash` (or BENCH_DATABASE_URL). The rollups are built in full,
then refreshed incrementally after one new hour of points. Each page and JSON
endpoint is then requested through the Flask test client as a signed-in user
(FAB's permission checks included), warm, `--iterations` times; p50 and p95 are
printed in milliseconds. Targets: overview < 300 ms, each chart < 100 ms (p95).
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

BENCH_PASSWORD = "copper-harbor-lantern-2026"
USERS = {
    "Manager": "bench.manager@mssp.example",
    "Account Manager": "bench.am@mssp.example",
    "Engineer": "bench.engineer@mssp.example",
}
#: Hours of history per metric series; the number of series follows from the point count.
METRIC_HOURS = 24 * 90
METRICS = (("endpoints_online_pct", "%", "edr"), ("events_per_second", "eps", "siem"))
SERVICES = (
    ("edr", "Bench Managed EDR"),
    ("siem", "Bench Managed SIEM"),
    ("ndr", "Bench NDR"),
    ("mdr", "Bench MDR"),
    ("soc", "Bench SOC"),
    ("vulnerability_management", "Bench VM"),
    ("email_security", "Bench Email"),
    ("cloud_security", "Bench Cloud"),
    ("firewall_management", "Bench Firewall"),
    ("incident_response", "Bench IR"),
    ("compliance", "Bench Compliance"),
    ("consulting", "Bench Consulting"),
)


def sizes(scale: float) -> dict[str, int]:
    clients = max(int(100_000 * scale), 100)
    return {
        "clients": clients,
        "transactions": max(int(1_000_000 * scale), 1000),
        "points": max(int(10_000_000 * scale), 10_000),
        "am_clients": max(clients // 500, 5),
    }


# --- data generation (all in SQL) ------------------------------------------------------------

STEPS: list[tuple[str, str]] = [
    (
        "services",
        """
        INSERT INTO services (id, name, category, delivery_model, currency)
        SELECT md5('svc' || n)::uuid, name, category, 'fully_managed', 'USD'
        FROM unnest(CAST(:names AS text[]), CAST(:categories AS text[]))
             WITH ORDINALITY AS s(name, category, n)""",
    ),
    (
        "clients",
        """
        INSERT INTO clients (id, company_name, status, currency)
        SELECT md5('c' || i)::uuid, 'Bench Client ' || lpad(i::text, 6, '0'),
               CASE WHEN i % 10 < 7 THEN 'active' WHEN i % 10 = 7 THEN 'inactive'
                    WHEN i % 10 = 8 THEN 'prospect' ELSE 'archived' END,
               (ARRAY['USD', 'EUR', 'GBP'])[1 + i % 3]
        FROM generate_series(1, :clients) i""",
    ),
    (
        "contracts",
        """
        INSERT INTO contracts (id, client_id, contract_name, start_date, end_date, value, currency, status)
        SELECT md5('k' || i)::uuid, md5('c' || i)::uuid, 'Bench contract ' || i,
               e - 365, e, 1000 + (i * 37) % 100000, (ARRAY['USD', 'EUR', 'GBP'])[1 + i % 3],
               CASE WHEN i % 10 < 7 THEN 'active' ELSE 'expired' END
        FROM generate_series(1, :clients) i,
             LATERAL (SELECT CASE WHEN i % 10 < 7 THEN CURRENT_DATE - 30 + (i * 7919) % 730
                                  ELSE CURRENT_DATE - 30 - (i % 300) END AS e) d
        WHERE i % 10 <> 8""",
    ),
    (
        "service_scopes",
        """
        INSERT INTO service_scopes (id, contract_id, service_id, price, currency, quantity)
        SELECT md5('s' || i || '-' || j)::uuid, md5('k' || i)::uuid,
               md5('svc' || (1 + (i + j * 5) % 12))::uuid, 10, (ARRAY['USD', 'EUR', 'GBP'])[1 + i % 3], 10
        FROM generate_series(1, :clients) i, generate_series(0, 1) j WHERE i % 10 <> 8""",
    ),
    (
        "financial_transactions (revenue)",
        """
        INSERT INTO financial_transactions (transaction_type, amount, currency, transaction_date, status,
                                            client_id, contract_id, service_scope_id, created_at, updated_at)
        SELECT 'revenue_contract', 100 + (i * 13) % 5000, (ARRAY['USD', 'EUR', 'GBP'])[1 + i % 3],
               (date_trunc('month', CURRENT_DATE) - make_interval(months => m))::date,
               CASE WHEN m = 0 THEN 'pending' WHEN i % 50 = 0 THEN 'cancelled' ELSE 'paid' END,
               md5('c' || i)::uuid, md5('k' || i)::uuid, md5('s' || i || '-0')::uuid, :aged, :aged
        FROM generate_series(1, :clients) i, generate_series(0, 11) m
        WHERE i % 10 < 7 AND (i * 12 + m) % :revenue_every = 0""",
    ),
    (
        "financial_transactions (costs)",
        """
        INSERT INTO financial_transactions (transaction_type, amount, currency, transaction_date, status,
                                            client_id, created_at, updated_at)
        SELECT (ARRAY['cost_license', 'cost_personnel', 'cost_infrastructure', 'cost_hardware'])[1 + n % 4],
               50 + (n * 7) % 3000, (ARRAY['USD', 'EUR', 'GBP'])[1 + n % 3], CURRENT_DATE - n % 365, 'paid',
               CASE WHEN n % 2 = 0 THEN md5('c' || (1 + n % :clients))::uuid END, :aged, :aged
        FROM generate_series(1, :costs) n""",
    ),
    (
        "sla_metrics",
        """
        INSERT INTO sla_metrics (client_id, service_scope_id, metric_name, period_start, period_end,
                                 target_value, actual_value, unit, is_breached, created_at, updated_at)
        SELECT md5('c' || i)::uuid, md5('s' || i || '-' || (k % 2))::uuid, s.name,
               p, (p + interval '1 month' - interval '1 day')::date, s.target, a, s.unit,
               CASE WHEN s.higher THEN a < s.target ELSE a > s.target END, :aged, :aged
        FROM generate_series(1, :clients) i, generate_series(1, 6) m,
             (VALUES (1, 'P1 time to acknowledge', 15.0, 'minutes', false, 3.0, 16.0),
                     (2, 'P1 time to resolve', 4.0, 'hours', false, 1.0, 4.3),
                     (3, 'Monitoring availability', 99.9, 'percent', true, 99.89, 100.0))
                 AS s(k, name, target, unit, higher, low, high),
             LATERAL (SELECT (date_trunc('month', CURRENT_DATE) - make_interval(months => m))::date AS p,
                             round((s.low + (s.high - s.low) * ((i * 31 + m * 17 + s.k * 7) % 100) / 99.0)
                                   ::numeric, 2) AS a) v
        WHERE i % 10 < 7""",
    ),
    (
        "ticket_summaries",
        """
        INSERT INTO ticket_summaries (client_id, source, external_key, summary, status, priority, opened_at,
                                      resolved_at, is_sla_breached, created_at, updated_at)
        SELECT md5('c' || i)::uuid, 'jira', 'B-' || i || '-' || t, 'Bench ticket',
               CASE WHEN (i + t) % 20 = 0 THEN (ARRAY['open', 'in_progress', 'waiting_on_client'])[1 + i % 3]
                    ELSE 'closed' END,
               (ARRAY['critical', 'high', 'medium', 'low'])[1 + (i * 7 + t) % 4], o,
               CASE WHEN (i + t) % 20 <> 0 THEN o + make_interval(hours => 1 + (i + t) % 72) END,
               (i * t) % 13 = 0, :aged, :aged
        FROM generate_series(1, :clients) i, generate_series(1, 5) t,
             LATERAL (SELECT now() - make_interval(hours => 1 + (i * 131 + t * 977) % 8700) AS o) v
        WHERE i % 10 < 7""",
    ),
    (
        "service_performance_metrics",
        """
        INSERT INTO service_performance_metrics
            (client_id, service_id, metric_name, "timestamp", value, unit, created_at, updated_at)
        SELECT md5('c' || (c * 10 + 1))::uuid, md5('svc' || m.svc)::uuid, m.name,
               date_trunc('hour', now()) - make_interval(hours => h),
               CASE WHEN m.unit = '%' THEN least(100, 96 + 3 * sin(h / 3.8) + (c % 7) / 7.0)
                    ELSE 2000 + 900 * sin(h / 3.8) + (c % 11) * 40 END,
               m.unit, :aged, :aged
        FROM generate_series(0, :metric_clients - 1) c, generate_series(0, :hours - 1) h,
             (VALUES ('endpoints_online_pct', '%', 1), ('events_per_second', 'eps', 2))
                 AS m(name, unit, svc)""",
    ),
    (
        "client_subscription_snapshots (clients)",
        """
        INSERT INTO client_subscription_snapshots (snapshot_date, client_id, currency, active_client_count,
                                                   active_contract_count, monthly_recurring_revenue)
        SELECT (date_trunc('month', CURRENT_DATE) - make_interval(months => m) - interval '1 day')::date,
               md5('c' || i)::uuid, (ARRAY['USD', 'EUR', 'GBP'])[1 + i % 3], 1, 1, 100 + (i * 13) % 5000
        FROM generate_series(1, :clients) i, generate_series(0, 11) m WHERE i % 10 < 7""",
    ),
    (
        "client_subscription_snapshots (MSSP)",
        """
        INSERT INTO client_subscription_snapshots (snapshot_date, client_id, currency, active_client_count,
                                                   monthly_recurring_revenue)
        SELECT snapshot_date, NULL, currency, count(*), sum(monthly_recurring_revenue)
        FROM client_subscription_snapshots WHERE client_id IS NOT NULL GROUP BY snapshot_date, currency""",
    ),
    (
        "license_pools",
        """
        INSERT INTO license_pools (id, product_name, vendor, license_type, total_seats, currency)
        SELECT md5('pool' || p)::uuid, 'Bench product ' || p, 'Bench vendor', 'subscription', 0, 'USD'
        FROM generate_series(1, 40) p""",
    ),
    (
        "client_licenses",
        """
        INSERT INTO client_licenses (license_pool_id, client_id, assigned_seats, status)
        SELECT md5('pool' || (1 + i % 40))::uuid, md5('c' || i)::uuid, 1 + i % 50,
               CASE WHEN i % 10 < 7 THEN 'active' ELSE 'revoked' END
        FROM generate_series(1, :clients) i WHERE i % 10 <> 8""",
    ),
    (
        "license pool sizes",
        """
        UPDATE license_pools p
        SET total_seats = ceil(u.seats * (0.9 + (abs(hashtext(p.product_name)) % 30) / 100.0))
        FROM (SELECT license_pool_id, sum(assigned_seats) AS seats FROM client_licenses
              WHERE status = 'active' GROUP BY 1) u WHERE u.license_pool_id = p.id""",
    ),
    (
        "team assignments of the bench account manager",
        """
        INSERT INTO client_team_assignments (user_id, client_id, assignment_role)
        SELECT :am_id, md5('c' || i)::uuid, 'account_manager'
        FROM generate_series(1, :clients) i WHERE i % 10 < 7 AND i % 350 = 0 LIMIT :am_clients""",
    ),
]


def generate(app, scale: float) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.security.sync import sync_roles
    from app.services.users import create_user

    n = sizes(scale)
    revenue_rows = n["clients"] * 7 // 10 * 12
    params = {
        "clients": n["clients"],
        "costs": max(n["transactions"] - revenue_rows, n["transactions"] // 10),
        "revenue_every": max(1, round(revenue_rows / max(n["transactions"] * 0.9, 1))),
        "metric_clients": max(n["points"] // (METRIC_HOURS * len(METRICS)), 1),
        "hours": METRIC_HOURS,
        "am_clients": n["am_clients"],
        # Written "yesterday": the incremental refresh then sees only what the run adds.
        "aged": datetime.now(UTC) - timedelta(days=1),
        "names": [name for _category, name in SERVICES],
        "categories": [category for category, _name in SERVICES],
    }
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        sync_roles(app.appbuilder)
        for role, email in USERS.items():
            create_user(app.appbuilder, email, BENCH_PASSWORD, "Bench", role.split()[0], role)
        params["am_id"] = app.appbuilder.sm.find_user(email=USERS["Account Manager"]).id
        db.session.remove()
        with db.engine.begin() as conn:
            # The rows are consistent by construction: skip the per-row foreign-key triggers.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for name, sql in STEPS:
                started = time.perf_counter()
                count = conn.execute(text(sql), params).rowcount
                print(f"  {name:45s} {count:>11,} rows  {time.perf_counter() - started:6.1f} s", flush=True)
        vacuum(app)


def vacuum(app) -> None:
    from app.extensions import db

    with app.app_context():
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"  {'VACUUM ANALYZE':45s} {'':>16}  {time.perf_counter() - started:6.1f} s")


def counts(app) -> dict[str, int]:
    from sqlalchemy import text

    from app.extensions import db

    tables = (
        "clients",
        "contracts",
        "financial_transactions",
        "service_performance_metrics",
        "sla_metrics",
        "ticket_summaries",
        "client_subscription_snapshots",
        "client_licenses",
    )
    with app.app_context():
        return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


# --- rollups ---------------------------------------------------------------------------------


def rollups(app) -> None:
    from sqlalchemy import text

    from app.dashboards.rollups import refresh_rollups
    from app.extensions import db

    with app.app_context():
        full = refresh_rollups(full=True)
        print(f"  full rebuild: {full.seconds:.1f} s")
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
    # Custom ranges have no precomputed top-clients window: summed from the transactions
    # (reported, not counted against the targets, which are for the presets).
    print("\n  Custom ranges (top clients summed live)")
    today = datetime.now(UTC).date()
    for days in (45, 180, 730):
        start = (today - timedelta(days=days - 1)).isoformat()
        query = f"range=custom&from={start}&to={today.isoformat()}"
        url = f"/dashboards/api/chart/revenue_top_clients?{query}"
        samples = timed(lambda u=url: manager.get(u), iterations)
        report(f"chart revenue_top_clients ({days} days)", *samples, 100)
        url = f"/dashboards/?{query}"
        report(f"overview page ({days} days)", *timed(lambda u=url: manager.get(u), iterations), 300)
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
    if existing.get("clients") == n["clients"]:
        print("reusing the data set (migrated to the current head)")
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
    else:
        print("generating the data set")
        started = time.perf_counter()
        generate(app, options.scale)
        print(f"  generated in {time.perf_counter() - started:.0f} s")
    for table, count in counts(app).items():
        print(f"  {table:32s} {count:>12,}")
    print("rollups")
    rollups(app)
    print(f"timings ({options.iterations} warm requests each, Flask test client, signed in)")
    ok = measure(app, options.iterations)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}; targets {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
