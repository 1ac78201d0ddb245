"""Top clients by revenue over a date range, per currency (amounts in different currencies never meet).

A preset range reads the precomputed windows; a custom one adds the whole months of the
per-client monthly rollup to its edge days read from the transactions. A long custom range
first ranks only the clients most likely to lead (`_top_clients_of_candidates`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.dashboards.filters import PRESETS, DashboardFilters
from app.dashboards.queries.common import next_month, run, where
from app.dashboards.queries.finance import CLIENT_FILTER, REVENUE_ROWS, money_params
from app.dashboards.rollups import OVERLAP


@dataclass(frozen=True)
class ClientRevenue:
    currency: str
    rank: int
    client_id: uuid.UUID
    company_name: str
    revenue: Decimal


def whole_months(date_from: date, date_to: date) -> tuple[date, date]:
    """The whole calendar months inside [date_from, date_to] as [first, after); none: both are to + 1 day."""
    day_after = date_to + timedelta(days=1)
    first = date_from if date_from.day == 1 else next_month(date_from)
    after = day_after if day_after.day == 1 else date_to.replace(day=1)
    if first >= after:
        return day_after, day_after
    return first, after


_CLIENT_REVENUE_ROWS = (
    "t." + REVENUE_ROWS,
    "t.status <> 'cancelled'",
    "t.client_id IS NOT NULL",
)


def _revenue_rows(days: str, client_ids: Collection[uuid.UUID] | None) -> str:
    conditions = where(days, *_CLIENT_REVENUE_ROWS, "t." + CLIENT_FILTER if client_ids is not None else None)
    return f"SELECT t.currency, t.client_id, t.amount AS revenue FROM financial_transactions t {conditions}"


def _per_client_from_months(client_ids: Collection[uuid.UUID] | None) -> str:
    """Revenue per (currency, client): whole months from the rollup, the edge days from the transactions.

    Each part is a plain range, so each edge is an index-only scan of the revenue-by-day index.
    """
    clients = CLIENT_FILTER if client_ids is not None else None
    months = f"""
        SELECT currency, client_id, revenue FROM dash_client_revenue_monthly
        {where("month >= :whole_from AND month < :whole_after", clients)}"""
    head = _revenue_rows("t.transaction_date >= :from AND t.transaction_date < :whole_from", client_ids)
    tail = _revenue_rows("t.transaction_date >= :whole_after AND t.transaction_date <= :to", client_ids)
    return f"""
        SELECT currency, client_id, sum(revenue) AS revenue FROM (
            {months}
            UNION ALL {head}
            UNION ALL {tail}
        ) parts
        GROUP BY currency, client_id"""


def _per_client_from_transactions(filters: DashboardFilters, client_ids: Collection[uuid.UUID] | None) -> str:
    return f"""
        SELECT t.currency, t.client_id, sum(t.amount) AS revenue
        FROM financial_transactions t
        {"JOIN service_scopes sc ON sc.id = t.service_scope_id" if filters.service_id else ""}
        {
        where(
            "t.transaction_date BETWEEN :from AND :to",
            *_CLIENT_REVENUE_ROWS,
            "t." + CLIENT_FILTER if client_ids is not None else None,
            "sc.service_id = CAST(:service AS uuid)" if filters.service_id else None,
        )
    }
        GROUP BY t.currency, t.client_id"""


#: Clients per currency whose revenue a long custom range computes before trying to prove the ranking.
CANDIDATES = 1000
#: Shorter ranges are summed directly: cheap, and the bounds below are too loose for them.
BOUND_FROM_DAYS = 100
#: Upper bounds of a client's revenue in a range, tightest first: (rollup state, its rows of one
#: currency `cur.currency`). The year window bounds a range inside it; all time bounds any.
YEAR_BOUND = (
    "revenue_windows",
    "dash_client_revenue_window r WHERE r.preset = 'year' AND r.currency = cur.currency",
)
ALL_TIME_BOUND = ("client_revenue", "dash_client_revenue_total r WHERE r.currency = cur.currency")


def _bound_for(filters: DashboardFilters, windows_as_of: date | None) -> tuple[str, str]:
    if windows_as_of is not None:
        first_day = windows_as_of - timedelta(days=PRESETS["year"][1] - 1)
        if first_day <= filters.date_from and filters.date_to <= windows_as_of:
            return YEAR_BOUND
    return ALL_TIME_BOUND


_EDGE_DAYS = (
    "(t.transaction_date >= :from AND t.transaction_date < :whole_from"
    " OR t.transaction_date >= :whole_after AND t.transaction_date <= :to)"
)


_INSIDE_MONTHS = """(
    SELECT sum(m.revenue) FROM dash_client_revenue_monthly m
    WHERE m.client_id = c.client_id AND m.currency = c.currency
    AND m.month >= :whole_from AND m.month < :whole_after)"""
#: All time less the months outside the range: fewer rows to read when the range covers most months.
_ALL_TIME_LESS_OUTSIDE = """c.bound - coalesce((
    SELECT sum(m.revenue) FROM dash_client_revenue_monthly m
    WHERE m.client_id = c.client_id AND m.currency = c.currency
    AND (m.month < :whole_from OR m.month >= :whole_after)), 0)"""


def _candidates_sql(state: str, bound_rows: str, months: str) -> str:
    return f"""
    WITH candidates AS (
        SELECT cur.currency, b.client_id, b.revenue AS bound, b.position
        FROM (SELECT DISTINCT currency FROM dash_finance_monthly) cur
        CROSS JOIN LATERAL (
            SELECT client_id, revenue, row_number() OVER (ORDER BY revenue DESC, client_id) AS position
            FROM {bound_rows}
            ORDER BY revenue DESC, client_id LIMIT :candidates + 1
        ) b
    ),
    edges AS (  -- the edge days, read live (from the covering revenue-by-day index)
        SELECT t.currency, t.client_id, sum(t.amount) AS revenue FROM financial_transactions t
        {where(_EDGE_DAYS, *_CLIENT_REVENUE_ROWS)}
        GROUP BY t.currency, t.client_id
    ),
    fresh AS (  -- what the edge days gained since the bound was computed (by the updated_at index)
        SELECT t.currency, t.client_id, sum(t.amount) AS revenue FROM financial_transactions t
        {
        where(
            "t.updated_at >= (SELECT watermark - CAST(:overlap AS interval) FROM dash_rollup_state"
            f" WHERE name = '{state}')",
            _EDGE_DAYS,
            *_CLIENT_REVENUE_ROWS,
        )
    }
        GROUP BY t.currency, t.client_id
    ),
    exact AS MATERIALIZED (
        SELECT c.currency, c.client_id, coalesce(e.revenue, 0) + coalesce({months}, 0) AS revenue
        FROM candidates c LEFT JOIN edges e ON e.currency = c.currency AND e.client_id = c.client_id
        WHERE c.position <= :candidates
    ),
    ranked AS (
        SELECT x.*, rank() OVER w AS rank, row_number() OVER w AS position FROM exact x
        WHERE x.revenue > 0
        WINDOW w AS (PARTITION BY x.currency ORDER BY x.revenue DESC)
    )
    SELECT 'client', r.currency, r.client_id, cl.company_name, r.revenue, r.rank, r.position
    FROM ranked r JOIN clients cl ON cl.id = r.client_id WHERE r.rank <= :limit
    UNION ALL
    SELECT 'bound', currency, NULL, NULL, bound, NULL, NULL FROM candidates WHERE position = :candidates + 1
    UNION ALL
    SELECT 'fresh', currency, NULL, NULL, max(revenue), NULL, NULL FROM fresh WHERE revenue > 0
    GROUP BY currency"""


def _months_sql(session: Session, params: dict, bound: tuple[str, str]) -> str:
    """How a candidate's whole months are summed: the months in the range, or all time less the others."""
    if bound is not ALL_TIME_BOUND:
        return _INSIDE_MONTHS
    first, last = run(session, "SELECT min(month), max(month) FROM dash_client_revenue_monthly")[0]
    if first is None:
        return _INSIDE_MONTHS
    inside = (params["whole_after"].year - params["whole_from"].year) * 12 + (
        params["whole_after"].month - params["whole_from"].month
    )
    stored = (last.year - first.year) * 12 + last.month - first.month + 1
    return _ALL_TIME_LESS_OUTSIDE if stored - inside < inside else _INSIDE_MONTHS


