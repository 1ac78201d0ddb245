"""Benchmarks of the served app at MSSP scale (issue 12): p50/p95 per page, beside the targets.

    .venv/bin/python bench/generate.py --scale 1 --database mssp_bench_scale    # once
    .venv/bin/python bench/run.py --database mssp_bench_scale [--iterations 20] [--skip-ingestion]
    # another PostgreSQL than the embedded one (e.g. one with pg_trgm for contains-search):
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mssp_bench bench/generate.py --scale 1
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mssp_bench bench/run.py

Serves the app with gunicorn (gunicorn.conf.py: 2 workers x 4 threads, as in production)
on 127.0.0.1 against the generated database, signs in through the real login form
(CSRF token, session cookie) as the bench Admin, and requests each case `--iterations`
times after two warm-up requests, one at a time: p50/p95 are wall-clock times on the
loopback, i.e. server time plus well under a millisecond. Beside each list it times the
bare SQL of the same rows (psycopg2, same database). Then, in this process with the Flask
test client, it counts the SQL statements of each list page at page size 25 and 100;
reads the RSS of the gunicorn workers after warm-up and after 1,000 more requests; and
runs bench/ingestion.py (metric upsert) and bench/login_hash.py. One table is printed
and written as JSON under bench/results/.

MSSP_ENV is `development` for the served app (production config insists on HTTPS-only
cookies and trusted hosts, which a loopback benchmark cannot present); the code paths are
the same.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.generate import BENCH_PASSWORD, USERS  # noqa: E402

RESULTS = ROOT / "bench" / "results"
#: The offset of the deepest page a list serves (its count and its paging stop at 10,000 rows).
DEEPEST = 9_975


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving run:app with the project's gunicorn.conf.py, on a free loopback port."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**env, "MSSP_BIND": f"127.0.0.1:{self.port}"}
        self.log = open(RESULTS / "gunicorn.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--access-logfile",
                "/dev/null",
                "run:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(120):
            if self.process.poll() is not None:
                break
            try:
                requests.get(f"{self.base}/login/", timeout=30)
                return
            except requests.RequestException:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("gunicorn did not start; see bench/results/gunicorn.log")

    def worker_rss_mb(self) -> list[float]:
        import psutil

        return [
            round(child.memory_info().rss / 2**20, 1) for child in psutil.Process(self.process.pid).children()
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()


def login(base: str, email: str) -> tuple[requests.Session, float]:
    browser = requests.Session()
    page = browser.get(f"{base}/login/").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    started = time.perf_counter()
    response = browser.post(
        f"{base}/login/",
        data={"username": email, "password": BENCH_PASSWORD, "csrf_token": token.group(1) if token else ""},
        allow_redirects=False,
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 302 and "/login" not in response.headers.get("Location", ""), (
        f"login as {email}: {response.status_code}"
    )
    return browser, elapsed


def timed_get(browser: requests.Session, url: str, iterations: int) -> dict[str, Any]:
    started = time.perf_counter()
    for _ in range(2):
        response = browser.get(url)
    if time.perf_counter() - started > 2.0:  # a page of seconds: a few samples tell enough
        iterations = min(iterations, 3)
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        response = browser.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "status": response.status_code,
        "p50": round(statistics.median(samples), 1),
        "p95": round(percentile(samples, 0.95), 1),
        "bytes": len(response.content),
        "body": response.content,
    }


def bare_sql(conn, sql: str, iterations: int) -> float:
    """p95 of the bare statement, in ms."""
    samples = []
    with conn.cursor() as cursor:
        for i in range(iterations + 2):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            if i >= 2:
                samples.append((time.perf_counter() - started) * 1000)
    return round(percentile(samples, 0.95), 1)


def chart_points(body: bytes) -> int:
    """The longest trace of a chart response (Plotly figure JSON, possibly wrapped)."""
    try:
        data = json.loads(body)
    except ValueError:
        return -1
    longest = 0

    def walk(node: Any) -> None:
        nonlocal longest
        if isinstance(node, dict):
            for key in ("x", "y", "values"):
                length = trace_length(node.get(key))
                if length is not None:
                    longest = max(longest, length)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return longest


ITEM_SIZES = {"f8": 8, "f4": 4, "i1": 1, "i2": 2, "i4": 4, "i8": 8, "u1": 1, "u2": 2, "u4": 4, "u8": 8}


def trace_length(value: Any) -> int | None:
    """Length of a trace array: a JSON list, or Plotly's typed array {"dtype", "bdata"}."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict) and "bdata" in value:
        return len(base64.b64decode(value["bdata"])) // ITEM_SIZES.get(str(value.get("dtype")), 8)
    return None


