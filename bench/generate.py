"""The one benchmark data generator: an MSSP-sized data set, bulk-loaded with COPY, from a seed.

    MSSP_EMBEDDED_DATABASE=mssp_bench_scale .venv/bin/python bench/generate.py --scale 0.2
    .venv/bin/python bench/generate.py --scale 1 --database mssp_bench_scale   # the issue's volumes

Scale 1 is the volume of issue 12: 100,000 clients, 300,000 contracts with 400,000 service
scopes, 1,000,000 financial transactions, 10,000 license pools with 200,000 assignments,
50,000 hardware assets, 500,000 tickets and 10,000,000 service metric points (plus SLA
metrics, subscription snapshots and the dashboard rollups derived from them in SQL).

The database is emptied first (its `public` schema is dropped and migrated to the head),
so give it a database of its own. Rows are produced in Python in batches and sent with
psycopg2 `copy_expert` (COPY FROM STDIN); every batch has its own random generator seeded
from (--seed, table, batch), and keys are derived from row numbers, so the same seed and
scale give the same rows. Foreign-key triggers are skipped during the load
(`session_replication_role = replica`): the rows are consistent by construction, and the
business rules hold too: seats held in a pool never exceed its `total_seats`, contract and
scope dates are ordered, revenue is linked to its client, contract and scope in one currency,
tickets are resolved after they are opened, metric points are unique per series and hour.

Other benchmarks import from here: `generate(app, scale, seed)`, `sizes(scale)`,
`USERS` / `BENCH_PASSWORD` (bench users, one per role) and `ids` (the key of row n).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.licensing import RECOUNT_SQL  # noqa: E402

BENCH_PASSWORD = "copper-harbor-lantern-2026"
USERS = {
    "Admin": "bench.admin@mssp.example",
    "Manager": "bench.manager@mssp.example",
    "Account Manager": "bench.am@mssp.example",
    "Engineer": "bench.engineer@mssp.example",
}
#: Hours of history per metric series; the number of series follows from the point count.
METRIC_HOURS = 24 * 90
METRICS = (("endpoints_online_pct", "%", 1), ("events_per_second", "eps", 2))
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
CURRENCIES = ("USD", "EUR", "GBP")
INDUSTRIES = ("Finance", "Healthcare", "Retail", "Manufacturing", "Energy", "Public sector", "Logistics")
SOURCES = ("referral", "website", "inbound_call", "outbound_campaign", "event", "partner", "tender")
SIZES = ("micro", "small", "medium", "large", "enterprise")
TIERS = ("bronze", "silver", "gold", "platinum")
WORDS = (
    "Apex",
    "Blue",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Nova",
    "Orion",
    "Pioneer",
    "Quartz",
    "Summit",
    "Vertex",
    "Zenith",
)
SUFFIXES = ("Systems", "Holdings", "Logistics", "Health", "Bank", "Energy", "Retail", "Labs", "Group")
BATCH = 50_000
BASE = datetime(2026, 11, 1, tzinfo=UTC)  # fixed "now" of the data: reproducible dates

# Key prefixes: the id of row n of a table is uuid `<prefix>-0000-4000-8000-<n>`.
_PREFIX = {
    "service": 1,
    "client": 2,
    "contract": 3,
    "scope": 4,
    "transaction": 5,
    "pool": 6,
    "license": 7,
    "asset": 8,
    "ticket": 9,
}


def ids(kind: str, n: int) -> str:
    return f"{_PREFIX[kind]:08x}-0000-4000-8000-{n:012x}"


def sizes(scale: float) -> dict[str, int]:
    def at(full: int, floor: int) -> int:
        return max(int(full * scale), floor)

    return {
        "clients": at(100_000, 100),
        "contracts": at(300_000, 300),
        "transactions": at(1_000_000, 1000),
        "pools": at(10_000, 10),
        "licenses": at(200_000, 200),
        "assets": at(50_000, 50),
        "tickets": at(500_000, 500),
        "points": at(10_000_000, 10_000),
    }


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.started = label, max(total, 1), 0, time.perf_counter()

    def add(self, n: int) -> None:
        self.done += n
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed else 0
        sys.stderr.write(
            f"\r  {self.label:28s} [{bar:30s}] {self.done:>11,}/{self.total:,} {rate:>9,.0f} rows/s"
        )
        sys.stderr.flush()

    def close(self) -> float:
        elapsed = time.perf_counter() - self.started
        sys.stderr.write("\n")
        return elapsed


def _copy(
    cursor,
    table: str,
    columns: str,
    total: int,
    rows: Callable[[random.Random, int, int], Iterable[str]],
    seed: int,
) -> None:
    progress = Progress(table, total)
    for batch, start in enumerate(range(0, total, BATCH)):
        end = min(start + BATCH, total)
        rng = random.Random(f"{seed}-{table}-{batch}")
        buffer = io.StringIO("".join(rows(rng, start, end)))
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
        progress.add(end - start)
    progress.close()


def _day(d: date) -> str:
    return d.isoformat()


# --- the tables ------------------------------------------------------------------------------


def _clients(n: dict[str, int]):
    def rows(rng: random.Random, start: int, end: int):
        for i in range(start, end):
            status = (
                "active",
                "active",
                "active",
                "active",
                "active",
                "active",
                "active",
                "inactive",
                "prospect",
                "archived",
            )[i % 10]
            name = f"{WORDS[i % 20]} {WORDS[(i // 20) % 20]} {SUFFIXES[i % 9]} {i:06d}"
            cf = json.dumps({"tier": TIERS[rng.randrange(4)], "employees": rng.randrange(10, 50_000)})
            first = _day(BASE.date() - timedelta(days=rng.randrange(3000)))
            yield (
                f"{ids('client', i)}\t{name}\tContact {i}\tcontact{i}@client{i}.example\t"
                f"{INDUSTRIES[rng.randrange(7)]}\t{status}\t{SOURCES[rng.randrange(7)]}\t"
                f"{rng.randrange(101)}\t{rng.randrange(1000, 500_000)}\t{CURRENCIES[i % 3]}\t"
                f"{SIZES[rng.randrange(5)]}\t{first}\t{cf}\n"
            )

    return (
        "clients",
        "id, company_name, contact_name, contact_email, industry, status, client_source, "
        "lead_score, estimated_deal_value, currency, company_size, first_interaction_date, "
        "custom_field_data",
        n["clients"],
        rows,
    )


def _contract_client(n: dict[str, int], k: int) -> int:
    return k % n["clients"]


def _contract_dates(k: int) -> tuple[date, date, str]:
    end = BASE.date() - timedelta(days=400) + timedelta(days=(k * 7919) % 1100)
    start = end - timedelta(days=365 * (1 + k % 3))
    status = "active" if end >= BASE.date() else ("expired" if k % 7 else "terminated")
    if k % 53 == 0:
        status = "draft"
    return start, end, status


def _contracts(n: dict[str, int]):
    def rows(rng: random.Random, start: int, end: int):
        for k in range(start, end):
            c = _contract_client(n, k)
            begin, finish, status = _contract_dates(k)
            yield (
                f"{ids('contract', k)}\t{ids('client', c)}\tContract {k:07d} {WORDS[k % 20]}\t"
                f"{_day(begin)}\t{_day(finish)}\t{_day(finish - timedelta(days=60))}\t"
                f"{rng.randrange(5_000, 2_000_000)}\t{CURRENCIES[c % 3]}\t{status}\n"
            )

    return (
        "contracts",
        "id, client_id, contract_name, start_date, end_date, renewal_date, value, currency, status",
        n["contracts"],
        rows,
    )


def _scope_count(n: dict[str, int]) -> int:
    """One scope per contract, a second one on every third contract."""
    return n["contracts"] + (n["contracts"] + 2) // 3


def _scope_contract(n: dict[str, int], s: int) -> int:
    return s if s < n["contracts"] else (s - n["contracts"]) * 3


def _scopes(n: dict[str, int]):
    units = ("endpoint", "server", "user", "mailbox", "site")

    def rows(rng: random.Random, start: int, end: int):
        for s in range(start, end):
            k = _scope_contract(n, s)
            begin, finish, _status = _contract_dates(k)
            yield (
                f"{ids('scope', s)}\t{ids('contract', k)}\t{ids('service', 1 + (k + s) % 12)}\t"
                f"{rng.randrange(5, 400)}\t{CURRENCIES[_contract_client(n, k) % 3]}\t"
                f"{rng.randrange(1, 2000)}\t{units[s % 5]}\t{_day(begin)}\t{_day(finish)}\tactive\n"
            )

    return (
        "service_scopes",
        "id, contract_id, service_id, price, currency, quantity, unit, "
        "saf_service_start_date, saf_service_end_date, saf_status",
        _scope_count(n),
        rows,
    )


def _transactions(n: dict[str, int]):
    costs = ("cost_license", "cost_hardware", "cost_personnel", "cost_infrastructure", "cost_subcontractor")
    statuses = ("paid", "paid", "paid", "invoiced", "pending", "overdue", "cancelled")
    scopes = _scope_count(n)

    def rows(rng: random.Random, start: int, end: int):
        for t in range(start, end):
            day = _day(BASE.date() - timedelta(days=rng.randrange(730)))
            status = statuses[rng.randrange(7)]
            if t % 10 < 6:  # revenue of a scope: its contract and client, in their currency
                s = rng.randrange(scopes)
                k = _scope_contract(n, s)
                c = _contract_client(n, k)
                yield (
                    f"{ids('transaction', t)}\trevenue_contract\t{rng.randrange(100, 50_000)}\t"
                    f"{CURRENCIES[c % 3]}\t{day}\t{status}\t{ids('client', c)}\t{ids('contract', k)}\t"
                    f"{ids('scope', s)}\t\\N\t\\N\tMonthly fee {t}\n"
                )
            elif t % 10 == 6:
                c = rng.randrange(n["clients"])
                yield (
                    f"{ids('transaction', t)}\trevenue_professional_services\t{rng.randrange(500, 90_000)}"
                    f"\t{CURRENCIES[c % 3]}\t{day}\t{status}\t{ids('client', c)}\t\\N\t\\N\t\\N\t\\N\t"
                    f"Workshop {t}\n"
                )
            else:
                kind = costs[rng.randrange(5)]
                pool = ids("pool", rng.randrange(n["pools"])) if kind == "cost_license" else "\\N"
                asset = ids("asset", rng.randrange(n["assets"])) if kind == "cost_hardware" else "\\N"
                client = ids("client", rng.randrange(n["clients"])) if t % 2 else "\\N"
                yield (
                    f"{ids('transaction', t)}\t{kind}\t{rng.randrange(50, 20_000)}\tUSD\t{day}\t{status}\t"
                    f"{client}\t\\N\t\\N\t{pool}\t{asset}\tCost {t}\n"
                )

    return (
        "financial_transactions",
        "id, transaction_type, amount, currency, transaction_date, status, "
        "client_id, contract_id, service_scope_id, license_pool_id, hardware_asset_id, description",
        n["transactions"],
        rows,
    )


def _per_pool(n: dict[str, int]) -> int:
    return max(n["licenses"] // n["pools"], 1)


def _pools(n: dict[str, int]):
    """A pool's size is the seats its holding assignments take, plus some free seats."""
    types = ("subscription", "term", "perpetual", "consumption")
    per_pool = _per_pool(n)

    def rows(rng: random.Random, start: int, end: int):
        for p in range(start, end):
            last = n["licenses"] if p == n["pools"] - 1 else min((p + 1) * per_pool, n["licenses"])
            held = sum(_license(n, a)[1] for a in range(p * per_pool, last))
            expiry = _day(BASE.date() + timedelta(days=(p * 37) % 900 - 100))
            yield (
                f"{ids('pool', p)}\tBench product {p:05d}\t{WORDS[p % 20]} Security\t{types[p % 4]}\t"
                f"{held + rng.randrange(0, 200)}\t{expiry}\t{rng.randrange(1, 40)}\tUSD\n"
            )

    return (
        "license_pools",
        "id, product_name, vendor, license_type, total_seats, expiry_date, cost_per_seat, currency",
        n["pools"],
        rows,
    )


