"""The scheduler's reconciliation runs (app.jobs.definitions): usage rollup, then the months."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from app.services.reconciliation.refresh import refresh_month
from app.services.reconciliation.usage import refresh_usage_days

#: Until this day of a month, the previous month is refreshed too (late invoices, late metrics).
PREVIOUS_MONTH_UNTIL_DAY = 5
#: The nightly run re-reads this many days of metric points (corrections, late syncs).
NIGHTLY_USAGE_DAYS = 35


class HasNow(Protocol):
    now: datetime


def months_to_refresh(today: date) -> list[date]:
    month = today.replace(day=1)
    if today.day <= PREVIOUS_MONTH_UNTIL_DAY:
        return [(month - timedelta(days=1)).replace(day=1), month]
    return [month]


def reconcile(today: date, *, usage_days: int = 2, session: Session | None = None) -> str:
    """Roll up the last `usage_days` days of usage, then refresh the months due; one line."""
    usage = refresh_usage_days(today - timedelta(days=usage_days - 1), today, session=session)
    reports = [refresh_month(month, session=session) for month in months_to_refresh(today)]
    return "; ".join([str(usage), *map(str, reports)])


def reconciliation_job(ctx: HasNow) -> str:
    return reconcile(ctx.now.date())


def reconciliation_nightly_job(ctx: HasNow) -> str:
    return reconcile(ctx.now.date(), usage_days=NIGHTLY_USAGE_DAYS)