def _top_clients_of_candidates(
    session: Session, params: dict, bound: tuple[str, str]
) -> list[ClientRevenue] | None:
    """The ranking from the `candidates` clients per currency with the highest `bound` (the
    year window containing the range, or all time), or None when they cannot be shown to hold
    the top.

    Amounts are never negative, so no other client earned more in the range than the next
    one's bound, plus what the edge days (read live, while the bound is as of the last
    refresh) gained since. When the `limit`-th candidate earned more than that, the ranking
    is exact; else the caller sums every client.
    """
    limit = params["limit"]
    ranked: dict[str, list[ClientRevenue]] = {}
    nth: dict[str, Decimal] = {}
    outside: dict[str, Decimal] = {}
    sql = _candidates_sql(*bound, _months_sql(session, params, bound))
    for kind, currency, client_id, name, amount, rank, position in run(session, sql, params):
        if kind == "client":
            ranked.setdefault(currency, []).append(ClientRevenue(currency, rank, client_id, name, amount))
            if position == limit:
                nth[currency] = amount
        else:
            outside[currency] = outside.get(currency, Decimal(0)) + amount
    for currency in ranked.keys() | outside.keys():
        # Fewer than `limit` earners: proven only when nobody else can have earned anything.
        most_outside = outside.get(currency, Decimal(0))
        if (most_outside > 0) if currency not in nth else (nth[currency] <= most_outside):
            return None
    return sorted(
        (r for rows in ranked.values() for r in rows), key=lambda r: (r.currency, r.rank, r.company_name)
    )


