"""The SQL of each rollup: which buckets a refresh must recompute, and how it recomputes them.

A step gets a `RefreshWindow`: `full` rebuilds everything; `since` recomputes every
bucket from that moment on (measurement time, so deletions there are caught too);
otherwise `changed_since` recomputes the buckets of the source rows whose
`updated_at` is later. Recomputing a bucket is DELETE + INSERT ... SELECT from
the source: idempotent, so overlapping windows do no harm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.dashboards.filters import PRESETS


@dataclass(frozen=True)
class RefreshWindow:
    full: bool = False
    since: datetime | None = None
    changed_since: datetime | None = None


def _exec(session: Session, sql: str, **params: Any) -> int:
    return session.execute(text(sql), params).rowcount


def _values(session: Session, sql: str, **params: Any) -> list:
    return sorted({row[0] for row in session.execute(text(sql), params) if row[0] is not None})


def _clear(session: Session, table: str) -> None:
    # DELETE, not TRUNCATE: TRUNCATE locks readers out until the rebuild commits (a minute
    # at full scale); with DELETE the dashboards keep reading the old rows meanwhile.
    _exec(session, f"DELETE FROM {table}")


def _touched(session: Session, window: RefreshWindow, changed_sql: str, since_sql: str) -> list:
    if window.since is not None:
        return _values(session, since_sql, since=window.since)
    return _values(session, changed_sql, changed_since=window.changed_since)


# --- service metrics: fleet hourly and daily, client daily, latest ---------------------------

_FLEET_HOURLY = """
    INSERT INTO dash_metric_fleet_hourly
        (service_id, metric_name, bucket, unit, points, total, minimum, maximum)
    SELECT m.service_id, m.metric_name, date_trunc('hour', m."timestamp", 'UTC'), max(coalesce(m.unit, '')),
           count(*), sum(m.value), min(m.value), max(m.value)
    FROM service_performance_metrics m {restrict}
    GROUP BY 1, 2, 3"""
_HOURS = """JOIN unnest(CAST(:hours AS timestamptz[])) AS b(bucket)
    ON m."timestamp" >= b.bucket AND m."timestamp" < b.bucket + interval '1 hour'"""

_FLEET_DAILY = """
    INSERT INTO dash_metric_fleet_daily (service_id, metric_name, day, unit, points, total, minimum, maximum)
    SELECT h.service_id, h.metric_name, (h.bucket AT TIME ZONE 'UTC')::date, max(h.unit),
           sum(h.points), sum(h.total), min(h.minimum), max(h.maximum)
    FROM dash_metric_fleet_hourly h {restrict}
    GROUP BY 1, 2, 3"""
_DAYS_OF_HOURLY = """JOIN unnest(CAST(:days AS date[])) AS d(day)
    ON h.bucket >= d.day::timestamp AT TIME ZONE 'UTC'
    AND h.bucket < (d.day + 1)::timestamp AT TIME ZONE 'UTC'"""

_CLIENT_DAILY = """
    INSERT INTO dash_metric_client_daily
        (client_id, service_id, metric_name, day, unit, points, total, minimum, maximum)
    SELECT m.client_id, m.service_id, m.metric_name, (m."timestamp" AT TIME ZONE 'UTC')::date,
           max(coalesce(m.unit, '')), count(*), sum(m.value), min(m.value), max(m.value)
    FROM service_performance_metrics m {restrict}
    GROUP BY 1, 2, 3, 4"""
_DAYS_OF_RAW = """JOIN unnest(CAST(:days AS date[])) AS d(day)
    ON m."timestamp" >= d.day::timestamp AT TIME ZONE 'UTC'
    AND m."timestamp" < (d.day + 1)::timestamp AT TIME ZONE 'UTC'"""

_LATEST = """
    INSERT INTO dash_metric_latest AS l (client_id, service_id, metric_name, unit, value, measured_at)
    SELECT DISTINCT ON (client_id, service_id, metric_name)
           client_id, service_id, metric_name, coalesce(unit, ''), value, "timestamp"
    FROM service_performance_metrics m {restrict}
    ORDER BY client_id, service_id, metric_name, "timestamp" DESC
    ON CONFLICT (client_id, service_id, metric_name) DO UPDATE
        SET unit = excluded.unit, value = excluded.value, measured_at = excluded.measured_at
        WHERE excluded.measured_at >= l.measured_at"""


def refresh_metrics(session: Session, window: RefreshWindow) -> int:
    """Rebuild the metric rollups' touched hours and days; return how many hours were recomputed."""
    if window.full:
        for table in (
            "dash_metric_fleet_hourly",
            "dash_metric_fleet_daily",
            "dash_metric_client_daily",
            "dash_metric_latest",
        ):
            _clear(session, table)
        _exec(session, _FLEET_HOURLY.format(restrict=""))
        _exec(session, _FLEET_DAILY.format(restrict=""))
        _exec(session, _CLIENT_DAILY.format(restrict=""))
        _exec(session, _LATEST.format(restrict=""))
        return session.execute(
            text("SELECT count(DISTINCT bucket) FROM dash_metric_fleet_hourly")
        ).scalar_one()
    hours = _touched(
        session,
        window,
        """SELECT DISTINCT date_trunc('hour', "timestamp", 'UTC') FROM service_performance_metrics
           WHERE updated_at >= :changed_since""",
        """SELECT DISTINCT date_trunc('hour', "timestamp", 'UTC') FROM service_performance_metrics
           WHERE "timestamp" >= :since
           UNION SELECT bucket FROM dash_metric_fleet_hourly WHERE bucket >= :since""",
    )
    if not hours:
        return 0
    days = sorted({_utc_day(hour) for hour in hours})
    _exec(
        session,
        "DELETE FROM dash_metric_fleet_hourly WHERE bucket = ANY(CAST(:hours AS timestamptz[]))",
        hours=hours,
    )
    _exec(session, _FLEET_HOURLY.format(restrict=_HOURS), hours=hours)
    _exec(session, "DELETE FROM dash_metric_fleet_daily WHERE day = ANY(CAST(:days AS date[]))", days=days)
    _exec(session, _FLEET_DAILY.format(restrict=_DAYS_OF_HOURLY), days=days)
    _exec(session, "DELETE FROM dash_metric_client_daily WHERE day = ANY(CAST(:days AS date[]))", days=days)
    _exec(session, _CLIENT_DAILY.format(restrict=_DAYS_OF_RAW), days=days)
    if window.since is not None:
        _exec(session, _LATEST.format(restrict='WHERE "timestamp" >= :since'), since=window.since)
    else:
        _exec(
            session,
            _LATEST.format(restrict="WHERE updated_at >= :changed_since"),
            changed_since=window.changed_since,
        )
    return len(hours)


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


