"""What a month's records say, read in a handful of set queries for `rules.reconcile_month`."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.models.catalog import MetricAggregate, Service
from app.models.contracts import Contract, ContractStatus, SafStatus, ServiceScope
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from app.models.licensing import ClientLicense, LicensePool
from app.models.reconciliation import UsageDaily
from app.services.licensing import SEAT_HOLDING_STATUSES
from app.services.reconciliation.rules import (
    MoneyItem,
    ScopeTerms,
    SeatHolding,
    ServiceTerms,
    quantity,
)

#: Contracts whose scopes count in the months their dates touch: signed and not cut short.
COUNTED_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.RENEWED)
#: Scopes that never started, or were called off, entitle nothing.
UNCOUNTED_SAF_STATUSES = (SafStatus.CANCELLED,)
REVENUE_TYPES = tuple(t for t in TransactionType if t.is_revenue)


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month `month` falls in."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def service_terms(session: Session) -> dict[uuid.UUID, ServiceTerms]:
    return {
        s.id: ServiceTerms(
            service_id=s.id,
            name=s.name,
            metric_name=s.deployment_metric_name,
            aggregate=s.deployment_aggregate,
            tolerance_percent=s.reconciliation_tolerance_percent,
            allowance_parameter=s.usage_allowance_parameter,
            base_price=s.base_price,
            currency=s.currency,
        )
        for s in session.scalars(select(Service))
    }


def scopes_in_force(
    session: Session, month: date, services: dict[uuid.UUID, ServiceTerms], client_ids: list[uuid.UUID] | None
) -> list[ScopeTerms]:
    first, last = month_bounds(month)
    query = (
        select(
            ServiceScope.id,
            ServiceScope.contract_id,
            Contract.client_id,
            ServiceScope.service_id,
            ServiceScope.quantity,
            ServiceScope.price,
            ServiceScope.currency,
            ServiceScope.unit,
            ServiceScope.scope_details,
            Contract.start_date,
        )
        .join(Contract, Contract.id == ServiceScope.contract_id)
        .where(
            Contract.status.in_(COUNTED_CONTRACT_STATUSES),
            Contract.start_date <= last,
            Contract.end_date >= first,
            ServiceScope.saf_status.not_in(UNCOUNTED_SAF_STATUSES),
            or_(ServiceScope.saf_service_start_date.is_(None), ServiceScope.saf_service_start_date <= last),
            or_(ServiceScope.saf_service_end_date.is_(None), ServiceScope.saf_service_end_date >= first),
        )
    )
    if client_ids is not None:
        query = query.where(Contract.client_id.in_(client_ids))
    scopes = []
    for row in session.execute(query):
        parameter = services[row.service_id].allowance_parameter
        scopes.append(
            ScopeTerms(
                scope_id=row.id,
                contract_id=row.contract_id,
                client_id=row.client_id,
                service_id=row.service_id,
                quantity=row.quantity,
                price=row.price,
                currency=row.currency,
                unit=row.unit.value,
                allowance=_allowance(row.scope_details, parameter) if parameter else None,
                order=(row.start_date, str(row.id)),
            )
        )
    return scopes


def _allowance(details: dict, parameter: str) -> Decimal | None:
    value = (details or {}).get(parameter)
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def seat_holdings(session: Session, month: date, client_ids: list[uuid.UUID] | None) -> list[SeatHolding]:
    """Seats held at the month's end (or now, for the current month) from pools tied to a service."""
    _first, last = month_bounds(month)
    query = (
        select(
            ClientLicense.client_id,
            LicensePool.service_id,
            LicensePool.cost_per_seat,
            LicensePool.currency,
            func.sum(ClientLicense.assigned_seats).label("seats"),
        )
        .join(LicensePool, LicensePool.id == ClientLicense.license_pool_id)
        .where(
            LicensePool.service_id.is_not(None),
            ClientLicense.status.in_(SEAT_HOLDING_STATUSES),
            ClientLicense.assignment_date <= last,
        )
        .group_by(
            ClientLicense.client_id, LicensePool.service_id, LicensePool.cost_per_seat, LicensePool.currency
        )
    )
    if client_ids is not None:
        query = query.where(ClientLicense.client_id.in_(client_ids))
    return [
        SeatHolding(row.client_id, row.service_id, int(row.seats), row.cost_per_seat, row.currency)
        for row in session.execute(query)
    ]


def deployed_figures(
    session: Session, month: date, services: dict[uuid.UUID, ServiceTerms], client_ids: list[uuid.UUID] | None
) -> dict[tuple[uuid.UUID, uuid.UUID], Decimal]:
    """(client, service) -> the month's maximum or average of the service's metric (daily rollup)."""
    first, last = month_bounds(month)
    measured = {sid: t for sid, t in services.items() if t.metric_name}
    if not measured:
        return {}
    pairs = [
        and_(UsageDaily.service_id == sid, UsageDaily.metric_name == t.metric_name)
        for sid, t in measured.items()
    ]
    query = (
        select(
            UsageDaily.client_id,
            UsageDaily.service_id,
            func.max(UsageDaily.max_value).label("peak"),
            (func.sum(UsageDaily.sum_value) / func.nullif(func.sum(UsageDaily.point_count), 0)).label("mean"),
        )
        .where(UsageDaily.day.between(first, last), or_(*pairs))
        .group_by(UsageDaily.client_id, UsageDaily.service_id)
    )
    if client_ids is not None:
        query = query.where(UsageDaily.client_id.in_(client_ids))
    figures = {}
    for row in session.execute(query):
        value = row.peak if measured[row.service_id].aggregate is MetricAggregate.MAX else row.mean
        if value is not None:
            figures[(row.client_id, row.service_id)] = quantity(Decimal(repr(float(value))))
    return figures


def money_items(session: Session, month: date, client_ids: list[uuid.UUID] | None) -> list[MoneyItem]:
    """The month's transactions linked to a scope or a contract (cancelled ones left out)."""
    first, last = month_bounds(month)
    t = FinancialTransaction
    query = select(t.amount, t.currency, t.transaction_type, t.service_scope_id, t.contract_id).where(
        t.transaction_date.between(first, last),
        t.status != TransactionStatus.CANCELLED,
        or_(t.service_scope_id.is_not(None), t.contract_id.is_not(None)),
    )
    if client_ids is not None:
        owner = select(Contract.id).where(Contract.client_id.in_(client_ids))
        query = query.where(or_(t.client_id.in_(client_ids), t.contract_id.in_(owner)))
    return [
        MoneyItem(
            row.amount,
            row.currency,
            row.transaction_type in REVENUE_TYPES,
            row.service_scope_id,
            row.contract_id,
        )
        for row in session.execute(query)
    ]
