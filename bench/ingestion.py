"""Benchmark: metric points into ServicePerformanceMetric, bulk and idempotent (target >= 50,000/s).

    MSSP_EMBEDDED_DATABASE=mssp_bench .venv/bin/python bench/ingestion.py [--points 200000] [--fill 10000000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mssp_bench .venv/bin/python bench/ingestion.py

Runs against its own database (default `mssp_bench` on the embedded server, or
DATABASE_URL), migrating it first. Each phase is one transaction, as a sync run is:

- insert:    new points (COPY into a temporary table, an index probe, a plain INSERT)
- rerun:     the same points again (nothing changes: the idempotent case)
- update:    every value changed (ON CONFLICT DO UPDATE on every row)
- values:    new points through psycopg2 execute_values + ON CONFLICT, for comparison
- end-to-end: Grafana /api/ds/query frames -> JSONPath mapping -> typing -> upsert
- labelled:  the same with the series' labels mapped (issue 20.2): each client's frames are
  two series of one metric that differ by a `severity` label, so the key's labels are not `{}`
- copy-text: a plain COPY of ISO-timestamp text straight into the table (no upsert, no
  idempotency), for comparison: once the ceiling, now slower than `insert` (its text is
  dearer to build and to parse)

Besides wall-clock points/s, each phase prints points per CPU-second (this process plus
its PostgreSQL backend, read from /proc when the server is local) and the WAL it wrote per
point: on a machine shared with other work, wall time measures the neighbours too; CPU
time is what the phase costs. The load average is printed before and after.
The rows it creates are deleted at the end. `--fill N` first tops the table up to N points
of other series (hourly points of two metrics, as `bench/generate.py` makes them; 10,000,000
is scale 1), kept between runs: the phases then write into a table of that size.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("MSSP_EMBEDDED_DATABASE", "mssp_bench")

from sqlalchemy import delete, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.integrations.mapping import compile_mappings, typed_rows  # noqa: E402
from app.models.catalog import DeliveryModel, Service, ServiceCategory  # noqa: E402
from app.models.clients import Client  # noqa: E402
from app.models.integrations import QueryTarget  # noqa: E402
from app.models.metrics import ServicePerformanceMetric  # noqa: E402
from app.services.sync.ingestion import (  # noqa: E402
    MetricPoint,
    UpsertCounts,
    upsert_service_metrics,
    upsert_service_metrics_values,
)

FRAME_MAPPINGS = {
    "client": "$.schema.fields[1].labels.client",
    "timestamp": "$.data.values[0][*]",
    "value": "$.data.values[1][*]",
    "metric_name": "endpoints_online_pct",
    "service": "Managed EDR",
}


def _copy_rows(points: list[MetricPoint]) -> io.StringIO:
    return io.StringIO(
        "".join(f"{p[0]}\t{p[1]}\t{p[2]}\t{p[3].isoformat()}\t{p[4]!r}\t\\N\n" for p in points)
    )


def make_points(clients: list[uuid.UUID], services: list[uuid.UUID], per_series: int, offset: float = 0.0):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        MetricPoint(
            client, service, "endpoints_online_pct", start + timedelta(minutes=i), 90.0 + (i % 10) + offset
        )
        for client in clients
        for service in services
        for i in range(per_series)
    ]


def frames_payload(labels: list[str], per_series: int, base_ms: int, severities: tuple = ()) -> dict:
    """A frame per client label (per client and severity when `severities` are given)."""
    frames = [
        {
            "schema": {
                "fields": [
                    {"name": "Time", "type": "time"},
                    {"name": "Value", "labels": {"client": label, **({"severity": sev} if sev else {})}},
                ]
            },
            "data": {
                "values": [
                    [base_ms + 60_000 * i for i in range(per_series)],
                    [99.0 - (i % 7) for i in range(per_series)],
                ]
            },
        }
        for label in labels
        for sev in severities or (None,)
    ]
    return {"results": {"A": {"status": 200, "frames": frames}}}


def cpu_seconds(backend_pid: int) -> float | None:
    """CPU time of this process and of the PostgreSQL backend (None if the server is not local)."""
    try:
        fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + time.process_time()


def wal_bytes() -> int:
    """The server's WAL insert position in bytes (the whole server's WAL: run on a quiet one)."""
    lsn = "pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')"
    return int(db.session.execute(text(f"SELECT {lsn}")).scalar_one())


def timed(label: str, count: int, action: Callable[[], UpsertCounts | None]) -> None:
    backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    wal_before = wal_bytes()
    cpu_before, started = cpu_seconds(backend), time.perf_counter()
    counts = action()
    db.session.commit()
    seconds = time.perf_counter() - started
    cpu_after = cpu_seconds(backend)
    wal = (wal_bytes() - wal_before) / count
    db.session.commit()  # ends the read of the WAL position
    per_cpu = (
        f" {count / (cpu_after - cpu_before):>9,.0f} /CPU-s"
        if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before
        else "     n/a /CPU-s"
    )
    detail = (
        f"  ({counts.inserted} inserted, {counts.updated} updated, {counts.unchanged} unchanged)"
        if counts
        else ""
    )
    print(
        f"{label:<11} {count:>9,} points {seconds:>8.3f} s {count / seconds:>9,.0f} points/s"
        f"{per_cpu} {wal:>5,.0f} WAL B/point{detail}",
        flush=True,
    )


def vacuum() -> None:
    """VACUUM the target table (outside a transaction, as VACUUM must be)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) service_performance_metrics"))


