"""Dashboard SQL on a known data set: exact numbers, the same from the rollups as from the sources,
and an incremental refresh that recomputes only what changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.dashboards.filters import DashboardFilters
from app.dashboards.queries import clients, finance, health, licenses, renewals, sla, tickets, top_clients
from app.dashboards.queries.common import rollup_status
from app.dashboards.rollups import refresh_rollups
from app.models.finance import FinancialTransaction, TransactionType
from app.models.metrics import ServicePerformanceMetric
from tests.dashboard_data import APRIL, MAY, TODAY, at, build_known_data

D = Decimal
APRIL_TO_TODAY = DashboardFilters("custom", APRIL, TODAY)


@pytest.fixture
def known(db_session):
    return build_known_data(db_session)


@pytest.fixture
def rolled_up(db_session, known):
    """The known data with every rollup built (as of TODAY)."""
    refresh_rollups(full=True, session=db_session, today=TODAY)
    return known


def both_paths(query, db_session, *args, **kwargs):
    """The result from the source tables, asserted equal to the one from the rollups."""
    live = query(db_session, *args, rollup=False, **kwargs)
    refresh_rollups(full=True, session=db_session, today=TODAY)
    assert query(db_session, *args, rollup=True, **kwargs) == live
    return live


# --- SLA -------------------------------------------------------------------------------------


def test_sla_per_month_and_metric(db_session, known):
    rows = both_paths(sla.sla_by_month, db_session, APRIL_TO_TODAY)
    assert [
        (r.month, r.metric_name, r.unit, r.measures, r.breached, r.target_avg, r.actual_avg) for r in rows
    ] == [
        (APRIL, "Monitoring availability", "percent", 1, 0, D("99.9000"), D("99.9500")),
        (APRIL, "P1 time to acknowledge", "minutes", 2, 0, D("15.0000"), D("11.0000")),
        (MAY, "Monitoring availability", "percent", 1, 0, D("99.9000"), None),
        (MAY, "P1 time to acknowledge", "minutes", 2, 1, D("15.0000"), D("16.0000")),
    ]


def test_sla_compliance_with_its_rolling_window(db_session, known):
    rows = both_paths(sla.sla_compliance, db_session, APRIL_TO_TODAY)
    assert [(r.month, r.measures, r.met, r.percent, r.rolling_percent) for r in rows] == [
        (APRIL, 3, 3, D("100.00"), D("100.00")),
        (MAY, 3, 2, D("66.67"), D("83.33")),
    ]


def test_sla_for_one_service_and_one_client(db_session, known):
    by_service = both_paths(
        sla.sla_compliance, db_session, DashboardFilters("custom", APRIL, TODAY, service_id=known.siem.id)
    )
    assert [(r.month, r.measures, r.met) for r in by_service] == [(APRIL, 1, 1), (MAY, 1, 1)]
    alpha = sla.sla_compliance(db_session, DashboardFilters("custom", APRIL, TODAY, client_id=known.alpha.id))
    assert [(r.month, r.percent) for r in alpha] == [(APRIL, D("100.00")), (MAY, D("50.00"))]


# --- tickets ---------------------------------------------------------------------------------


def test_open_tickets_now(db_session, known):
    rows = tickets.open_tickets(db_session)
    assert [(r.priority, r.status, r.tickets) for r in rows] == [
        ("critical", "open", 1),
        ("low", "in_progress", 1),
        ("medium", "waiting_on_client", 1),
    ]
    assert tickets.open_ticket_total(db_session, known.alpha.id) == 2
    backlog = tickets.backlog_by_client(db_session)
    assert [(b.company_name, b.open_tickets, b.urgent) for b in backlog] == [
        ("Alpha Test GmbH", 2, 1),
        ("Beta Test Inc", 1, 0),
    ]


def test_tickets_per_week_count_whole_weeks_and_keep_empty_ones(db_session, known):
    june = DashboardFilters("custom", date(2026, 6, 1), date(2026, 6, 21))
    rows = both_paths(tickets.tickets_by_week, db_session, june)
    assert [(r.week, r.created, r.resolved, r.breached) for r in rows] == [
        (date(2026, 6, 1), 3, 1, 1),
        (date(2026, 6, 8), 1, 1, 0),
        (date(2026, 6, 15), 0, 0, 0),
    ]
    beta = tickets.tickets_by_week(
        db_session, DashboardFilters("custom", date(2026, 6, 3), date(2026, 6, 9), client_id=known.beta.id)
    )
    assert [(r.week, r.created, r.resolved) for r in beta] == [
        (date(2026, 6, 1), 1, 1),
        (date(2026, 6, 8), 1, 1),
    ]


# --- service health --------------------------------------------------------------------------


def test_fleet_metric_series_per_hour(db_session, known):
    two_days = DashboardFilters("custom", date(2026, 6, 13), date(2026, 6, 14))
    rows = both_paths(health.metric_series, db_session, two_days)
    by_metric = {r.metric_name: r for r in rows}
    online, eps = by_metric["endpoints_online_pct"], by_metric["events_per_second"]
    hour = at("2026-06-14", 10).timestamp() * 1000
    assert online.buckets == [hour, hour + 3_600_000] and online.unit == "%"
    assert (
        online.average == [88.667, 99.0] and online.minimum == [80.0, 99.0] and online.maximum == [96.0, 99.0]
    )
    assert online.points == [3, 1]
    assert eps.average == [1000.0, 2000.0] and eps.service_name == "Test SIEM"


def test_metric_series_per_day_for_one_client_and_for_the_fleet(db_session, known):
    year = DashboardFilters("custom", date(2025, 6, 15), date(2026, 6, 14))
    assert year.metric_bucket()[0] == "day"
    fleet = both_paths(health.metric_series, db_session, year)
    online = next(r for r in fleet if r.metric_name == "endpoints_online_pct")
    assert online.buckets == [at("2026-06-14", 0).timestamp() * 1000]
    assert (online.average, online.minimum, online.maximum, online.points) == ([91.25], [80.0], [99.0], [4])
    alpha = both_paths(
        health.metric_series,
        db_session,
        DashboardFilters(
            "custom", date(2025, 6, 15), date(2026, 6, 14), client_id=known.alpha.id, service_id=known.edr.id
        ),
    )
    assert [(r.metric_name, r.average, r.points) for r in alpha] == [("endpoints_online_pct", [95.0], [3])]


def test_latest_values_per_client_and_for_the_fleet(db_session, known):
    now = datetime(2026, 6, 15, tzinfo=UTC)
    live = health.latest_values(db_session, now=now)
    refresh_rollups(full=True, session=db_session, today=TODAY)
    assert health.latest_values(db_session, rollup=True, now=now) == live
    assert [(r.metric_name, r.value, r.minimum, r.maximum, r.clients) for r in live] == [
        ("endpoints_online_pct", 89.5, 80.0, 99.0, 2),
        ("events_per_second", 2000.0, 2000.0, 2000.0, 1),
    ]
    alpha = health.latest_values(db_session, known.alpha.id, rollup=True, now=now)
    assert [(r.metric_name, r.value, r.measured_at) for r in alpha] == [
        ("endpoints_online_pct", 99.0, at("2026-06-14", 11))
    ]
    # Series silent for more than a week are left out of the fleet's figures.
    assert health.latest_values(db_session, rollup=True, now=now + timedelta(days=8)) == []


# --- money -----------------------------------------------------------------------------------


def test_revenue_and_cost_per_month_and_currency(db_session, known):
    rows = both_paths(finance.revenue_and_cost_by_month, db_session, APRIL_TO_TODAY)
    assert [(r.month, r.currency, r.revenue, r.cost, r.margin) for r in rows] == [
        (APRIL, "EUR", D("1000.00"), D("300.00"), D("700.00")),
        (MAY, "EUR", D("1000.00"), D("0.00"), D("1000.00")),
        (MAY, "USD", D("2000.00"), D("1200.00"), D("800.00")),
        (date(2026, 6, 1), "USD", D("500.00"), D("0.00"), D("500.00")),
    ]


def test_revenue_for_one_service_and_for_an_account_managers_clients(db_session, known):
    edr = both_paths(
        finance.revenue_and_cost_by_month,
        db_session,
        DashboardFilters("custom", APRIL, TODAY, service_id=known.edr.id),
    )
    assert [(r.month, r.currency, r.revenue, r.cost) for r in edr] == [
        (APRIL, "EUR", D("1000.00"), D("300.00")),
        (MAY, "EUR", D("1000.00"), D("0.00")),
    ]
    mine = finance.revenue_and_cost_by_month(db_session, APRIL_TO_TODAY, frozenset({known.alpha.id}))
    assert {r.currency for r in mine} == {"EUR"} and sum(r.revenue for r in mine) == D("2000.00")
    assert finance.revenue_and_cost_by_month(db_session, APRIL_TO_TODAY, frozenset()) == []


def test_top_clients_by_revenue_per_currency(db_session, known):
    quarter = DashboardFilters.for_preset("quarter", TODAY)
    live = top_clients.top_clients_by_revenue(db_session, quarter)
    assert [(r.currency, r.rank, r.company_name, r.revenue) for r in live] == [
        ("EUR", 1, "Alpha Test GmbH", D("2000.00")),
        ("USD", 1, "Beta Test Inc", D("2500.00")),
    ]
    refresh_rollups(full=True, session=db_session, today=TODAY)
    as_of = rollup_status(db_session).revenue_windows_as_of
    assert as_of == TODAY
    assert top_clients.top_clients_by_revenue(db_session, quarter, windows_as_of=as_of) == live
    month = DashboardFilters.for_preset("30d", TODAY)
    assert [
        (r.currency, r.revenue)
        for r in top_clients.top_clients_by_revenue(db_session, month, windows_as_of=as_of)
    ] == [("USD", D("500.00"))]
    # A custom range ending today is summed from the transactions, not read from a preset window.
    custom = DashboardFilters("custom", date(2026, 5, 1), TODAY)
    summed = top_clients.top_clients_by_revenue(db_session, custom, windows_as_of=as_of)
    assert [(r.currency, r.revenue) for r in summed] == [("EUR", D("1000.00")), ("USD", D("2500.00"))]


def test_mrr_trend_latest_mrr_and_contract_value(db_session, known):
    trend = finance.mrr_trend(db_session, APRIL_TO_TODAY)
    assert [(r.snapshot_date, r.currency, r.mrr, r.active_clients, r.mrr_change) for r in trend] == [
        (date(2026, 4, 30), "EUR", D("1000.00"), 1, None),
        (date(2026, 5, 31), "EUR", D("1000.00"), 1, D("0.00")),
        (date(2026, 4, 30), "USD", D("1500.00"), 1, None),
        (date(2026, 5, 31), "USD", D("2000.00"), 1, D("500.00")),
    ]
    day, mrr = finance.latest_mrr(db_session, TODAY)
    assert day == date(2026, 5, 31) and [(m.currency, m.amount) for m in mrr] == [
        ("EUR", D("1000.00")),
        ("USD", D("2000.00")),
    ]
    _day, alpha_mrr = finance.latest_mrr(db_session, TODAY, frozenset({known.alpha.id}))
    assert [(m.currency, m.amount) for m in alpha_mrr] == [("EUR", D("1000.00"))]
    value = finance.active_contract_value(db_session)
    assert [(v.currency, v.amount, v.count) for v in value] == [
        ("EUR", D("12000.00"), 1),
        ("USD", D("24000.00"), 1),
    ]


# --- renewals and licenses -------------------------------------------------------------------


def test_contracts_ending_one_by_one_or_per_week(db_session, known):
    result = renewals.contracts_ending(db_session, TODAY)
    assert result.horizon_end == date(2026, 12, 12)
    assert [(c.contract_name, c.end_date, c.value, c.currency) for c in result.contracts] == [
        ("Alpha MDR", date(2026, 7, 5), D("12000.00"), "EUR"),
        ("Beta SIEM", date(2026, 9, 23), D("24000.00"), "USD"),
    ]
    weekly = renewals.contracts_ending(db_session, TODAY, max_points=1)
    assert weekly.contracts == []
    assert [(w.week, w.currency, w.contracts, w.value) for w in weekly.weeks] == [
        (date(2026, 6, 29), "EUR", 1, D("12000.00")),
        (date(2026, 9, 21), "USD", 1, D("24000.00")),
    ]
    siem = renewals.contracts_ending(db_session, TODAY, service_id=known.siem.id)
    assert [c.contract_name for c in siem.contracts] == ["Beta SIEM"]
    assert renewals.ending_counts(db_session, TODAY) == {30: 1, 60: 1, 90: 1}
    assert renewals.ending_counts(db_session, TODAY, frozenset({known.beta.id})) == {30: 0, 60: 0, 90: 0}
    # With a service: the contracts holding it, as the renewals chart counts them.
    assert renewals.ending_counts(db_session, TODAY, None, known.edr.id) == {30: 1, 60: 1, 90: 1}
    assert renewals.ending_counts(db_session, TODAY, None, known.siem.id) == {30: 0, 60: 0, 90: 0}


def test_license_pools_use(db_session, known):
    usage = licenses.license_usage(db_session)
    assert [(p.product_name, p.total_seats, p.assigned_seats, p.utilisation) for p in usage.pools] == [
        ("Test EDR seats", 100, 95, D("0.9500")),
        ("Test SIEM seats", 50, 5, D("0.1000")),
    ]
    assert (usage.pool_count, usage.nearly_full_count) == (2, 1)
    assert [p.product_name for p in usage.pools if p.nearly_full] == ["Test EDR seats"]
    fullest = licenses.license_usage(db_session, limit=1)
    assert [p.product_name for p in fullest.pools] == ["Test EDR seats"]
    assert (fullest.pool_count, fullest.nearly_full_count) == (2, 1)
    alpha = licenses.license_usage(db_session, known.alpha.id)
    assert [(p.product_name, p.assigned_seats, p.client_seats) for p in alpha.pools] == [
        ("Test EDR seats", 95, 60)
    ]
    assert (alpha.pool_count, alpha.nearly_full_count) == (1, 1)


def test_clients_counted_and_found_by_name(db_session, known):
    assert clients.active_client_count(db_session) == 2
    assert [c.company_name for c in clients.search_clients(db_session, "alpha")] == ["Alpha Test GmbH"]
    assert clients.search_clients(db_session, "%") == [] and clients.search_clients(db_session, "  ") == []


# --- the refresh -----------------------------------------------------------------------------


def test_incremental_refresh_recomputes_only_what_changed(db_session, known):
    # Make the known data look old, so that only rows written after it count as changes.
    for table in ("service_performance_metrics", "financial_transactions", "sla_metrics", "ticket_summaries"):
        db_session.execute(text(f"UPDATE {table} SET updated_at = now() - interval '1 day'"))
    first = refresh_rollups(session=db_session, today=TODAY)
    assert set(first.rebuilt) == {"metrics", "sla", "tickets", "finance", "client_revenue", "revenue_windows"}
    nothing = refresh_rollups(session=db_session, today=TODAY)
    assert nothing.recomputed == {
        "metrics": 0,
        "sla": 0,
        "tickets": 0,
        "finance": 0,
        "client_revenue": 0,
        "revenue_windows": 0,
    }

    db_session.add(
        ServicePerformanceMetric(
            client=known.alpha,
            service=known.edr,
            unit="%",
            metric_name="endpoints_online_pct",
            timestamp=at("2026-06-14", 11, 30),
            value=97.0,
        )
    )
    db_session.add(
        FinancialTransaction(
            transaction_type=TransactionType.REVENUE_ONE_OFF,
            amount=D("100.00"),
            currency="EUR",
            transaction_date=date(2026, 6, 12),
            client_id=known.alpha.id,
        )
    )
    db_session.flush()
    report = refresh_rollups(session=db_session, today=TODAY)
    assert report.recomputed == {
        "metrics": 1,
        "sla": 0,
        "tickets": 0,
        "finance": 1,
        "client_revenue": 1,
        "revenue_windows": 1,
    }
    assert report.rebuilt == []
    hour = health.metric_series(
        db_session, DashboardFilters("custom", date(2026, 6, 14), date(2026, 6, 14)), rollup=True
    )
    online = next(r for r in hour if r.metric_name == "endpoints_online_pct")
    assert online.points == [3, 2] and online.average == [88.667, 98.0]
    june = finance.revenue_and_cost_by_month(
        db_session, DashboardFilters("custom", date(2026, 6, 1), TODAY), rollup=True
    )
    assert [(r.currency, r.revenue) for r in june] == [("EUR", D("100.00")), ("USD", D("500.00"))]
    alpha_top = top_clients.top_clients_by_revenue(
        db_session, DashboardFilters.for_preset("30d", TODAY), windows_as_of=TODAY
    )
    assert [(r.company_name, r.revenue) for r in alpha_top] == [
        ("Alpha Test GmbH", D("100.00")),
        ("Beta Test Inc", D("500.00")),
    ]


def test_refresh_since_catches_deleted_rows(db_session, rolled_up):
    db_session.execute(
        text("DELETE FROM service_performance_metrics WHERE metric_name = 'events_per_second'")
    )
    report = refresh_rollups(since=datetime(2026, 6, 1, tzinfo=UTC), session=db_session, today=TODAY)
    assert report.recomputed["metrics"] >= 2
    series = health.metric_series(
        db_session, DashboardFilters("custom", date(2026, 6, 13), date(2026, 6, 14)), rollup=True
    )
    assert [r.metric_name for r in series] == ["endpoints_online_pct"]
    assert "metrics: " in report.lines()[0]