def cases(ids: dict[str, str]) -> list[tuple[str, str, float, str | None]]:
    """(name, url, p95 target in ms, bare SQL of the same rows or None)."""
    tx_cols = "transaction_date, transaction_type, client_id, description, amount, status"
    tx_bare = f"SELECT {tx_cols} FROM financial_transactions"
    client_bare = "SELECT * FROM clients"
    contract_bare = "SELECT k.*, c.company_name FROM contracts k JOIN clients c ON c.id = k.client_id"
    return [
        ("clients: first page", "/clientview/list/", 100, f"{client_bare} ORDER BY company_name LIMIT 25"),
        # Deep pages: a page past the 10,000-row cap shows the last page within it (offset
        # 9,975) with a hint to filter, so the bare SQL is that page's.
        (
            "clients: deep page (asks offset 99,950)",
            "/clientview/list/?page_ClientView=3998",
            150,
            f"{client_bare} ORDER BY company_name LIMIT 25 OFFSET {DEEPEST}",
        ),
        (
            "clients: search company_name contains",
            "/clientview/list/?_flt_2_company_name=harbor",
            100,
            f"{client_bare} WHERE company_name ILIKE '%harbor%' ORDER BY company_name LIMIT 25",
        ),
        (
            "clients: custom-field filter (tier = gold)",
            "/clientview/list/?cf_tier=gold",
            100,
            f"{client_bare} WHERE custom_field_data @> '{{\"tier\": \"gold\"}}' "
            "ORDER BY company_name LIMIT 25",
        ),
        (
            "clients: filtered (status) + sorted (deal value)",
            "/clientview/list/?_flt_0_status=inactive&_oc_ClientView=estimated_deal_value&_od_ClientView=desc",
            100,
            f"{client_bare} WHERE status = 'inactive' ORDER BY estimated_deal_value DESC LIMIT 25",
        ),
        (
            "contracts: first page",
            "/contractview/list/",
            100,
            f"{contract_bare} ORDER BY k.end_date LIMIT 25",
        ),
        (
            "contracts: deep page (asks offset 299,950)",
            "/contractview/list/?page_ContractView=11998",
            150,
            f"{contract_bare} ORDER BY k.end_date LIMIT 25 OFFSET {DEEPEST}",
        ),
        (
            "contracts: filter by client (picker)",
            f"/contractview/list/?_flt_0_client={ids['client']}",
            100,
            f"{contract_bare} WHERE k.client_id = '{ids['client']}' ORDER BY k.end_date LIMIT 25",
        ),
        (
            "contracts: sorted by client name",
            "/contractview/list/?_oc_ContractView=client&_od_ContractView=asc",
            100,
            f"{contract_bare} ORDER BY c.company_name LIMIT 25",
        ),
        (
            "contracts: sorted by client name, page 200",
            "/contractview/list/?_oc_ContractView=client&_od_ContractView=asc&page_ContractView=200",
            150,
            f"{contract_bare} ORDER BY c.company_name LIMIT 25 OFFSET 5000",
        ),
        (
            "transactions: first page",
            "/transactionview/list/",
            100,
            f"{tx_bare} ORDER BY transaction_date DESC LIMIT 25",
        ),
        (
            "transactions: deep page (asks offset 999,950)",
            "/transactionview/list/?page_TransactionView=39998",
            150,
            f"{tx_bare} ORDER BY transaction_date DESC LIMIT 25 OFFSET {DEEPEST}",
        ),
        (
            "transactions: filtered (type) + sorted (amount)",
            "/transactionview/list/?_flt_0_transaction_type=cost_license&_oc_TransactionView=amount"
            "&_od_TransactionView=desc",
            100,
            f"{tx_bare} WHERE transaction_type = 'cost_license' ORDER BY amount DESC LIMIT 25",
        ),
        (
            "transactions: search description contains",
            "/transactionview/list/?_flt_2_description=fee%20123",
            100,
            f"{tx_bare} WHERE description ILIKE '%fee 123%' ORDER BY transaction_date DESC LIMIT 25",
        ),
        (
            "transactions: page size 100",
            "/transactionview/list/?psize_TransactionView=100",
            100,
            f"{tx_bare} ORDER BY transaction_date DESC LIMIT 100",
        ),
        ("tickets: first page", "/ticketview/list/", 100, None),
        ("metric points: first page", "/servicemetricview/list/", 100, None),
        ("client hub page (show + tabs)", f"/clientview/show/{ids['client']}", 150, None),
        ("contract add form (pickers)", "/contractview/add", 100, None),
        ("contract edit form (pickers)", f"/contractview/edit/{ids['contract']}", 100, None),
        ("transaction add form (pickers)", "/transactionview/add", 100, None),
        ("picker options: clients matching 'harbor'", "/contractview/related/client/?q=harbor", 100, None),
        # Global search (issue 18): every entity, 10 ranked results and a capped count each.
        ("search: 3-letter prefix 'har' (API)", "/api/v1/search/?q=har", 100, None),
        ("search: 3-letter prefix 'con' (every contract)", "/api/v1/search/?q=con", 100, None),
        ("search: 2 words 'harbor sys' (API)", "/api/v1/search/?q=harbor%20sys", 100, None),
        ("search: the page, 2 words", "/search/?q=harbor%20sys", 100, None),
        ("clients: quick search 'harbor sys'", "/clientview/list/?q=harbor%20sys", 100, None),
    ]