def _license(n: dict[str, int], a: int) -> tuple[str, int]:
    """(status, seats held) of assignment a: deterministic, so the pool sizes can follow."""
    status = (
        "active",
        "active",
        "active",
        "active",
        "active",
        "active",
        "pending",
        "suspended",
        "revoked",
        "expired",
    )[a % 10]
    seats = 1 + (a * 7) % 50
    return status, seats if status in ("pending", "active", "suspended") else 0


def _licenses(n: dict[str, int]):
    per_pool = _per_pool(n)

    def rows(rng: random.Random, start: int, end: int):
        for a in range(start, end):
            status, _held = _license(n, a)
            seats = 1 + (a * 7) % 50
            assigned = _day(BASE.date() - timedelta(days=rng.randrange(700)))
            yield (
                f"{ids('license', a)}\t{ids('pool', min(a // per_pool, n['pools'] - 1))}\t"
                f"{ids('client', (a * 7) % n['clients'])}\t{seats}\t{assigned}\t{status}\n"
            )

    return (
        "client_licenses",
        "id, license_pool_id, client_id, assigned_seats, assignment_date, status",
        n["licenses"],
        rows,
    )


def _assets(n: dict[str, int]):
    types = ("firewall", "router", "switch", "wireless_access_point", "server", "laptop", "log_collector")
    makers = ("Fortinet", "Cisco", "Palo Alto", "Juniper", "Dell", "HPE", "Lenovo")
    statuses = ("in_use", "in_use", "in_use", "in_stock", "maintenance", "retired")

    def rows(rng: random.Random, start: int, end: int):
        for h in range(start, end):
            yield (
                f"{ids('asset', h)}\tAT-{h:07d}\tSN{h:09d}X\tdevice-{h:06d}\t{makers[h % 7]}\t"
                f"M{rng.randrange(100, 999)}\t{types[h % 7]}\t{statuses[rng.randrange(6)]}\n"
            )

    return (
        "hardware_assets",
        "id, asset_tag, serial_number, device_name, manufacturer, model, asset_type, status",
        n["assets"],
        rows,
    )


