"""Revenue at risk: the one sum the dashboard tile and the findings page both show.

Revenue at risk is the sum of the values of the revenue findings (deployed above
entitled, under-billed, deployed without contract, usage above allowance), one figure
per currency, never added across currencies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Query, Session

from app.models.reconciliation import ReconciliationFinding

#: The findings page's URL filter for one month (FAB's "equal to" on `month`).
MONTH_FILTER_ARG = "_flt_0_month"


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Decimal
    findings: int


def revenue_at_risk_of(findings: Query[Any]) -> list[CurrencyTotal]:
    """Revenue at risk of the findings `findings` selects (a query of ReconciliationFinding rows)."""
    f = ReconciliationFinding
    rows = (
        findings.filter(f.is_revenue.is_(True))
        .with_entities(f.currency, func.sum(f.value), func.count())
        .group_by(f.currency)
        .order_by(f.currency)
        .all()
    )
    return [CurrencyTotal(currency, Decimal(amount), count) for currency, amount, count in rows]


def revenue_at_risk(
    session: Session, month: date, client_ids: frozenset[uuid.UUID] | None = None
) -> list[CurrencyTotal]:
    """Revenue at risk in `month`, for every client (None) or these clients."""
    query = session.query(ReconciliationFinding).filter(ReconciliationFinding.month == month.replace(day=1))
    if client_ids is not None:
        query = query.filter(ReconciliationFinding.client_id.in_(client_ids))
    return revenue_at_risk_of(query)


def latest_month(session: Session) -> date | None:
    """The latest month reconciled (None before the first refresh)."""
    return session.scalar(select(func.max(ReconciliationFinding.month)))