# --- SLA per month --------------------------------------------------------------------------

_SLA = """
    INSERT INTO dash_sla_monthly
        (month, service_id, metric_name, unit, measures, breached, target_sum, actual_sum, actual_count)
    SELECT date_trunc('month', s.period_start)::date, sc.service_id, s.metric_name, s.unit,
           count(*), count(*) FILTER (WHERE s.is_breached), sum(s.target_value),
           coalesce(sum(s.actual_value), 0), count(s.actual_value)
    FROM sla_metrics s LEFT JOIN service_scopes sc ON sc.id = s.service_scope_id {restrict}
    GROUP BY 1, 2, 3, 4"""
_MONTHS_OF_SLA = """JOIN unnest(CAST(:months AS date[])) AS mo(month)
    ON s.period_start >= mo.month AND s.period_start < (mo.month + interval '1 month')"""


def refresh_sla(session: Session, window: RefreshWindow) -> int:
    """Rebuild the touched months of the SLA rollup; return how many months were recomputed."""
    if window.full:
        _clear(session, "dash_sla_monthly")
        _exec(session, _SLA.format(restrict=""))
        return len(_values(session, "SELECT DISTINCT month FROM dash_sla_monthly"))
    months = _touched(
        session,
        window,
        "SELECT DISTINCT date_trunc('month', period_start)::date FROM sla_metrics "
        "WHERE updated_at >= :changed_since",
        "SELECT DISTINCT date_trunc('month', period_start)::date FROM sla_metrics "
        "WHERE period_start >= date_trunc('month', CAST(:since AS timestamptz) AT TIME ZONE 'UTC') "
        "UNION SELECT month FROM dash_sla_monthly "
        "WHERE month >= date_trunc('month', CAST(:since AS timestamptz) AT TIME ZONE 'UTC')",
    )
    if months:
        _exec(
            session, "DELETE FROM dash_sla_monthly WHERE month = ANY(CAST(:months AS date[]))", months=months
        )
        _exec(session, _SLA.format(restrict=_MONTHS_OF_SLA), months=months)
    return len(months)


# --- tickets per week -----------------------------------------------------------------------

_WEEK_OF = "date_trunc('week', {column} AT TIME ZONE 'UTC')::date"
_TICKETS = """
    INSERT INTO dash_ticket_weekly (week, created, resolved, breached)
    SELECT week, created, resolved, breached FROM (
        SELECT w.week,
               (SELECT count(*) FROM ticket_summaries t
                WHERE t.opened_at >= w.start AND t.opened_at < w.start + interval '7 days') AS created,
               (SELECT count(*) FROM ticket_summaries t
                WHERE t.resolved_at >= w.start AND t.resolved_at < w.start + interval '7 days') AS resolved,
               (SELECT count(*) FROM ticket_summaries t
                WHERE t.opened_at >= w.start AND t.opened_at < w.start + interval '7 days'
                AND t.is_sla_breached) AS breached
        FROM (SELECT week, week::timestamp AT TIME ZONE 'UTC' AS start
              FROM unnest(CAST(:weeks AS date[])) AS u(week)) w
    ) counts
    WHERE created + resolved > 0"""