def _tickets(n: dict[str, int]):
    open_statuses = ("open", "in_progress", "waiting_on_client")
    priorities = ("critical", "high", "medium", "low")
    due = {"critical": (1, 4), "high": (4, 24), "medium": (8, 72), "low": (24, 168)}

    def rows(rng: random.Random, start: int, end: int):
        for t in range(start, end):
            opened = BASE - timedelta(minutes=rng.randrange(365 * 24 * 60))
            priority = priorities[rng.randrange(4)]
            respond_h, resolve_h = due[priority]
            responded = opened + timedelta(minutes=rng.randrange(1, respond_h * 90))
            closed = t % 20 != 0
            resolved = opened + timedelta(hours=rng.randrange(1, resolve_h * 2)) if closed else None
            status = ("closed" if t % 3 else "resolved") if closed else open_statuses[t % 3]
            breached = responded > opened + timedelta(hours=respond_h) or (
                resolved is not None and resolved > opened + timedelta(hours=resolve_h)
            )
            yield (
                f"{ids('ticket', t)}\t{ids('client', (t * 13) % n['clients'])}\tjira\tMSSP-{t}\t"
                f"Alert triage {t} {WORDS[t % 20]}\t{status}\t{priority}\t{opened.isoformat()}\t"
                f"{responded.isoformat()}\t{resolved.isoformat() if resolved else chr(92) + 'N'}\t"
                f"{(opened + timedelta(hours=respond_h)).isoformat()}\t"
                f"{(opened + timedelta(hours=resolve_h)).isoformat()}\t{'t' if breached else 'f'}\n"
            )

    return (
        "ticket_summaries",
        "id, client_id, source, external_key, summary, status, priority, opened_at, "
        "first_response_at, resolved_at, response_due_at, resolution_due_at, is_sla_breached",
        n["tickets"],
        rows,
    )


