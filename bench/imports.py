"""Benchmark: client rows imported per second (issue 18.3 target: >= 5,000 rows/s), the whole
road of `flask mssp import`: the CSV read, every row checked by the client form, written in
one transaction through the flush hooks, one audit entry per client, the commit.

    MSSP_EMBEDDED_DATABASE=mssp_bench .venv/bin/python bench/imports.py [--rows 5000] [--runs 3]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/imports.py

Runs against its own database (default `mssp_bench` on the embedded server, or
BENCH_DATABASE_URL), migrating it first. Each run imports `--rows` new clients (a dry run
first, timed too, then the real one); the clients are deleted afterwards, the audit rows
stay (append-only) in the benchmark's own database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("MSSP_EMBEDDED_DATABASE", "mssp_bench")
if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]

from sqlalchemy import delete, func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.audit import AuditEvent  # noqa: E402
from app.models.clients import Client  # noqa: E402
from app.services.imports.engine import ImportOptions  # noqa: E402
from app.services.imports.reading import read_table  # noqa: E402

TARGET = 5_000.0
HEADER = (
    "Company,Status,Industry,Contact,Contact email,Contact phone,Estimated deal value,Currency,"
    "First interaction\n"
)


def csv_file(rows: int, tag: str) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        lines.append(
            f"Bench import {tag} {n},Active,Finance,Person {n},person{n}@bench.example,"
            f"+44 20 7946 {n % 10000:04d},{1000 + n}.50,USD,2026-01-{1 + n % 28:02d}\n"
        )
    return "".join(lines).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000, help="client rows per file (default 5,000)")
    parser.add_argument("--runs", type=int, default=3, help="files imported (default 3)")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        from app.web.imports import import_into, import_screens

        upgrade()
        view = import_screens()["client"]
        server = db.session.scalar(select(func.version())).split(",")[0]
        print(f"server: {server}; {args.rows:,} client rows per file, {args.runs} run(s)")
        dry_rates, rates = [], []
        for _ in range(args.runs):
            tag = uuid.uuid4().hex[:8]
            data = csv_file(args.rows, tag)
            for dry_run, sink in ((True, dry_rates), (False, rates)):
                started = time.perf_counter()
                report = import_into(
                    view, read_table(data, "bench.csv"), ImportOptions(dry_run=dry_run, file_name="bench.csv")
                )
                seconds = time.perf_counter() - started
                assert not report.bad_rows, report.bad_rows[:3]
                assert report.created == args.rows
                sink.append(args.rows / seconds)
            audited = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "import", AuditEvent.changes["import_file"].astext == "bench.csv")
            )
            db.session.execute(delete(Client).where(Client.company_name.like(f"Bench import {tag} %")))
            db.session.commit()
        best, median = max(rates), statistics.median(rates)
        dry_median = statistics.median(dry_rates)
        print(f"dry run      best {max(dry_rates):>8,.0f} rows/s  median {dry_median:>8,.0f} rows/s")
        print(
            f"import       best {best:>8,.0f} rows/s  median {median:>8,.0f} rows/s  "
            f"(audit rows 'import' in this database: {audited:,})  "
            f"target >= {TARGET:,.0f}: {'ok' if median >= TARGET else 'UNDER'}"
        )
        return 0 if median >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
