"""The daily usage rollup: one row per client, service, metric and day, from the synced metric points.

Only the metrics a service names as its deployment (or usage) metric are rolled up. A row
keeps the day's maximum, sum and number of points, so a month's maximum and its average
over every point come out exact from the days (`sources.deployed_figures`). Re-running a
day replaces its rows (points re-ingested or corrected since are taken in); a day whose
points are all gone loses its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.transaction import session_or_default

_REFRESH_SQL = text(
    """
    WITH measured AS (
        SELECT id AS service_id, deployment_metric_name AS metric_name
        FROM services WHERE deployment_metric_name IS NOT NULL
    ), fresh AS (
        SELECT p.client_id, p.service_id, p.metric_name,
               (p."timestamp" AT TIME ZONE 'UTC')::date AS day,
               max(p.value) AS max_value, sum(p.value) AS sum_value, count(*) AS point_count
        FROM service_performance_metrics p
        JOIN measured m ON m.service_id = p.service_id AND m.metric_name = p.metric_name
        WHERE p."timestamp" >= :start AND p."timestamp" < :stop
        GROUP BY 1, 2, 3, 4
    ), gone AS (
        DELETE FROM usage_daily u
        WHERE u.day >= :first_day AND u.day < :stop_day
          AND NOT EXISTS (SELECT 1 FROM fresh f
                          WHERE f.client_id = u.client_id AND f.service_id = u.service_id
                            AND f.metric_name = u.metric_name AND f.day = u.day)
        RETURNING 1
    )
    INSERT INTO usage_daily (client_id, service_id, metric_name, day, max_value, sum_value, point_count)
    SELECT client_id, service_id, metric_name, day, max_value, sum_value, point_count FROM fresh
    ON CONFLICT (client_id, service_id, metric_name, day) DO UPDATE
       SET max_value = EXCLUDED.max_value, sum_value = EXCLUDED.sum_value, point_count = EXCLUDED.point_count
    """
)


@dataclass(frozen=True)
class UsageRollupReport:
    first_day: date
    last_day: date
    rows: int

    def __str__(self) -> str:
        return f"usage rollup {self.first_day} .. {self.last_day}: {self.rows} day row(s)"


def refresh_usage_days(
    first_day: date, last_day: date, *, session: Session | None = None
) -> UsageRollupReport:
    """Recompute the rollup rows of `first_day` .. `last_day` (UTC days, inclusive); commits."""
    session = session_or_default(session)
    stop_day = last_day + timedelta(days=1)
    try:
        result = session.execute(
            _REFRESH_SQL,
            {
                "start": datetime.combine(first_day, time.min, tzinfo=UTC),
                "stop": datetime.combine(stop_day, time.min, tzinfo=UTC),
                "first_day": first_day,
                "stop_day": stop_day,
            },
        )
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return UsageRollupReport(first_day, last_day, result.rowcount or 0)
