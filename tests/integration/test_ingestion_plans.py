"""The plans of the metric ingestion statements, on whichever server the tests run against.

Marker `server_plans`: `make test-system-pg` (CI, `.ci/run`) runs these against the system
PostgreSQL 15 too, so a probe shape measured on one server cannot regress the other
(issue 27: a shape that stopped at its upper bound on PostgreSQL 18 walked on on 15).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.models.metrics import ServicePerformanceMetric
from app.services.sync import ingestion
from app.services.sync.ingestion import MetricPoint, UpsertCounts, time_ordered_ids, upsert_service_metrics
from tests.factories import make_client, make_service

pytestmark = pytest.mark.server_plans

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Buffer hits of one probe: the btree's root, an inner page, a leaf, the heap page (4 when
#: the point is stored). Walking on past the key (issue 27) cost 40 and more.
MOST_HITS_PER_PROBE = 6


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _explain(session, staged: list[MetricPoint], statement: str) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of `statement` with `staged` points in the stage (rolled back)."""
    with ingestion._cursor(session) as cur:
        cur.execute(ingestion.STAGE_DDL)
        cur.execute(f"TRUNCATE {ingestion.STAGE_TABLE}, {ingestion.PROBED_TABLE}")
        buffer = ingestion._points_copy_buffer(staged, time_ordered_ids())
        cur.copy_expert(f"COPY {ingestion.STAGE_TABLE} ({ingestion.STAGE_COLUMNS}) FROM STDIN", buffer)
        cur.execute("SAVEPOINT explained")
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}")
        plan = cur.fetchone()[0]
        cur.execute("ROLLBACK TO SAVEPOINT explained")
        cur.execute(f"TRUNCATE {ingestion.STAGE_TABLE}, {ingestion.PROBED_TABLE}")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _probes(plan: dict) -> dict:
    scans = [
        n
        for n in _nodes(plan)
        if n.get("Relation Name") == "service_performance_metrics" and n["Node Type"] != "ModifyTable"
    ]
    assert len(scans) == 1, scans
    return scans[0]


@pytest.fixture
def first_backfill(db_session):
    """A first backfill: statistics of one 200-point series (every timestamp distinct), then 20
    series sharing their timestamps, 10,000 of their 20,000 points stored. Probed with four
    equalities there, the planner took the `timestamp` index and filtered every series' point
    at each timestamp (52-113 buffer hits a point)."""
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
    assert upsert_service_metrics(db_session, backfill[::2]) == UpsertCounts(10_000, 0, 0)
    return backfill


def test_each_probe_reads_a_few_pages_of_the_unique_index_after_a_first_backfill(db_session, first_backfill):
    scan = _probes(_explain(db_session, first_backfill, ingestion.PROBE_STAGED))

    assert scan["Node Type"] == "Index Scan", scan
    assert scan["Index Name"] == "uq_service_performance_metrics_point"
    assert scan["Actual Loops"] == len(first_backfill)
    assert scan["Shared Hit Blocks"] + scan["Shared Read Blocks"] <= MOST_HITS_PER_PROBE * len(first_backfill)


def test_changed_points_are_fetched_by_their_tid(db_session, first_backfill):
    changed = [p._replace(value=p.value + 0.5) for p in first_backfill[::2]]
    with ingestion._cursor(db_session) as cur:
        cur.execute(ingestion.STAGE_DDL)
        cur.execute(f"TRUNCATE {ingestion.STAGE_TABLE}, {ingestion.PROBED_TABLE}")
        buffer = ingestion._points_copy_buffer(changed, time_ordered_ids())
        cur.copy_expert(f"COPY {ingestion.STAGE_TABLE} ({ingestion.STAGE_COLUMNS}) FROM STDIN", buffer)
        cur.execute(ingestion.PROBE_STAGED)
        assert cur.fetchone() == (0, len(changed))
        cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {ingestion.UPDATE_CHANGED}")
        plan = cur.fetchone()[0]
        cur.execute(f"TRUNCATE {ingestion.STAGE_TABLE}, {ingestion.PROBED_TABLE}")
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    scan = _probes(plan)
    assert scan["Node Type"] == "Tid Scan", scan
    assert scan["Actual Rows"] * scan["Actual Loops"] == len(changed)
    values = db_session.scalars(
        select(ServicePerformanceMetric.value).where(ServicePerformanceMetric.metric_name == "m")
    ).all()
    assert sorted(values) == sorted(p.value for p in changed)