REST = (
    "client",
    "contract",
    "service_scope",
    "financial_transaction",
    "license_pool",
    "client_license",
    "hardware_asset",
    "ticket_summary",
    "service_metric",
    "sla_metric",
    "service",
    "team_assignment",
    "hardware_assignment",
    "proposal",
    "custom_field",
    "audit_event",
)


def view_names(app) -> dict[str, str]:
    """List URL -> view class name, for the statement counts."""
    return {
        f"/{name.lower()}/list/": name
        for name in (
            "ClientView",
            "ContractView",
            "TransactionView",
            "ServiceScopeView",
            "LicensePoolView",
            "ClientLicenseView",
            "HardwareAssetView",
            "TicketView",
            "ServiceMetricView",
            "SLAMetricView",
        )
        if any(v.__class__.__name__ == name for v in app.appbuilder.baseviews)
    }


#: A count(*) over a table of more than 100k rows, without a LIMIT inside (a capped count has one).
UNBOUNDED_COUNT = re.compile(
    r"count\(\*\).*FROM (clients|contracts|service_scopes|financial_transactions|client_licenses|"
    r"ticket_summaries|service_performance_metrics|hardware_assets)\b",
    re.I | re.S,
)


def statement_counts(database: str) -> dict[str, dict[str, int]]:
    """Statements per list page at page size 25 and 100 (test client, signed in, warm)."""
    os.environ["MSSP_EMBEDDED_DATABASE"] = database
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app({"WTF_CSRF_ENABLED": False})
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    browser = app.test_client()
    response = browser.post("/login/", data={"username": USERS["Admin"], "password": BENCH_PASSWORD})
    assert response.status_code == 302, response.status_code
    out: dict[str, dict[str, int]] = {}
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        targets = [(url, f"psize_{name}") for url, name in view_names(app).items()]
        targets += [(f"/api/v1/{r}/", None) for r in REST]
        for url, size_arg in targets:
            row = {}
            for size in (25, 100):
                full = f"{url}?{size_arg}={size}" if size_arg else f"{url}?q=(page:0,page_size:{size})"
                browser.get(full)  # warm
                statements.clear()
                status = browser.get(full).status_code
                row[str(size)] = len(statements) if status == 200 else -status
                row[f"count_{size}"] = sum(
                    1 for s in statements if UNBOUNDED_COUNT.search(s) and "LIMIT" not in s
                )
            out[url] = row
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return out


