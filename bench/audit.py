"""Benchmark: what the audit trail costs a save and a metric ingestion run (targets 15 % and 10 %).

    MSSP_EMBEDDED_DATABASE=mssp_bench .venv/bin/python bench/audit.py [--saves 100] [--blocks 15]

Runs against its own database (default `mssp_bench` on the embedded server, or
DATABASE_URL), migrating it first. Each phase runs in blocks that alternate with and
without the audit listeners (app.services.audit.capture) so that drift of the machine
hits both sides alike; the figure is the fastest block of each side (the least disturbed
by other work on the machine), the median is printed too.

- save: load a client, change two fields, commit: the bare ORM save, the worst case
  (auditing adds the history bookkeeping and one INSERT into audit_event per save);
- api save: the same change as a client of the REST API makes it (PUT /api/v1/client/<id>
  with a JWT): a save as a person or a script experiences it;
- ingestion: one sync run as app.services.sync.runs writes it: a SyncRun row, metric points
  upserted through COPY (not audited: measurements), the run's end and the query's state
  as plain UPDATEs (audited row by row: read before, read after, one INSERT).

The clients, services, data source and points it creates are deleted at the end; the
audit rows stay (the table is append-only), in the benchmark's own database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("MSSP_EMBEDDED_DATABASE", "mssp_bench")

from sqlalchemy import delete, update  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.catalog import DeliveryModel, Service, ServiceCategory  # noqa: E402
from app.models.clients import Client  # noqa: E402
from app.models.integrations import (  # noqa: E402
    AuthType,
    DataSourceQuery,
    ExternalDataSource,
    QueryRunStatus,
    QueryTarget,
    SourceType,
)
from app.models.metrics import ServicePerformanceMetric  # noqa: E402
from app.models.sync import RunTrigger, SyncRun, SyncRunStatus  # noqa: E402
from app.services.audit.capture import install_audit_capture, remove_audit_capture  # noqa: E402
from app.services.sync.ingestion import MetricPoint, upsert_service_metrics  # noqa: E402

TARGETS = {"save": 15.0, "api save": 15.0, "ingestion": 10.0}
BENCH_ADMIN = "bench.audit@bench.example"
BENCH_PASSWORD = "Quiet-Harbour-Lantern-4821"


def alternate(blocks: int, block: Callable[[], float]) -> tuple[list[float], list[float]]:
    """Seconds of each `block` with and without auditing, blocks interleaved."""
    timings: dict[bool, list[float]] = {True: [], False: []}
    for index in range(blocks):
        for audited in (True, False) if index % 2 == 0 else (False, True):  # ABBA: drift cancels
            (install_audit_capture if audited else remove_audit_capture)()
            timings[audited].append(block())
    install_audit_capture()
    return timings[True], timings[False]


def report(label: str, unit: str, per_block: int, audited: list[float], plain: list[float]) -> bool:
    overhead = (min(audited) / min(plain) - 1) * 100
    median = (statistics.median(audited) / statistics.median(plain) - 1) * 100
    ok = overhead <= TARGETS[label]
    print(
        f"{label:<10} {per_block:>7,} {unit}/block  without {min(plain) * 1000:>8.1f} ms  "
        f"with {min(audited) * 1000:>8.1f} ms  overhead {overhead:>+6.1f} % (median {median:+.1f} %)  "
        f"target <= {TARGETS[label]:.0f} %: {'ok' if ok else 'OVER'}"
    )
    return ok


def api_client(app):  # type: ignore[no-untyped-def]
    """A test client holding a JWT of an admin of the benchmark database."""
    from app.security.sync import sync_roles
    from app.services.accounts.users import create_user

    sync_roles(app.appbuilder)
    if app.appbuilder.sm.find_user(email=BENCH_ADMIN) is None:
        create_user(app.appbuilder, BENCH_ADMIN, BENCH_PASSWORD, "Bench", "Admin", "Admin")
    db.session.commit()
    browser = app.test_client()
    login = {"username": BENCH_ADMIN, "password": BENCH_PASSWORD, "provider": "db"}
    token = browser.post("/api/v1/security/login", json=login).get_json()["access_token"]
    return browser, {"Authorization": f"Bearer {token}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=100, help="saves per block (default 100)")
    parser.add_argument("--points", type=int, default=20_000, help="points per sync run (default 20,000)")
    parser.add_argument("--blocks", type=int, default=15, help="blocks per side (default 15)")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        session = db.session
        tag = uuid.uuid4().hex[:8]
        clients = [Client(company_name=f"bench audit {tag} {n}") for n in range(50)]
        service = Service(
            name=f"bench audit {tag}",
            category=ServiceCategory.EDR,
            delivery_model=DeliveryModel.FULLY_MANAGED,
        )
        source = ExternalDataSource(
            name=f"bench audit {tag}",
            source_type=SourceType.GRAFANA,
            base_url="https://grafana.invalid",
            auth_type=AuthType.NONE,
        )
        query = DataSourceQuery(
            data_source=source,
            name="bench",
            endpoint="/api/ds/query",
            target=QueryTarget.SERVICE_PERFORMANCE_METRIC,
            jsonpath_mappings={},
        )
        session.add_all([*clients, service, source, query])
        session.commit()
        client_ids, service_id, query_id = [c.id for c in clients], service.id, query.id
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"database {db.engine.url.database}; {os.cpu_count()} CPUs, load average {load}")
        counter = iter(range(10**9))

        def save_block() -> float:
            started = time.perf_counter()
            for n in range(args.saves):
                client = session.get(Client, client_ids[n % len(client_ids)])
                step = next(counter)
                client.lead_score = step % 100
                client.notes = f"call {step}"
                session.commit()
            return time.perf_counter() - started

        def sync_block() -> float:
            step = next(counter)
            start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=step)
            per_client = max(1, args.points // len(client_ids))
            points = [
                MetricPoint(c, service_id, "endpoints_online_pct", start + timedelta(minutes=i), 99.0)
                for c in client_ids
                for i in range(per_client)
            ]
            started = time.perf_counter()
            run = SyncRun(
                query_id=query_id,
                trigger=RunTrigger.SCHEDULE,
                status=SyncRunStatus.RUNNING,
                started_at=datetime.now(UTC),
            )
            session.add(run)
            session.commit()
            counts = upsert_service_metrics(session, points)
            runs, queries = SyncRun.__table__, DataSourceQuery.__table__
            session.execute(
                update(runs)
                .where(runs.c.id == run.id)
                .values(
                    status=SyncRunStatus.SUCCESS, finished_at=datetime.now(UTC), rows_inserted=counts.inserted
                )
            )
            session.execute(
                update(queries)
                .where(queries.c.id == query_id)
                .values(
                    last_run_at=datetime.now(UTC), last_status=QueryRunStatus.SUCCESS, consecutive_failures=0
                )
            )
            session.commit()
            return time.perf_counter() - started

        browser, headers = api_client(app)

        def api_block() -> float:
            started = time.perf_counter()
            for n in range(args.saves // 2):
                client_id = client_ids[n % len(client_ids)]
                version = browser.get(f"/api/v1/client/{client_id}", headers=headers).get_json()["result"]
                step = next(counter)
                body = {"lead_score": step % 100, "notes": f"call {step}", "version": version["version"]}
                response = browser.put(f"/api/v1/client/{client_id}", json=body, headers=headers)
                assert response.status_code == 200, response.get_json()
            return time.perf_counter() - started

        try:
            save_block()  # warm up caches, prepared plans, the listeners' lookups
            ok = report("save", "saves", args.saves, *alternate(args.blocks, save_block))
            api_block()
            ok &= report("api save", "saves", args.saves // 2, *alternate(args.blocks, api_block))
            sync_block()
            ok &= report("ingestion", "points", args.points, *alternate(args.blocks, sync_block))
        finally:
            session.rollback()
            session.execute(
                delete(ServicePerformanceMetric).where(ServicePerformanceMetric.service_id == service_id)
            )
            session.execute(delete(SyncRun).where(SyncRun.query_id == query_id))
            session.execute(delete(DataSourceQuery).where(DataSourceQuery.id == query_id))
            session.execute(delete(ExternalDataSource).where(ExternalDataSource.name == f"bench audit {tag}"))
            session.execute(delete(Client).where(Client.id.in_(client_ids)))
            session.execute(delete(Service).where(Service.id == service_id))
            session.commit()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