def top_clients_by_revenue(
    session: Session,
    filters: DashboardFilters,
    client_ids: Collection[uuid.UUID] | None = None,
    limit: int = 15,
    windows_as_of: date | None = None,
    monthly_rollup: bool = False,
    candidates: int = CANDIDATES,
) -> list[ClientRevenue]:
    """The `limit` clients with the most revenue in the range (exact days), per currency.

    Uses the precomputed preset windows when they were computed for the range's
    end day and nothing narrows the query; otherwise, without a service filter and
    once the monthly rollup is built (`monthly_rollup`), its whole months plus the
    edge days; otherwise sums the transactions. A long custom range first tries the
    `candidates` clients per currency most likely to lead (see `_top_clients_of_candidates`).
    """
    whole_from, whole_after = whole_months(filters.date_from, filters.date_to)
    params = money_params(filters, client_ids) | {
        "limit": limit,
        "preset": filters.preset,
        "from": filters.date_from,
        "to": filters.date_to,
        "whole_from": whole_from,
        "whole_after": whole_after,
    }
    precomputed = filters.preset in PRESETS and windows_as_of == filters.date_to
    fleet = client_ids is None and filters.service_id is None
    if fleet and not precomputed and monthly_rollup and filters.days >= BOUND_FROM_DAYS:
        pruned = _top_clients_of_candidates(
            session,
            params | {"candidates": candidates, "overlap": f"{OVERLAP.total_seconds()} seconds"},
            _bound_for(filters, windows_as_of),
        )
        if pruned is not None:
            return pruned
    if precomputed and fleet:
        # Index-backed top-N per currency; the currency list comes from the small monthly rollup.
        ranked = """
            SELECT cur.currency, w.client_id, w.revenue,
                   rank() OVER (PARTITION BY cur.currency ORDER BY w.revenue DESC) AS rank
            FROM (SELECT DISTINCT currency FROM dash_finance_monthly) cur
            CROSS JOIN LATERAL (
                SELECT client_id, revenue FROM dash_client_revenue_window r
                WHERE r.preset = :preset AND r.currency = cur.currency AND r.revenue > 0
                ORDER BY r.revenue DESC LIMIT :limit
            ) w"""
    else:
        per_client = (
            _per_client_from_months(client_ids)
            if monthly_rollup and filters.service_id is None
            else _per_client_from_transactions(filters, client_ids)
        )
        ranked = f"""
            SELECT currency, client_id, revenue,
                   rank() OVER (PARTITION BY currency ORDER BY revenue DESC) AS rank
            FROM ({per_client}) per_client"""
    rows = run(
        session,
        f"""
        SELECT r.currency, r.rank, r.client_id, c.company_name, r.revenue
        FROM ({ranked}) r JOIN clients c ON c.id = r.client_id
        WHERE r.rank <= :limit AND r.revenue > 0
        ORDER BY r.currency, r.rank, c.company_name""",
        params,
    )
    return [ClientRevenue(*row) for row in rows]