def run_script(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return (result.stdout + result.stderr[-2000:] if result.returncode else result.stdout).strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=os.environ.get("MSSP_EMBEDDED_DATABASE", "mssp_bench_scale"))
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--memory-requests", type=int, default=1000)
    parser.add_argument("--skip-ingestion", action="store_true")
    parser.add_argument(
        "--cases",
        metavar="TEXT",
        help="only the page cases whose name holds TEXT (e.g. 'search'); no REST, dashboards, "
        "memory, statement counts, login or ingestion figures",
    )
    options = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "MSSP_ENV": "development",
        "MSSP_EMBEDDED_DATABASE": options.database,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update({"MSSP_ENV": "development", "MSSP_EMBEDDED_DATABASE": options.database})
    if os.environ.get("BENCH_DATABASE_URL"):  # another PostgreSQL than the embedded one
        env["DATABASE_URL"] = os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]

    from app import create_app
    from app.dashboards.charts import CHARTS
    from app.extensions import db

    app = create_app()
    with app.app_context():
        raw = db.engine.raw_connection()
        with raw.cursor() as cursor:
            cursor.execute("SELECT id FROM clients ORDER BY company_name OFFSET 500 LIMIT 1")
            client_id = str(cursor.fetchone()[0])
            cursor.execute("SELECT id FROM contracts WHERE client_id = %s LIMIT 1", (client_id,))
            contract_id = str(cursor.fetchone()[0])
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'financial_transactions'")
            tx_rows = cursor.fetchone()[0]
        raw.commit()
    ids = {"client": client_id, "contract": contract_id}
    rows: list[dict[str, Any]] = []
    load = os.getloadavg()[0]
    print(f"database {options.database} (~{tx_rows:,} transactions); load average {load:.2f}", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop gunicorn on the way out
    server = Server(env)
    try:
        browser, login_ms = login(server.base, USERS["Admin"])
        for name, url, target, sql in cases(ids):
            if options.cases and options.cases not in name:
                continue
            result = timed_get(browser, server.base + url, options.iterations)
            bare = bare_sql(raw, sql, options.iterations) if sql else None
            rows.append(
                {
                    "case": name,
                    "url": url,
                    "target_ms": target,
                    "bare_sql_p95": bare,
                    **{k: v for k, v in result.items() if k != "body"},
                }
            )
            print(f"  {name:48s} {result['status']} p95 {result['p95']:7.1f} ms", flush=True)
        if options.cases:
            focused(options.database, load, rows)
            return
        for resource in REST:
            for label, q in (
                ("first page", "(page:0,page_size:25)"),
                ("page 399 (the deepest)", f"(page:{DEEPEST // 25},page_size:25)"),
            ):
                url = f"/api/v1/{resource}/?q={q}"
                result = timed_get(browser, server.base + url, options.iterations)
                rows.append(
                    {
                        "case": f"REST {resource}: {label}",
                        "url": url,
                        "target_ms": 60 if label == "first page" else 150,
                        "bare_sql_p95": None,
                        **{k: v for k, v in result.items() if k != "body"},
                    }
                )
            print(f"  REST {resource:43s} {result['status']} p95 {rows[-2]['p95']:7.1f} ms", flush=True)
        url = f"/api/v1/financial_transaction/?q=(page:{DEEPEST // 25 + 1},page_size:25)"
        result = timed_get(browser, server.base + url, options.iterations)
        rows.append(
            {
                "case": "REST financial_transaction: page 400 (refused)",
                "url": url,
                "target_ms": 150,
                "expect_status": 400,
                "bare_sql_p95": None,
                **{k: v for k, v in result.items() if k != "body"},
            }
        )
        for preset in ("30d", "quarter", "year"):
            result = timed_get(browser, f"{server.base}/dashboards/?range={preset}", options.iterations)
            rows.append(
                {
                    "case": f"dashboard ({preset})",
                    "url": f"/dashboards/?range={preset}",
                    "target_ms": 300,
                    "bare_sql_p95": None,
                    **{k: v for k, v in result.items() if k != "body"},
                }
            )
        for chart in CHARTS:
            url = f"/dashboards/api/chart/{chart.key}?range=quarter"
            result = timed_get(browser, server.base + url, options.iterations)
            rows.append(
                {
                    "case": f"chart {chart.key}",
                    "url": url,
                    "target_ms": 100,
                    "bare_sql_p95": None,
                    "points": chart_points(result["body"]),
                    **{k: v for k, v in result.items() if k != "body"},
                }
            )
        print("  dashboards done", flush=True)
        warm = server.worker_rss_mb()
        urls = [server.base + r["url"] for r in rows if r["status"] == 200 and r["p95"] < 500]
        for i in range(options.memory_requests):
            browser.get(urls[i % len(urls)])
        after = server.worker_rss_mb()
        logins = [login(server.base, USERS["Admin"])[1] for _ in range(5)]
    finally:
        server.stop()
        raw.close()

    counts = statement_counts(options.database)
    extra = {
        "login_post_ms_p50": round(statistics.median([login_ms, *logins]), 1),
        "worker_rss_mb_after_warmup": warm,
        "worker_rss_mb_after_more_requests": after,
        "more_requests": options.memory_requests,
    }
    extra["login_hash"] = run_script(["bench/login_hash.py", "--rounds", "7"], env)
    if not options.skip_ingestion:
        extra["ingestion"] = run_script(["bench/ingestion.py", "--points", "200000"], env)

    report(rows, counts, extra)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"run-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "database": options.database,
                "load_average_start": load,
                "cases": rows,
                "statements": counts,
                **extra,
            },
            indent=2,
        )
    )
    print(f"\nwritten {path.relative_to(ROOT)}")