FILL_TAG = "bench fill"


def fill(target: int) -> None:
    """Top the table up to `target` points of other series (kept for later runs)."""
    stored = db.session.execute(text("SELECT count(*) FROM service_performance_metrics")).scalar_one()
    if stored >= target:
        print(f"fill: the table holds {stored:,} points already")
        return
    hours = 24 * 90
    series = -(-(target - stored) // (2 * hours))
    service = db.session.scalar(select(Service).where(Service.name == FILL_TAG))
    if service is None:
        service = Service(
            name=FILL_TAG, category=ServiceCategory.EDR, delivery_model=DeliveryModel.FULLY_MANAGED
        )
        db.session.add(service)
    first = db.session.execute(
        text("SELECT count(*) FROM clients WHERE company_name LIKE :tag"), {"tag": f"{FILL_TAG} %"}
    ).scalar_one()
    clients = [Client(company_name=f"{FILL_TAG} {first + n}") for n in range(series)]
    db.session.add_all(clients)
    db.session.commit()
    started = time.perf_counter()
    for n, client in enumerate(clients):
        db.session.execute(
            text(
                """INSERT INTO service_performance_metrics
                       (id, client_id, service_id, metric_name, "timestamp", value, unit)
                   SELECT gen_random_uuid(), :client, :service, metric,
                          timestamptz '2026-08-03' + h * interval '1 hour', 50 + (h % 50), NULL
                   FROM unnest(ARRAY['endpoints_online_pct', 'events_per_second']) metric,
                        generate_series(0, :hours - 1) h"""
            ),
            {"client": client.id, "service": service.id, "hours": hours},
        )
        if n % 100 == 99 or n == len(clients) - 1:
            db.session.commit()
            done = (n + 1) * 2 * hours
            print(f"fill: {done:,} points in {time.perf_counter() - started:.0f} s", flush=True)
    vacuum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000, help="points per phase (default 200,000)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--fill", type=int, default=0, help="first top the table up to this many points")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        if args.fill:
            fill(args.fill)
        vacuum()  # dead rows of earlier runs would slow this one down
        session = db.session
        tag = uuid.uuid4().hex[:8]
        clients = [Client(company_name=f"bench {tag} {n}") for n in range(args.clients)]
        services = [
            Service(
                name=f"bench {tag} {kind}",
                category=ServiceCategory.EDR,
                delivery_model=DeliveryModel.FULLY_MANAGED,
            )
            for kind in ("EDR", "XDR")
        ]
        session.add_all([*clients, *services])
        session.commit()
        client_ids, service_ids = [c.id for c in clients], [s.id for s in services]
        per_series = max(1, args.points // (len(client_ids) * len(service_ids)))
        total = per_series * len(client_ids) * len(service_ids)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        version = db.session.execute(text("SHOW server_version")).scalar_one()
        stored = db.session.execute(text("SELECT count(*) FROM service_performance_metrics")).scalar_one()
        print(
            f"database {db.engine.url.database} on PostgreSQL {version} ({stored:,} points stored); "
            f"{os.cpu_count()} CPUs, load average {load}"
        )
        print(f"{len(client_ids)} clients x {len(service_ids)} services x {per_series} points per series")
        try:
            points = make_points(client_ids, service_ids, per_series)
            timed("insert", total, lambda: upsert_service_metrics(session, points))
            timed("rerun", total, lambda: upsert_service_metrics(session, points))
            changed = make_points(client_ids, service_ids, per_series, offset=0.5)
            timed("update", total, lambda: upsert_service_metrics(session, changed))
            other = [
                MetricPoint(p.client_id, p.service_id, "agents_reporting", p.timestamp, p.value)
                for p in points
            ]
            timed("values", total, lambda: upsert_service_metrics_values(session, other))

            labels = [f"c{n}" for n in range(len(client_ids))]
            client_of = dict(zip(labels, client_ids, strict=True))
            base_ms = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1000)
            pages = [frames_payload(labels, per_series * len(service_ids), base_ms)]
            compiled = compile_mappings(
                FRAME_MAPPINGS, QueryTarget.SERVICE_PERFORMANCE_METRIC, "$.results.A.frames[*]", False
            )

            def end_to_end() -> UpsertCounts:
                rows = typed_rows(pages, compiled, {})
                mapped = (
                    MetricPoint(
                        client_of[r["client"]], service_ids[0], r["metric_name"], r["timestamp"], r["value"]
                    )
                    for r in rows
                )
                return upsert_service_metrics(session, mapped)

            timed("end-to-end", total, end_to_end)

            labelled_pages = [
                frames_payload(labels, per_series * len(service_ids) // 2, base_ms, ("high", "low"))
            ]
            labelled_mapping = compile_mappings(
                {**FRAME_MAPPINGS, "metric_name": "detections", "labels": "$.schema.fields[1].labels"},
                QueryTarget.SERVICE_PERFORMANCE_METRIC,
                "$.results.A.frames[*]",
                False,
            )

            def labelled() -> UpsertCounts:
                rows = typed_rows(labelled_pages, labelled_mapping, {})
                mapped = (
                    MetricPoint(
                        client_of[r["client"]],
                        service_ids[0],
                        r["metric_name"],
                        r["timestamp"],
                        r["value"],
                        None,
                        r["labels"],
                    )
                    for r in rows
                )
                return upsert_service_metrics(session, mapped)

            timed("labelled", total, labelled)

            def copy_floor() -> None:
                """Plain COPY into the table, no upsert: what its indexes and foreign keys cost."""
                floor = [p._replace(metric_name="copy_floor") for p in points]
                with session.connection().connection.cursor() as cur:
                    cur.copy_expert(
                        'COPY service_performance_metrics (client_id, service_id, metric_name, "timestamp", '
                        "value, unit) FROM STDIN",
                        _copy_rows(floor),
                    )

            timed("copy-text", total, copy_floor)
        finally:
            session.rollback()
            session.execute(
                delete(ServicePerformanceMetric).where(ServicePerformanceMetric.client_id.in_(client_ids))
            )
            session.execute(delete(Client).where(Client.id.in_(client_ids)))
            session.execute(delete(Service).where(Service.id.in_(service_ids)))
            session.commit()
            vacuum()


if __name__ == "__main__":
    main()
