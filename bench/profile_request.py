"""Where one request's time goes: statements, wall time and a cProfile of single requests.

    .venv/bin/python bench/profile_request.py --database mssp_bench_scale /transactionview/list/ \
        /api/v1/client_license/ [--repeat 20] [--profile 25] [--role Admin] [--jwt]

Runs the app in this process with the Flask test client (no gunicorn), signed in as a
bench user (bench/generate.py's USERS) through the real login form, or with a JWT
(`--jwt`). Per URL, after two warm-up requests: the SQL statements of one request, the
median and p95 wall time of `--repeat` requests with their SQL time and the CPU time of
this process (the app's own work, less disturbed by a busy machine), and with `--profile N`
the N functions with the most cumulative time over those requests. Compare two trees by
running it in each, one after the other, on the same database.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, USERS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--database", default=os.environ.get("MSSP_EMBEDDED_DATABASE", "mssp_bench_scale"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions (cumulative)")
    parser.add_argument("--role", default="Admin", choices=sorted(USERS))
    parser.add_argument("--jwt", action="store_true", help="authenticate with a JWT instead of the session")
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--width", type=int, default=160, help="characters of each statement shown")
    options = parser.parse_args()
    os.environ.setdefault("MSSP_ENV", "development")
    os.environ["MSSP_EMBEDDED_DATABASE"] = options.database

    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app()
    browser = app.test_client()
    headers = {}
    if options.jwt:
        response = browser.post(
            "/api/v1/security/login",
            json={"username": USERS[options.role], "password": BENCH_PASSWORD, "provider": "db"},
        )
        headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    else:
        page = browser.get("/login/").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = browser.post(
            "/login/", data={"username": USERS[options.role], "password": BENCH_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.status_code
    with app.app_context():
        engine = db.engine
    statements: list[tuple[str, float]] = []
    started_at: list[float] = []

    def before(*_args):
        started_at.append(time.perf_counter())

    def after(_conn, _cursor, statement, *_args):
        statements.append((statement, (time.perf_counter() - started_at.pop()) * 1000))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    for url in options.urls:
        for _ in range(2):
            browser.get(url, headers=headers)
        walls, cpus, sqls = [], [], []
        profiler = cProfile.Profile() if options.profile else None
        for _ in range(options.repeat):
            statements.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            status = browser.get(url, headers=headers).status_code
            if profiler:
                profiler.disable()
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu_started) * 1000)
            sqls.append(sum(ms for _, ms in statements))
        walls.sort()
        p95 = walls[min(len(walls) - 1, round(0.95 * len(walls)) - 1)]
        print(
            f"{url}  {status}  {len(statements)} statements  median {statistics.median(walls):.1f} ms"
            f"  p95 {p95:.1f} ms  (SQL median {statistics.median(sqls):.1f} ms,"
            f" this process's CPU median {statistics.median(cpus):.1f} ms)"
        )
        if options.sql:
            for statement, ms in statements:
                print(f"   {ms:6.1f} ms  {' '.join(statement.split())[:options.width]}")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(options.profile)
            print(out.getvalue())


if __name__ == "__main__":
    main()