def _metric_series(n: dict[str, int]) -> int:
    return max(n["points"] // (METRIC_HOURS * len(METRICS)), 1)


def _metrics(n: dict[str, int]):
    """Hourly points of two metrics for `series` clients; point p is (client, metric, hour)."""
    series = _metric_series(n)
    total = series * METRIC_HOURS * len(METRICS)
    end_hour = BASE.replace(minute=0, second=0, microsecond=0)
    hours = [(end_hour - timedelta(hours=h)).isoformat() for h in range(METRIC_HOURS)]
    services = {svc: ids("service", svc) for _m, _u, svc in METRICS}
    clients = max(n["clients"] // series, 1)

    def rows(rng: random.Random, start: int, end: int):
        for p in range(start, end):
            h = p % METRIC_HOURS
            m = (p // METRIC_HOURS) % len(METRICS)
            c = p // (METRIC_HOURS * len(METRICS))
            name, unit, svc = METRICS[m]
            wave = math.sin(h / 3.8)
            value = (
                min(100.0, 96 + 3 * wave + (c % 7) / 7.0)
                if unit == "%"
                else 2000 + 900 * wave + (c % 11) * 40
            )
            yield (
                f"{ids('client', (c * clients) % n['clients'])}\t{services[svc]}\t{name}\t{hours[h]}\t"
                f"{value:.3f}\t{unit}\n"
            )

    return (
        "service_performance_metrics",
        'client_id, service_id, metric_name, "timestamp", value, unit',
        total,
        rows,
    )


# --- derived in SQL (the dashboards read them) -------------------------------------------------

DERIVED = [
    (
        "sla_metrics",
        """
        INSERT INTO sla_metrics (client_id, service_scope_id, metric_name, period_start, period_end,
                                 target_value, actual_value, unit, is_breached)
        SELECT k.client_id, s.id, m.name, p, (p + interval '1 month' - interval '1 day')::date, m.target, a,
               m.unit, CASE WHEN m.higher THEN a < m.target ELSE a > m.target END
        FROM service_scopes s JOIN contracts k ON k.id = s.contract_id AND k.status = 'active',
             generate_series(1, 6) mo,
             (VALUES (1, 'P1 time to acknowledge', 15.0, 'minutes', false, 3.0, 16.0),
                     (2, 'Monitoring availability', 99.9, 'percent', true, 99.89, 100.0))
                 AS m(n, name, target, unit, higher, low, high),
             LATERAL (SELECT (date_trunc('month', CAST(:base AS date))
                              - make_interval(months => mo))::date AS p,
                             round((m.low + (m.high - m.low) * (abs(hashtext(s.id::text || mo || m.n)) % 100)
                                    / 99.0)::numeric, 2) AS a) v
        WHERE abs(hashtext(s.id::text)) % :sla_every = 0""",
    ),
    (
        "client_subscription_snapshots",
        """
        INSERT INTO client_subscription_snapshots (snapshot_date, client_id, currency, active_client_count,
                                                   active_contract_count, monthly_recurring_revenue)
        SELECT (date_trunc('month', CAST(:base AS date)) - make_interval(months => m)
                - interval '1 day')::date,
               c.id, c.currency, 1, 1, 100 + abs(hashtext(c.id::text)) % 5000
        FROM clients c, generate_series(0, 11) m WHERE c.status = 'active'""",
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
        "client_team_assignments",
        """
        INSERT INTO client_team_assignments (user_id, client_id, assignment_role)
        SELECT :am_id, id, 'account_manager' FROM clients
        WHERE status = 'active' ORDER BY id LIMIT :am_clients""",
    ),
    (
        "custom_field_definitions",
        """
        INSERT INTO custom_field_definitions (entity_type, name, label, field_type, select_options,
                                              show_in_list, is_filterable)
        VALUES ('client', 'tier', 'Tier', 'select', CAST(:tiers AS jsonb), true, true),
               ('client', 'employees', 'Employees', 'integer', NULL, false, true)""",
    ),
    # COPY bypasses the seat rules that keep each pool's counter: fill it as the migration does.
    ("license_pools.assigned_seats", RECOUNT_SQL),
]


def generate(app, scale: float, seed: int = 12, points: int | None = None) -> dict[str, float]:
    """Empty the app's database, migrate it, add the bench users and load the data set
    (`points`: that many metric points instead of the scale's, for benches that skip them)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.security.sync import sync_roles
    from app.services.accounts.users import create_user

    n = sizes(scale)
    if points is not None:
        n["points"] = points
    timings: dict[str, float] = {}
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        sync_roles(app.appbuilder)
        for role, email in USERS.items():
            create_user(app.appbuilder, email, BENCH_PASSWORD, "Bench", role.split()[0], role)
        am_id = app.appbuilder.sm.find_user(email=USERS["Account Manager"]).id
        db.session.remove()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                "INSERT INTO services (id, name, category, delivery_model, currency, base_price) "
                "SELECT id::uuid, name, category, 'fully_managed', 'USD', 100 FROM unnest(%s, %s, %s) "
                "AS s(id, name, category)",
                (
                    [ids("service", i + 1) for i in range(len(SERVICES))],
                    [s[1] for s in SERVICES],
                    [s[0] for s in SERVICES],
                ),
            )
            for make in (
                _clients,
                _contracts,
                _scopes,
                _pools,
                _licenses,
                _assets,
                _transactions,
                _tickets,
                _metrics,
            ):
                table, columns, total, rows = make(n)
                started = time.perf_counter()
                _copy(cursor, table, columns, total, rows, seed)
                raw.commit()
                timings[table] = time.perf_counter() - started
            cursor.execute("SET session_replication_role = DEFAULT")
            raw.commit()
        finally:
            raw.close()
        params = {
            "base": BASE.date(),
            "am_id": am_id,
            "am_clients": max(n["clients"] // 500, 5),
            "sla_every": max(1, round(_scope_count(n) / 20_000)),
            "tiers": json.dumps(TIERS),
        }
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for name, sql in DERIVED:
                started = time.perf_counter()
                count = conn.execute(text(sql), params).rowcount
                timings[name] = time.perf_counter() - started
                print(f"  {name:38s} {count:>11,} rows {timings[name]:6.1f} s", flush=True)
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
        print(f"  {'VACUUM ANALYZE':38s} {'':>16} {timings['vacuum analyze']:6.1f} s", flush=True)
        from app.dashboards.rollups import refresh_rollups

        started = time.perf_counter()
        refresh_rollups(full=True)
        db.session.remove()
        timings["dashboard rollups"] = time.perf_counter() - started
        print(
            f"  {'dashboard rollups (full)':38s} {'':>16} {timings['dashboard rollups']:6.1f} s", flush=True
        )
    return timings


def counts(app) -> dict[str, int]:
    from sqlalchemy import text

    from app.extensions import db

    tables = (
        "clients",
        "contracts",
        "service_scopes",
        "financial_transactions",
        "license_pools",
        "client_licenses",
        "hardware_assets",
        "ticket_summaries",
        "service_performance_metrics",
        "sla_metrics",
        "client_subscription_snapshots",
    )
    with app.app_context():
        found = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
        db.session.remove()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.05, help="1.0 = the issue's volumes")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--database",
        default=os.environ.get("MSSP_EMBEDDED_DATABASE", "mssp_bench_scale"),
        help="embedded database name (BENCH_DATABASE_URL overrides)",
    )
    parser.add_argument(
        "--few-metric-points",
        action="store_true",
        help="10,000 metric points whatever the scale (the search and list benches do not read them)",
    )
    options = parser.parse_args()
    os.environ.setdefault("MSSP_ENV", "development")
    os.environ["MSSP_EMBEDDED_DATABASE"] = options.database
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    from app import create_app

    app = create_app()
    n = sizes(options.scale)
    points = 10_000 if options.few_metric_points else None
    if points is not None:
        n["points"] = points
    print(
        f"scale {options.scale} seed {options.seed} into {options.database}: "
        + ", ".join(f"{v:,} {k}" for k, v in n.items()),
        flush=True,
    )
    started = time.perf_counter()
    generate(app, options.scale, options.seed, points)
    print(f"generated in {time.perf_counter() - started:.0f} s")
    for table, count in counts(app).items():
        print(f"  {table:32s} {count:>12,}")


if __name__ == "__main__":
    main()