def focused(database: str, load: float, rows: list[dict[str, Any]]) -> None:
    """The table and JSON of a `--cases` run (page cases only)."""
    print(f"\n{'case':52s} {'st':>3} {'p50':>8} {'p95':>8} {'target':>7}  verdict")
    for r in rows:
        ok = r["status"] == 200 and r["p95"] <= r["target_ms"]
        print(
            f"{r['case'][:52]:52s} {r['status']:>3} {r['p50']:8.1f} {r['p95']:8.1f} "
            f"{r['target_ms']:>7}  {'ok' if ok else 'MISS'}"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"run-cases-{stamp}.json"
    path.write_text(json.dumps({"database": database, "load_average_start": load, "cases": rows}, indent=2))
    print(f"\nwritten {path.relative_to(ROOT)}")


def report(rows: list[dict[str, Any]], counts: dict[str, dict[str, int]], extra: dict[str, Any]) -> None:
    print(f"\n{'case':52s} {'st':>3} {'p50':>8} {'p95':>8} {'target':>7} {'bare':>7} {'size kB':>8}  verdict")
    for r in rows:
        ok = r["status"] == r.get("expect_status", 200) and r["p95"] <= r["target_ms"]
        if r.get("bare_sql_p95") is not None and r["p95"] > 3 * max(r["bare_sql_p95"], 1):
            within = ">3x bare"
        else:
            within = ""
        html = r["url"].endswith("/list/") or "/list/?" in r["url"]
        size_note = " >300kB" if html and r["bytes"] > 300 * 1024 else ""
        points = f" {r['points']} pts/trace" if "points" in r else ""
        bare = f"{r['bare_sql_p95']:7.1f}" if r.get("bare_sql_p95") is not None else f"{'':>7}"
        print(
            f"{r['case'][:52]:52s} {r['status']:>3} {r['p50']:8.1f} {r['p95']:8.1f} "
            f"{r['target_ms']:>7} {bare} "
            f"{r['bytes'] / 1024:8.1f}  {'ok' if ok else 'MISS'} {within}{size_note}{points}"
        )
    print(
        f"\n{'statements per page':52s} {'ps25':>5} {'ps100':>6} {'count(*)':>9}  target (REST<=10, HTML<=20)"
    )
    for url, row in counts.items():
        limit = 10 if url.startswith("/api/") else 20
        same = row["25"] == row["100"]
        ok = same and 0 < row["100"] <= limit
        print(f"{url:52s} {row['25']:>5} {row['100']:>6} {row['count_25']:>9}  {'ok' if ok else 'MISS'}")
    print(f"\nlogin POST p50: {extra['login_post_ms_p50']} ms (target: verification <= 250 ms)")
    print(
        f"worker RSS after warm-up: {extra['worker_rss_mb_after_warmup']} MB; "
        f"after {extra['more_requests']} more "
        f"requests: {extra['worker_rss_mb_after_more_requests']} MB (targets <= 150 MB, growth <= 10 MB)"
    )
    print("\nbench/login_hash.py:\n" + extra["login_hash"])
    if "ingestion" in extra:
        print("\nbench/ingestion.py --points 200000 (target >= 50,000 points/s):\n" + extra["ingestion"])


if __name__ == "__main__":
    main()
