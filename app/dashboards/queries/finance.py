"""Money aggregates: revenue, cost and margin per month, MRR trend, contract value (top clients:
`app.dashboards.queries.top_clients`).

Every figure is per currency: amounts in different currencies are never added.
Cancelled transactions are left out. `client_ids` limits a query to those
clients (an account manager's, or the one client of a client dashboard); None
means the whole MSSP, including costs that belong to no client. A service filter
keeps the transactions of that service's scopes.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.dashboards.filters import DashboardFilters
from app.dashboards.queries.common import id_or_none, next_month, run, uuid_list, where
from app.services.contract_counting import counting_sql

CLIENT_FILTER = "client_id = ANY(CAST(:clients AS uuid[]))"
REVENUE_ROWS = "transaction_type LIKE 'revenue%'"


@dataclass(frozen=True)
class MonthMoney:
    month: date
    currency: str
    revenue: Decimal
    cost: Decimal
    margin: Decimal


@dataclass(frozen=True)
class MrrMonth:
    snapshot_date: date
    currency: str
    mrr: Decimal
    active_clients: int
    #: Change against the previous snapshot of the same currency (None for the first).
    mrr_change: Decimal | None


@dataclass(frozen=True)
class CurrencyAmount:
    currency: str
    amount: Decimal
    count: int


def money_params(filters: DashboardFilters, client_ids: Collection[uuid.UUID] | None) -> dict:
    """The bind parameters every money query shares: the range's months, the clients, the service."""
    return {
        "first": filters.first_month,
        "after": next_month(filters.last_month),
        "clients": uuid_list(client_ids or ()),
        "service": id_or_none(filters.service_id),
    }


def revenue_and_cost_by_month(
    session: Session,
    filters: DashboardFilters,
    client_ids: Collection[uuid.UUID] | None = None,
    rollup: bool = False,
) -> list[MonthMoney]:
    """Per month touching the range and currency: revenue, cost and their difference."""
    service = "service_id = CAST(:service AS uuid)" if filters.service_id else None
    if rollup and client_ids is None:
        source = f"""
            SELECT month, currency, sum(revenue) AS revenue, sum(cost) AS cost FROM dash_finance_monthly
            {where("month >= :first AND month < :after", service)}
            GROUP BY month, currency"""
    else:
        source = f"""
            SELECT date_trunc('month', t.transaction_date)::date AS month, t.currency,
                   coalesce(sum(t.amount) FILTER (WHERE t.{REVENUE_ROWS}), 0) AS revenue,
                   coalesce(sum(t.amount) FILTER (WHERE NOT t.{REVENUE_ROWS}), 0) AS cost
            FROM financial_transactions t
            {"JOIN service_scopes sc ON sc.id = t.service_scope_id" if filters.service_id else ""}
            {
            where(
                "t.transaction_date >= :first AND t.transaction_date < :after",
                "t.status <> 'cancelled'",
                "t." + CLIENT_FILTER if client_ids is not None else None,
                "sc." + service if service else None,
            )
        }
            GROUP BY 1, 2"""
    rows = run(
        session,
        f"SELECT month, currency, revenue, cost, revenue - cost FROM ({source}) m ORDER BY currency, month",
        money_params(filters, client_ids),
    )
    return [MonthMoney(*row) for row in rows]


def mrr_trend(
    session: Session, filters: DashboardFilters, client_ids: Collection[uuid.UUID] | None = None
) -> list[MrrMonth]:
    """Month-end snapshots in the months touching the range: MRR and active clients per currency."""
    if client_ids is None:
        source = """
            SELECT snapshot_date, currency, monthly_recurring_revenue AS mrr, active_client_count AS clients
            FROM client_subscription_snapshots
            WHERE client_id IS NULL AND snapshot_date >= :first AND snapshot_date < :after"""
    else:
        source = f"""
            SELECT snapshot_date, currency, sum(monthly_recurring_revenue) AS mrr,
                   sum(active_client_count) AS clients
            FROM client_subscription_snapshots
            {where("snapshot_date >= :first AND snapshot_date < :after", CLIENT_FILTER)}
            GROUP BY snapshot_date, currency"""
    rows = run(
        session,
        f"""
        SELECT snapshot_date, currency, mrr, clients,
               mrr - lag(mrr) OVER (PARTITION BY currency ORDER BY snapshot_date) AS mrr_change
        FROM ({source}) s ORDER BY currency, snapshot_date""",
        money_params(filters, client_ids),
    )
    return [MrrMonth(*row) for row in rows]


def latest_mrr(
    session: Session, today: date, client_ids: Collection[uuid.UUID] | None = None
) -> tuple[date | None, list[CurrencyAmount]]:
    """MRR per currency at the latest snapshot on or before `today`, and that snapshot's date."""
    scope = "client_id IS NULL" if client_ids is None else CLIENT_FILTER
    params = {"today": today, "clients": uuid_list(client_ids or ())}
    rows = run(
        session,
        f"""
        WITH latest AS (
            SELECT max(snapshot_date) AS day FROM client_subscription_snapshots
            {where(scope, "snapshot_date <= :today")}
        )
        SELECT l.day, s.currency, sum(s.monthly_recurring_revenue), count(*)
        FROM latest l JOIN client_subscription_snapshots s ON s.snapshot_date = l.day
        {where(scope)}
        GROUP BY l.day, s.currency ORDER BY s.currency""",
        params,
    )
    if not rows:
        return None, []
    return rows[0][0], [CurrencyAmount(currency, amount, count) for _day, currency, amount, count in rows]


def active_contract_value(
    session: Session, client_ids: Collection[uuid.UUID] | None = None
) -> list[CurrencyAmount]:
    """Value of the active contracts per currency, and how many there are."""
    rows = run(
        session,
        f"""
        SELECT currency, sum(value), count(*) FROM contracts
        {where(counting_sql(), CLIENT_FILTER if client_ids is not None else None)}
        GROUP BY currency ORDER BY currency""",
        {"clients": uuid_list(client_ids or ())},
    )
    return [CurrencyAmount(*row) for row in rows]