def refresh_tickets(session: Session, window: RefreshWindow) -> int:
    """Rebuild the touched weeks of the ticket rollup; return how many weeks were recomputed."""
    if window.full:
        _clear(session, "dash_ticket_weekly")
        weeks = _values(
            session,
            f"SELECT DISTINCT {_WEEK_OF.format(column='opened_at')} FROM ticket_summaries "
            f"UNION SELECT DISTINCT {_WEEK_OF.format(column='resolved_at')} FROM ticket_summaries",
        )
    else:
        opened, resolved = _WEEK_OF.format(column="opened_at"), _WEEK_OF.format(column="resolved_at")
        since_week = "date_trunc('week', CAST(:since AS timestamptz) AT TIME ZONE 'UTC')::date"
        weeks = _touched(
            session,
            window,
            f"SELECT {opened} FROM ticket_summaries WHERE updated_at >= :changed_since "
            f"UNION SELECT {resolved} FROM ticket_summaries WHERE updated_at >= :changed_since",
            f"SELECT {opened} FROM ticket_summaries WHERE opened_at >= :since "
            f"UNION SELECT {resolved} FROM ticket_summaries WHERE resolved_at >= :since "
            f"UNION SELECT week FROM dash_ticket_weekly WHERE week >= {since_week}",
        )
        if weeks:
            _exec(
                session,
                "DELETE FROM dash_ticket_weekly WHERE week = ANY(CAST(:weeks AS date[]))",
                weeks=weeks,
            )
    if weeks:
        _exec(session, _TICKETS, weeks=weeks)
    return len(weeks)


# --- money per month, and the revenue windows -----------------------------------------------

_FINANCE = """
    INSERT INTO dash_finance_monthly (month, currency, service_id, revenue, cost, transactions)
    SELECT date_trunc('month', t.transaction_date)::date, t.currency, sc.service_id,
           coalesce(sum(t.amount) FILTER (WHERE t.transaction_type LIKE 'revenue%'), 0),
           coalesce(sum(t.amount) FILTER (WHERE t.transaction_type NOT LIKE 'revenue%'), 0),
           count(*)
    FROM financial_transactions t LEFT JOIN service_scopes sc ON sc.id = t.service_scope_id {restrict}
    WHERE t.status <> 'cancelled'
    GROUP BY 1, 2, 3"""
_MONTHS_OF_MONEY = """JOIN unnest(CAST(:months AS date[])) AS mo(month)
    ON t.transaction_date >= mo.month AND t.transaction_date < (mo.month + interval '1 month')"""


def refresh_finance(session: Session, window: RefreshWindow) -> int:
    """Rebuild the touched months of the money rollup; return how many months were recomputed."""
    if window.full:
        _clear(session, "dash_finance_monthly")
        _exec(session, _FINANCE.format(restrict=""))
        return len(_values(session, "SELECT DISTINCT month FROM dash_finance_monthly"))
    month_of_since = "date_trunc('month', CAST(:since AS timestamptz) AT TIME ZONE 'UTC')"
    months = _touched(
        session,
        window,
        "SELECT DISTINCT date_trunc('month', transaction_date)::date FROM financial_transactions "
        "WHERE updated_at >= :changed_since",
        "SELECT DISTINCT date_trunc('month', transaction_date)::date FROM financial_transactions "
        f"WHERE transaction_date >= {month_of_since} "
        f"UNION SELECT month FROM dash_finance_monthly WHERE month >= {month_of_since}",
    )
    if months:
        _exec(
            session,
            "DELETE FROM dash_finance_monthly WHERE month = ANY(CAST(:months AS date[]))",
            months=months,
        )
        _exec(session, _FINANCE.format(restrict=_MONTHS_OF_MONEY), months=months)
    return len(months)


_CLIENT_REVENUE = """
    INSERT INTO dash_client_revenue_monthly (client_id, month, currency, revenue)
    SELECT t.client_id, date_trunc('month', t.transaction_date)::date, t.currency, sum(t.amount)
    FROM financial_transactions t {restrict}
    WHERE t.transaction_type LIKE 'revenue%' AND t.status <> 'cancelled' AND t.client_id IS NOT NULL {since}
    GROUP BY 1, 2, 3"""
_PAIRS = """JOIN unnest(CAST(:clients AS uuid[]), CAST(:months AS date[])) AS p(client_id, month)
    ON t.client_id = p.client_id
    AND t.transaction_date >= p.month AND t.transaction_date < (p.month + interval '1 month')"""


