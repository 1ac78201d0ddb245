"""The bulk writers: exact values, counts, a point twice in a batch, unmapped columns kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

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

    assert upsert_tickets(db_session, TicketSource.JIRA, rows, data_source_id=None) == UpsertCounts(0, 1, 0)
    assert upsert_tickets(db_session, TicketSource.JIRA, rows, data_source_id=None) == UpsertCounts(0, 0, 1)
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
    blind = ingestion.PROBE_STAGED.replace("found.tid, found.same", "NULL::tid, NULL::boolean")
    monkeypatch.setattr(ingestion, "PROBE_STAGED", blind)
    changed = [points[0]._replace(value=9.0), *points[1:]]
    assert upsert_service_metrics(db_session, changed) == UpsertCounts(2, 1, 0)
    stored = db_session.scalars(select(ServicePerformanceMetric.value).order_by("timestamp")).all()
    assert stored == [9.0, 1.0, 2.0]


def test_a_point_changed_or_deleted_by_a_concurrent_run_after_the_probe_is_still_written(
    db_session, monkeypatch
):
    client, service = make_client(db_session, "Acme Corp"), make_service(db_session)
    points = [MetricPoint(client.id, service.id, "m", T0 + timedelta(minutes=n), float(n)) for n in range(3)]
    upsert_service_metrics(db_session, points)
    # Between this run's probe and its UPDATE by ctid, another run rewrote the first point
    # (a new row version: a new ctid) and deleted the second.
    meanwhile = (
        "UPDATE service_performance_metrics SET value = 7.0 WHERE value = 0.0; "
        "DELETE FROM service_performance_metrics WHERE value = 1.0; "
    )
    monkeypatch.setattr(ingestion, "UPDATE_CHANGED", meanwhile + ingestion.UPDATE_CHANGED)
    changed = [p._replace(value=p.value + 10) for p in points]
    assert upsert_service_metrics(db_session, changed) == UpsertCounts(1, 2, 0)
    stored = db_session.scalars(select(ServicePerformanceMetric.value).order_by("timestamp")).all()
    assert stored == [10.0, 11.0, 12.0]
