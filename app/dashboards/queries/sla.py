"""SLA aggregates: measures, breaches and target against actual per month.

A measure belongs to the month of its `period_start`; its service is the one of
its service scope (measures without a scope match no service filter). The
MSSP-wide figures read `dash_sla_monthly`; one client's read `sla_metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from app.dashboards.filters import DashboardFilters
from app.dashboards.queries.common import id_or_none, next_month, run, where


@dataclass(frozen=True)
class SlaMonth:
    month: date
    metric_name: str
    unit: str
    measures: int
    breached: int
    target_avg: Decimal
    actual_avg: Decimal | None


@dataclass(frozen=True)
class SlaCompliance:
    month: date
    measures: int
    met: int
    #: met / measures in percent; None when nothing was measured.
    percent: Decimal | None
    #: The same over this month and the two before it (within the range).
    rolling_percent: Decimal | None


def _source(filters: DashboardFilters, rollup: bool) -> tuple[str, dict]:
    """A subquery with one row per (month, metric, unit): measures, breached, sums."""
    params = {
        "first": filters.first_month,
        "after": next_month(filters.last_month),
        "client": id_or_none(filters.client_id),
        "service": id_or_none(filters.service_id),
    }
    if rollup and filters.client_id is None:
        sql = f"""
            SELECT month, metric_name, unit, sum(measures) AS measures, sum(breached) AS breached,
                   sum(target_sum) AS target_sum, sum(actual_sum) AS actual_sum,
                   sum(actual_count) AS actual_count
            FROM dash_sla_monthly
            {
            where(
                "month >= :first AND month < :after",
                "service_id = CAST(:service AS uuid)" if filters.service_id else None,
            )
        }
            GROUP BY month, metric_name, unit"""
        return sql, params
    sql = f"""
        SELECT date_trunc('month', s.period_start)::date AS month, s.metric_name, s.unit,
               count(*) AS measures, count(*) FILTER (WHERE s.is_breached) AS breached,
               sum(s.target_value) AS target_sum, coalesce(sum(s.actual_value), 0) AS actual_sum,
               count(s.actual_value) AS actual_count
        FROM sla_metrics s
        {"JOIN service_scopes sc ON sc.id = s.service_scope_id" if filters.service_id else ""}
        {
        where(
            "s.period_start >= :first AND s.period_start < :after",
            "s.client_id = CAST(:client AS uuid)" if filters.client_id else None,
            "sc.service_id = CAST(:service AS uuid)" if filters.service_id else None,
        )
    }
        GROUP BY 1, 2, 3"""
    return sql, params


def sla_by_month(session: Session, filters: DashboardFilters, rollup: bool = False) -> list[SlaMonth]:
    """Per month and metric: how many measures, how many breached, average target and actual."""
    source, params = _source(filters, rollup)
    rows = run(
        session,
        f"""
        SELECT month, metric_name, unit, measures, breached,
               round(target_sum / nullif(measures, 0), 4) AS target_avg,
               round(actual_sum / nullif(actual_count, 0), 4) AS actual_avg
        FROM ({source}) src
        ORDER BY month, metric_name, unit""",
        params,
    )
    return [SlaMonth(*row) for row in rows]


def sla_compliance(session: Session, filters: DashboardFilters, rollup: bool = False) -> list[SlaCompliance]:
    """Per month: the share of measures that met their target, and its 3-month rolling value."""
    source, params = _source(filters, rollup)
    rows = run(
        session,
        f"""
        WITH monthly AS (
            SELECT month, sum(measures) AS measures, sum(measures - breached) AS met
            FROM ({source}) src GROUP BY month
        )
        SELECT month, measures, met,
               round(100.0 * met / nullif(measures, 0), 2) AS percent,
               round(100.0 * sum(met) OVER w / nullif(sum(measures) OVER w, 0), 2) AS rolling_percent
        FROM monthly
        WINDOW w AS (ORDER BY month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
        ORDER BY month""",
        params,
    )
    return [SlaCompliance(*row) for row in rows]


def percent_met(met: int, measures: int) -> Decimal | None:
    """met / measures in percent, two decimals, rounded half up as PostgreSQL's round() does."""
    if not measures:
        return None
    return (Decimal(100) * met / measures).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SlaMeasure:
    """One measure (metric and unit) over a whole range: counts, average target and actual."""

    metric_name: str
    unit: str
    measures: int
    breached: int
    target_avg: Decimal
    actual_avg: Decimal | None


@dataclass(frozen=True)
class SlaBreach:
    metric_name: str
    unit: str
    period_start: date
    period_end: date
    target_value: Decimal
    actual_value: Decimal | None


#: SLA measures that state an availability (percent, named so): the report's "availability".
AVAILABILITY_NAMES = ("%availab%", "%uptime%")


def sla_by_measure(session: Session, filters: DashboardFilters, rollup: bool = False) -> list[SlaMeasure]:
    """Per metric over the whole range (the months `sla_by_month` shows, added up)."""
    source, params = _source(filters, rollup)
    rows = run(
        session,
        f"""
        SELECT metric_name, unit, sum(measures) AS measures, sum(breached) AS breached,
               round(sum(target_sum) / nullif(sum(measures), 0), 4) AS target_avg,
               round(sum(actual_sum) / nullif(sum(actual_count), 0), 4) AS actual_avg
        FROM ({source}) src
        GROUP BY metric_name, unit ORDER BY metric_name, unit""",
        params,
    )
    return [SlaMeasure(*row) for row in rows]


def sla_breaches(session: Session, filters: DashboardFilters, limit: int = 200) -> list[SlaBreach]:
    """The breached measures of one client (or all) in the range's months, oldest first."""
    rows = run(
        session,
        f"""
        SELECT s.metric_name, s.unit, s.period_start, s.period_end, s.target_value, s.actual_value
        FROM sla_metrics s
        {"JOIN service_scopes sc ON sc.id = s.service_scope_id" if filters.service_id else ""}
        {
            where(
                "s.is_breached",
                "s.period_start >= :first AND s.period_start < :after",
                "s.client_id = CAST(:client AS uuid)" if filters.client_id else None,
                "sc.service_id = CAST(:service AS uuid)" if filters.service_id else None,
            )
        }
        ORDER BY s.period_start, s.metric_name LIMIT :limit""",
        {
            "first": filters.first_month,
            "after": next_month(filters.last_month),
            "client": id_or_none(filters.client_id),
            "service": id_or_none(filters.service_id),
            "limit": limit,
        },
    )
    return [SlaBreach(*row) for row in rows]


def availability(session: Session, filters: DashboardFilters) -> Decimal | None:
    """The average actual of the availability measures (percent) in the range; None without any."""
    names = " OR ".join(f"s.metric_name ILIKE '{pattern}'" for pattern in AVAILABILITY_NAMES)
    row = run(
        session,
        f"""
        SELECT round(avg(s.actual_value), 4) FROM sla_metrics s
        {
            where(
                "s.unit = 'percent'",
                f"({names})",
                "s.actual_value IS NOT NULL",
                "s.period_start >= :first AND s.period_start < :after",
                "s.client_id = CAST(:client AS uuid)" if filters.client_id else None,
            )
        }""",
        {
            "first": filters.first_month,
            "after": next_month(filters.last_month),
            "client": id_or_none(filters.client_id),
        },
    )
    return row[0][0] if row else None
