"""The bulk writers: exact values, counts, a point twice in a batch, unmapped columns kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from app.models.metrics import (
    ServicePerformanceMetric,
    SLAMetric,
    SlaUnit,
    TicketPriority,
    TicketSource,
    TicketStatus,
    TicketSummary,
)
from app.services.sync import ingestion
from app.services.sync.ingestion import (
    MetricPoint,
    UpsertCounts,
    time_ordered_ids,
    upsert_service_metrics,
    upsert_sla_metrics,
    upsert_tickets,
)
from tests.factories import make_client, make_service

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_points_round_trip_exactly_and_count_what_changed(db_session):
    client, service = make_client(db_session, "Acme Corp"), make_service(db_session)
    odd_name = "tab\there back\\slash new\nline"
    points = [
        MetricPoint(client.id, service.id, odd_name, T0, 0.1, None),
        MetricPoint(client.id, service.id, odd_name, T0 + timedelta(microseconds=1), 1e-300, "ms"),
        MetricPoint(client.id, service.id, "ratio", T0, -2.5, "percent"),
    ]
    assert upsert_service_metrics(db_session, points) == UpsertCounts(3, 0, 0)
    stored = db_session.execute(
        select(
            ServicePerformanceMetric.metric_name,
            ServicePerformanceMetric.timestamp,
            ServicePerformanceMetric.value,
            ServicePerformanceMetric.unit,
        ).order_by(ServicePerformanceMetric.metric_name, ServicePerformanceMetric.timestamp)
    ).all()
    assert [tuple(r) for r in stored] == [
        ("ratio", T0, -2.5, "percent"),
        (odd_name, T0, 0.1, None),
        (odd_name, T0 + timedelta(microseconds=1), 1e-300, "ms"),
    ]

    again = [*points[:2], points[2]._replace(value=3.0)]
    assert upsert_service_metrics(db_session, again) == UpsertCounts(0, 1, 2)
    assert db_session.scalar(select(func.count()).select_from(ServicePerformanceMetric)) == 3


def test_a_point_twice_in_one_batch_keeps_the_last_value(db_session):
    client, service = make_client(db_session, "Acme Corp"), make_service(db_session)
    batch = [
        MetricPoint(client.id, service.id, "m", T0, 1.0),
        MetricPoint(client.id, service.id, "m", T0, 2.0),
    ]
    assert upsert_service_metrics(db_session, batch) == UpsertCounts(1, 0, 0)
    assert db_session.scalar(select(ServicePerformanceMetric.value)) == 2.0


def test_a_run_larger_than_a_chunk_counts_and_stores_every_point(db_session, monkeypatch):
    monkeypatch.setattr(ingestion, "CHUNK_POINTS", 4)
    client, service = make_client(db_session, "Acme Corp"), make_service(db_session)
    points = [MetricPoint(client.id, service.id, "m", T0 + timedelta(minutes=n), float(n)) for n in range(10)]
    assert upsert_service_metrics(db_session, points[:6]) == UpsertCounts(6, 0, 0)

    changed = [p._replace(value=-1.0) if p.value in (0.0, 9.0) else p for p in points]
    assert upsert_service_metrics(db_session, changed) == UpsertCounts(4, 1, 5)
    stored = db_session.scalars(select(ServicePerformanceMetric.value).order_by("timestamp")).all()
    assert stored == [-1.0, *map(float, range(1, 9)), -1.0]


def _probe_plan(session, staged: list[MetricPoint], probe: str) -> str:
    """The plan of the probe as a run issues it, for `staged` points in the stage."""
    with ingestion._cursor(session) as cur:
        cur.execute(ingestion.STAGE_DDL)
        cur.execute(f"TRUNCATE {ingestion.STAGE_TABLE}")
        buffer = ingestion._points_copy_buffer(staged, time_ordered_ids())
        cur.copy_expert(f"COPY {ingestion.STAGE_TABLE} ({ingestion.STAGE_COLUMNS}) FROM STDIN", buffer)
        cur.execute(ingestion.SAVE_PLANNING)
        saved = cur.fetchone()
        cur.execute(f"{ingestion.PROBE_PLANNING}; EXPLAIN {probe}")
        plan = "\n".join(row[0] for row in cur.fetchall())
        cur.execute(ingestion.RESTORE_PLANNING, saved)
        cur.execute(f"TRUNCATE {ingestion.STAGE_TABLE}")
    return plan


def test_the_probe_uses_the_unique_index_while_statistics_describe_a_smaller_table(db_session):
    # A first backfill: statistics of one 200-point series (every timestamp distinct), then
    # 20 series that share their timestamps. Probed with four equalities, the planner took
    # the timestamp index (as selective, by those statistics, and smaller) and filtered
    # every series' point at each timestamp.
    services = [make_service(db_session, f"Service {n}") for n in range(4)]
    clients = [make_client(db_session, f"Client {n}") for n in range(5)]
    history = [
        MetricPoint(clients[0].id, services[0].id, "old", T0 - timedelta(days=1, minutes=n), 1.0)
        for n in range(200)
    ]
    upsert_service_metrics(db_session, history)
    db_session.execute(text("ANALYZE service_performance_metrics"))
    backfill = [
        MetricPoint(client.id, service.id, "m", T0 + timedelta(minutes=n), float(n))
        for client in clients
        for service in services
        for n in range(1000)
    ]
    assert upsert_service_metrics(db_session, backfill[:10_000]) == UpsertCounts(10_000, 0, 0)

    plan = _probe_plan(db_session, backfill[10_000:], ingestion.SORT_STAGED)
    assert "uq_service_performance_metrics_point" in plan
    assert "ix_service_performance_metrics_timestamp" not in plan and "Seq Scan on service_perf" not in plan
    equalities = ingestion.SORT_STAGED.replace(
        f"WHERE ({ingestion._STORED_KEY}) >= ({ingestion._STAGED_KEY}) "
        f"AND ({ingestion._STORED_KEY}) <= ({ingestion._STAGED_KEY})",
        "WHERE stored.client_id = s.client_id AND stored.service_id = s.service_id "
        "AND stored.metric_name = s.metric_name "
        f'AND stored."timestamp" = {ingestion._STAGED_TS}',
    )
    assert "ix_service_performance_metrics_timestamp" in _probe_plan(
        db_session, backfill[10_000:], equalities
    )

    assert upsert_service_metrics(db_session, backfill) == UpsertCounts(10_000, 0, 10_000)
    settings = db_session.execute(
        text("SELECT current_setting('enable_seqscan'), current_setting('enable_bitmapscan')")
    )
    assert tuple(settings.one()) == ("on", "on")  # the probe's planner settings do not outlive it


def test_new_points_get_ids_in_creation_order():
    first = time_ordered_ids(datetime(2026, 1, 1, tzinfo=UTC))
    later = time_ordered_ids(datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC))
    ids = [uuid.UUID(next(first)) for _ in range(3)] + [uuid.UUID(next(later))]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}


def test_tickets_update_only_the_mapped_columns(db_session):
    client = make_client(db_session, "Acme Corp")
    ticket = TicketSummary(
        client=client,
        source=TicketSource.JIRA,
        external_key="ACME-1",
        summary="old",
        priority=TicketPriority.HIGH,
        opened_at=T0,
        response_due_at=T0 + timedelta(hours=1),
    )
    db_session.add(ticket)
    db_session.flush()
    rows = [
        {
            "client_id": client.id,
            "external_key": "ACME-1",
            "summary": "new",
            "status": TicketStatus.CLOSED,
            "opened_at": T0,
        }
    ]

    assert upsert_tickets(db_session, TicketSource.JIRA, rows) == UpsertCounts(0, 1, 0)
    assert upsert_tickets(db_session, TicketSource.JIRA, rows) == UpsertCounts(0, 0, 1)
    db_session.refresh(ticket)
    assert (ticket.summary, ticket.status) == ("new", TicketStatus.CLOSED)
    # Not in the mapping: kept as typed by hand.
    assert (ticket.priority, ticket.response_due_at) == (TicketPriority.HIGH, T0 + timedelta(hours=1))
    assert ticket.version == 2


def test_sla_metrics_are_matched_on_client_metric_and_period(db_session):
    client = make_client(db_session, "Acme Corp")
    start, end = T0.date(), T0.date() + timedelta(days=30)
    row = {
        "client_id": client.id,
        "metric_name": "availability",
        "period_start": start,
        "period_end": end,
        "target_value": Decimal("99.9"),
        "actual_value": Decimal("99.95"),
        "unit": SlaUnit.PERCENT,
    }

    assert upsert_sla_metrics(db_session, [row]) == UpsertCounts(1, 0, 0)
    assert upsert_sla_metrics(db_session, [row]) == UpsertCounts(0, 0, 1)
    assert upsert_sla_metrics(db_session, [{**row, "actual_value": Decimal("99.5")}]) == UpsertCounts(0, 1, 0)
    metric = db_session.scalar(select(SLAMetric))
    db_session.refresh(metric)
    assert metric.actual_value == Decimal("99.5") and metric.is_breached


def test_a_point_stored_by_a_concurrent_run_after_the_probe_is_updated_not_refused(db_session, monkeypatch):
    client, service = make_client(db_session, "Acme Corp"), make_service(db_session)
    points = [MetricPoint(client.id, service.id, "m", T0 + timedelta(minutes=n), float(n)) for n in range(3)]
    upsert_service_metrics(db_session, points[:1])
    # As if another run stored the first point between this run's probe and its INSERT:
    # the probe finds nothing, so the plain INSERT of "new" points meets the stored one.
    monkeypatch.setattr(ingestion, "SORT_STAGED", "SELECT 0, 0")
    changed = [points[0]._replace(value=9.0), *points[1:]]
    assert upsert_service_metrics(db_session, changed) == UpsertCounts(2, 1, 0)
    stored = db_session.scalars(select(ServicePerformanceMetric.value).order_by("timestamp")).all()
    assert stored == [9.0, 1.0, 2.0]
