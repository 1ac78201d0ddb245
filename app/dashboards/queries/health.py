"""Service health: time series of the per-service metrics (EDR, SIEM, NDR...) and their latest values.

The bucket follows the range (hour, 2 or 6 hours, day, week: see
`DashboardFilters.metric_bucket`). Without a client the figures are the
fleet's (average of every client's points, with min and max) from the fleet
rollups; for one client, short ranges read the raw points and long ones the
client's daily rollup.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.dashboards.filters import DashboardFilters
from app.dashboards.queries.common import id_or_none, run, where

#: Latest values older than this are left out of the fleet's latest figures (a client gone quiet).
FRESH_FOR = timedelta(days=7)
#: date_bin origin: a Monday at midnight UTC, so weeks and 6-hour buckets align to it.
_ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'"


@dataclass(frozen=True)
class MetricSeries:
    """One (service, metric) series; the lists run in parallel, one entry per bucket."""

    service_id: uuid.UUID
    service_name: str
    metric_name: str
    unit: str
    #: Bucket starts in milliseconds since the epoch (what Plotly's date axes read).
    buckets: list[float]
    average: list[float]
    minimum: list[float]
    maximum: list[float]
    points: list[int]


@dataclass(frozen=True)
class LatestValue:
    service_id: uuid.UUID
    service_name: str
    metric_name: str
    unit: str
    #: One client's latest value, or the average of the fleet's.
    value: float
    minimum: float
    maximum: float
    #: How many clients' series it covers.
    clients: int
    measured_at: datetime


def _stats(source: str, bucket_sql: str, conditions: list[str | None]) -> str:
    return f"""
        SELECT service_id, metric_name, max(unit) AS unit, {bucket_sql} AS bucket,
               sum(total) / sum(points) AS average, min(minimum) AS minimum, max(maximum) AS maximum,
               sum(points) AS points
        FROM {source} {where(*conditions)}
        GROUP BY 1, 2, 4"""


#: bucket name -> date_bin stride.
_STRIDES = {"hour": "1 hour", "2 hours": "2 hours", "6 hours": "6 hours", "day": "1 day", "week": "7 days"}


def _series_sql(filters: DashboardFilters, rollup: bool) -> str:
    bucket, _length = filters.metric_bucket()
    stride = _STRIDES[bucket]
    service = "service_id = CAST(:service AS uuid)" if filters.service_id else None
    client = "client_id = CAST(:client AS uuid)" if filters.client_id else None
    fine = bucket not in ("day", "week")
    daily_time = "day" if bucket == "day" else "date_trunc('week', day)::date"
    if rollup and filters.client_id is None:
        if fine:
            time_sql = "bucket" if bucket == "hour" else f"date_bin(interval '{stride}', bucket, {_ORIGIN})"
            return _stats(
                "dash_metric_fleet_hourly", time_sql, ["bucket >= :start AND bucket < :end", service]
            )
        return _stats(
            "dash_metric_fleet_daily",
            f"({daily_time})::timestamp AT TIME ZONE 'UTC'",
            ["day >= :first_day AND day < :end_day", service],
        )
    if rollup and not fine:
        return _stats(
            "dash_metric_client_daily",
            f"({daily_time})::timestamp AT TIME ZONE 'UTC'",
            ["day >= :first_day AND day < :end_day", client, service],
        )
    return f"""
        SELECT service_id, metric_name, max(coalesce(unit, '')) AS unit,
               date_bin(interval '{stride}', "timestamp", {_ORIGIN}) AS bucket,
               avg(value) AS average, min(value) AS minimum, max(value) AS maximum, count(*) AS points
        FROM service_performance_metrics
        {where('"timestamp" >= :start AND "timestamp" < :end', client, service)}
        GROUP BY service_id, metric_name, 4"""


def metric_series(session: Session, filters: DashboardFilters, rollup: bool = False) -> list[MetricSeries]:
    """Per service and metric, over the range by bucket: average, min, max and point count.

    One row per series with its buckets aggregated into arrays: a few rows to
    read instead of thousands.
    """
    rows = run(
        session,
        f"""
        SELECT s.service_id, v.name, s.metric_name, max(s.unit),
               array_agg((extract(epoch FROM s.bucket) * 1000)::float8 ORDER BY s.bucket),
               array_agg(round(s.average::numeric, 3)::float8 ORDER BY s.bucket),
               array_agg(s.minimum ORDER BY s.bucket), array_agg(s.maximum ORDER BY s.bucket),
               array_agg(s.points ORDER BY s.bucket)
        FROM ({_series_sql(filters, rollup)}) s JOIN services v ON v.id = s.service_id
        GROUP BY s.service_id, v.name, s.metric_name
        ORDER BY v.name, s.metric_name""",
        {
            "start": filters.start,
            "end": filters.end,
            "first_day": filters.date_from,
            "end_day": filters.date_to + timedelta(days=1),
            "client": id_or_none(filters.client_id),
            "service": id_or_none(filters.service_id),
        },
    )
    return [MetricSeries(*row) for row in rows]


def latest_values(
    session: Session,
    client_id: uuid.UUID | None = None,
    service_id: uuid.UUID | None = None,
    rollup: bool = False,
    now: datetime | None = None,
) -> list[LatestValue]:
    """The newest value of every (service, metric): one client's, or the fleet's average with min and max."""
    now = now or datetime.now(UTC)
    client = "client_id = CAST(:client AS uuid)" if client_id else None
    service = "service_id = CAST(:service AS uuid)" if service_id else None
    if rollup:
        source = "dash_metric_latest"
    else:
        source = f"""(
            SELECT DISTINCT ON (client_id, service_id, metric_name)
                   client_id, service_id, metric_name, coalesce(unit, '') AS unit, value,
                   "timestamp" AS measured_at
            FROM service_performance_metrics {where(client, service)}
            ORDER BY client_id, service_id, metric_name, "timestamp" DESC
        )"""
    fresh = None if client_id else "measured_at >= :fresh_since"
    rows = run(
        session,
        f"""
        SELECT l.service_id, v.name, l.metric_name, l.unit, l.value, l.minimum, l.maximum,
               l.clients, l.measured_at
        FROM (
            SELECT service_id, metric_name, max(unit) AS unit, avg(value) AS value,
                   min(value) AS minimum, max(value) AS maximum, count(*) AS clients,
                   max(measured_at) AS measured_at
            FROM {source} latest {where(client, service, fresh)}
            GROUP BY service_id, metric_name
        ) l JOIN services v ON v.id = l.service_id
        ORDER BY v.name, l.metric_name""",
        {"client": id_or_none(client_id), "service": id_or_none(service_id), "fresh_since": now - FRESH_FOR},
    )
    return [LatestValue(*row) for row in rows]


@dataclass(frozen=True)
class PeriodHealth:
    """One (service, metric) of one client over a range: average, min, max, last value, points."""

    service_id: uuid.UUID
    service_name: str
    metric_name: str
    unit: str
    average: float
    minimum: float
    maximum: float
    last_value: float
    last_at: datetime
    points: int

    def as_latest(self) -> LatestValue:
        """The gauge row `latest_values_figure` draws: the range's average, its min and max."""
        return LatestValue(
            self.service_id,
            self.service_name,
            self.metric_name,
            self.unit,
            self.average,
            self.minimum,
            self.maximum,
            1,
            self.last_at,
        )


def health_over_range(session: Session, filters: DashboardFilters) -> list[PeriodHealth]:
    """Per service and metric over the range's raw points (one client): the figures a report shows."""
    rows = run(
        session,
        f"""
        SELECT m.service_id, v.name, m.metric_name, max(coalesce(m.unit, '')),
               round(avg(m.value)::numeric, 3)::float8, min(m.value), max(m.value),
               (array_agg(m.value ORDER BY m."timestamp" DESC))[1], max(m."timestamp"), count(*)
        FROM service_performance_metrics m JOIN services v ON v.id = m.service_id
        {
            where(
                'm."timestamp" >= :start AND m."timestamp" < :end',
                "m.client_id = CAST(:client AS uuid)" if filters.client_id else None,
                "m.service_id = CAST(:service AS uuid)" if filters.service_id else None,
            )
        }
        GROUP BY m.service_id, v.name, m.metric_name
        ORDER BY v.name, m.metric_name""",
        {
            "start": filters.start,
            "end": filters.end,
            "client": id_or_none(filters.client_id),
            "service": id_or_none(filters.service_id),
        },
    )
    return [PeriodHealth(*row) for row in rows]