_CLIENT_TOTAL = """
    INSERT INTO dash_client_revenue_total (currency, client_id, revenue)
    SELECT currency, client_id, sum(revenue) FROM dash_client_revenue_monthly {restrict}
    GROUP BY 1, 2"""
_OF_CLIENTS = "WHERE client_id = ANY(CAST(:clients AS uuid[]))"


def _refresh_client_totals(session: Session, clients: list[str] | None) -> None:
    """Each client's all-time revenue from its months: of `clients`, or of everyone (None)."""
    if clients is None:
        _clear(session, "dash_client_revenue_total")
        _exec(session, _CLIENT_TOTAL.format(restrict=""))
        return
    _exec(session, f"DELETE FROM dash_client_revenue_total {_OF_CLIENTS}", clients=clients)
    _exec(session, _CLIENT_TOTAL.format(restrict=_OF_CLIENTS), clients=clients)


def refresh_client_revenue(session: Session, window: RefreshWindow) -> int:
    """Rebuild the touched (client, month) buckets of the per-client revenue; return how many.

    Incrementally, the buckets of changed transactions (cancelled ones too: they leave
    their bucket); with `since`, every month from since's month on. The all-time totals
    of the clients touched follow.
    """
    if window.full:
        _clear(session, "dash_client_revenue_monthly")
        count = _exec(session, _CLIENT_REVENUE.format(restrict="", since=""))
        _refresh_client_totals(session, None)
        return count
    if window.since is not None:
        first = "date_trunc('month', CAST(:since AS timestamptz) AT TIME ZONE 'UTC')::date"
        _exec(session, f"DELETE FROM dash_client_revenue_monthly WHERE month >= {first}", since=window.since)
        count = _exec(
            session,
            _CLIENT_REVENUE.format(restrict="", since=f"AND t.transaction_date >= {first}"),
            since=window.since,
        )
        _refresh_client_totals(session, None)
        return count
    # Listed once: a transaction committed between the DELETE and the INSERT must not add a
    # bucket the DELETE did not empty.
    pairs = session.execute(
        text(
            "SELECT DISTINCT client_id, date_trunc('month', transaction_date)::date "
            "FROM financial_transactions WHERE updated_at >= :changed_since AND client_id IS NOT NULL"
        ),
        {"changed_since": window.changed_since},
    ).all()
    if not pairs:
        return 0
    params = {
        "clients": [str(client) for client, _month in pairs],
        "months": [month for _client, month in pairs],
    }
    _exec(
        session,
        "DELETE FROM dash_client_revenue_monthly r "
        "USING unnest(CAST(:clients AS uuid[]), CAST(:months AS date[])) AS p(client_id, month) "
        "WHERE r.client_id = p.client_id AND r.month = p.month",
        **params,
    )
    _exec(session, _CLIENT_REVENUE.format(restrict=_PAIRS, since=""), **params)
    _refresh_client_totals(session, sorted(set(params["clients"])))
    return len(pairs)


def _window_insert(restrict: str) -> str:
    starts = ", ".join(f"('{name}', :today - {days - 1})" for name, (_label, days) in PRESETS.items())
    return f"""
    INSERT INTO dash_client_revenue_window (preset, currency, client_id, revenue)
    SELECT p.preset, t.currency, t.client_id, sum(t.amount)
    FROM (VALUES {starts}) AS p(preset, first_day)
    JOIN financial_transactions t ON t.transaction_date BETWEEN p.first_day AND :today
    WHERE t.transaction_type LIKE 'revenue%' AND t.status <> 'cancelled' AND t.client_id IS NOT NULL
    {restrict}
    GROUP BY 1, 2, 3"""


def refresh_revenue_windows(session: Session, window: RefreshWindow, today: date, as_of: date | None) -> int:
    """Each client's revenue over each preset ending today; return how many clients were recomputed.

    A new day (or a full or `since` refresh) recomputes every client; otherwise only
    the clients with changed revenue.
    """
    if window.full or window.since is not None or as_of != today:
        _clear(session, "dash_client_revenue_window")
        _exec(session, _window_insert(""), today=today)
        return len(_values(session, "SELECT DISTINCT client_id FROM dash_client_revenue_window"))
    clients = [
        str(c)
        for c in _values(
            session,
            "SELECT DISTINCT client_id FROM financial_transactions "
            "WHERE updated_at >= :changed_since AND client_id IS NOT NULL",
            changed_since=window.changed_since,
        )
    ]
    if clients:
        _exec(
            session,
            "DELETE FROM dash_client_revenue_window WHERE client_id = ANY(CAST(:clients AS uuid[]))",
            clients=clients,
        )
        _exec(
            session,
            _window_insert("AND t.client_id = ANY(CAST(:clients AS uuid[]))"),
            today=today,
            clients=clients,
        )
    return len(clients)
