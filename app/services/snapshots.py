"""The daily client subscription snapshot: figures frozen per date, client and currency.

One row per (date, client, currency) for every client that is active, holds an
active contract or booked money this month, plus the MSSP-wide rows (client
NULL), one per currency. Money is never added across currencies:
`total_contract_value` (the contracts that count today, as
app.services.contract_counting decides), `monthly_recurring_revenue` (each counting
contract's value spread over its term in months) and the month's
`period_revenue`/`period_cost` (transactions from the 1st to the snapshot date,
cancelled ones excluded) are per currency. Counts that have no currency (active
clients, services, seats, hardware, open tickets) are repeated on each currency
row of the same client, so any single row is a complete picture in its currency;
`active_contract_count` counts the contracts in that row's currency. Seats are the seats a
client holds in the sense of the seat rules (`licensing.SEAT_HOLDING_STATUSES`: pending,
active, suspended), as on the dashboards and the pool pages.

Re-running on the same date replaces that date's rows (in one transaction).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from psycopg2.extras import execute_values
from sqlalchemy import Numeric, cast, func, select

from app.extensions import db
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, SafStatus, ServiceScope
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from app.models.hardware import ClientHardwareAssignment, HardwareAssignmentStatus
from app.models.licensing import ClientLicense
from app.models.metrics import TicketStatus, TicketSummary
from app.models.types import DEFAULT_CURRENCY
from app.services.contract_counting import counts as contract_counts
from app.services.licensing import SEAT_HOLDING_STATUSES

OPEN_TICKET_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CLIENT)
CENT = Decimal("0.01")
DAYS_PER_MONTH = Decimal("30.4375")

ClientKey = uuid.UUID | None  # None: the MSSP-wide row


@dataclass
class Counts:
    active_client_count: int = 0
    active_service_count: int = 0
    license_seats_assigned: int = 0
    hardware_assets_deployed: int = 0
    open_ticket_count: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Money:
    active_contract_count: int = 0
    total_contract_value: Decimal = Decimal("0")
    monthly_recurring_revenue: Decimal = Decimal("0")
    period_revenue: Decimal = Decimal("0")
    period_cost: Decimal = Decimal("0")

    def add(self, other: Money) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Figures:
    counts: dict[ClientKey, Counts] = field(default_factory=lambda: defaultdict(Counts))
    money: dict[tuple[ClientKey, str], Money] = field(default_factory=lambda: defaultdict(Money))


def _collect_counts(figures: Figures) -> None:
    session = db.session
    for (client_id,) in session.execute(select(Client.id).where(Client.status == ClientStatus.ACTIVE)):
        figures.counts[client_id].active_client_count = 1
    services = session.execute(
        select(Contract.client_id, func.count(ServiceScope.id))
        .join(ServiceScope, ServiceScope.contract_id == Contract.id)
        .where(contract_counts(), ServiceScope.saf_status == SafStatus.ACTIVE)
        .group_by(Contract.client_id)
    )
    for client_id, count in services:
        figures.counts[client_id].active_service_count = count
    seats = session.execute(
        select(ClientLicense.client_id, func.sum(ClientLicense.assigned_seats))
        .where(ClientLicense.status.in_(SEAT_HOLDING_STATUSES))
        .group_by(ClientLicense.client_id)
    )
    for client_id, total in seats:
        figures.counts[client_id].license_seats_assigned = int(total or 0)
    hardware = session.execute(
        select(ClientHardwareAssignment.client_id, func.count())
        .where(
            ClientHardwareAssignment.return_date.is_(None),
            ClientHardwareAssignment.status == HardwareAssignmentStatus.ACTIVE,
        )
        .group_by(ClientHardwareAssignment.client_id)
    )
    for client_id, count in hardware:
        figures.counts[client_id].hardware_assets_deployed = count
    tickets = session.execute(
        select(TicketSummary.client_id, func.count())
        .where(TicketSummary.status.in_(OPEN_TICKET_STATUSES))
        .group_by(TicketSummary.client_id)
    )
    for client_id, count in tickets:
        figures.counts[client_id].open_ticket_count = count


def _collect_money(figures: Figures, snapshot_date: date) -> None:
    session = db.session
    days = cast(Contract.end_date - Contract.start_date + 1, Numeric)
    months = func.greatest(1, func.round(days / DAYS_PER_MONTH))
    contracts = session.execute(
        select(
            Contract.client_id,
            Contract.currency,
            func.count(),
            func.sum(Contract.value),
            func.sum(Contract.value / months),
        )
        .where(contract_counts())
        .group_by(Contract.client_id, Contract.currency)
    )
    for client_id, currency, count, value, mrr in contracts:
        money = figures.money[(client_id, currency)]
        money.active_contract_count = count
        money.total_contract_value = Decimal(value or 0)
        money.monthly_recurring_revenue = Decimal(mrr or 0).quantize(CENT)
    month_start = snapshot_date.replace(day=1)
    client = func.coalesce(FinancialTransaction.client_id, Contract.client_id)
    revenue_types = [t.value for t in TransactionType if t.is_revenue]
    booked = session.execute(
        select(
            client,
            FinancialTransaction.currency,
            FinancialTransaction.transaction_type.in_(revenue_types),
            func.sum(FinancialTransaction.amount),
        )
        .outerjoin(Contract, Contract.id == FinancialTransaction.contract_id)
        .where(
            FinancialTransaction.transaction_date.between(month_start, snapshot_date),
            FinancialTransaction.status != TransactionStatus.CANCELLED,
        )
        .group_by(
            client, FinancialTransaction.currency, FinancialTransaction.transaction_type.in_(revenue_types)
        )
    )
    for client_id, currency, is_revenue, amount in booked:
        money = figures.money[(client_id, currency)]
        if is_revenue:
            money.period_revenue += Decimal(amount or 0)
        else:
            money.period_cost += Decimal(amount or 0)


def compute_snapshot_rows(snapshot_date: date) -> list[dict[str, Any]]:
    """The rows of one date's snapshot (not written)."""
    figures = Figures()
    _collect_counts(figures)
    _collect_money(figures, snapshot_date)
    client_currency = dict(db.session.execute(select(Client.id, Client.currency)).all())
    currencies: dict[ClientKey, set[str]] = defaultdict(set)
    for client_id, currency in figures.money:
        currencies[client_id].add(currency)
    for client_id in figures.counts:
        if not currencies[client_id]:
            currencies[client_id].add(client_currency.get(client_id, DEFAULT_CURRENCY))
    global_counts = Counts()
    global_money: dict[str, Money] = defaultdict(Money)
    rows = []
    for client_id, client_currencies in currencies.items():
        counts = figures.counts.get(client_id, Counts())
        if client_id is not None:
            global_counts.add(counts)
        for currency in sorted(client_currencies):
            money = figures.money.get((client_id, currency), Money())
            global_money[currency].add(money)
            if client_id is not None:
                rows.append(_row(snapshot_date, client_id, currency, counts, money))
    for currency in sorted(global_money) or [DEFAULT_CURRENCY]:
        rows.append(_row(snapshot_date, None, currency, global_counts, global_money.get(currency, Money())))
    return rows


def _row(day: date, client_id: ClientKey, currency: str, counts: Counts, money: Money) -> dict[str, Any]:
    return {
        "snapshot_date": day,
        "client_id": str(client_id) if client_id else None,
        "currency": currency,
        **{f.name: getattr(counts, f.name) for f in fields(counts)},
        **{f.name: getattr(money, f.name) for f in fields(money)},
    }


SNAPSHOT_COLUMNS = (
    "snapshot_date",
    "client_id",
    "currency",
    *(f.name for f in fields(Counts)),
    *(f.name for f in fields(Money)),
)


def take_subscription_snapshot(snapshot_date: date) -> int:
    """Compute and store one date's snapshot (replacing that date's rows); commits; returns rows."""
    rows = compute_snapshot_rows(snapshot_date)
    sql = f"INSERT INTO client_subscription_snapshots ({', '.join(SNAPSHOT_COLUMNS)}) VALUES %s"
    template = "(" + ", ".join("%s::uuid" if c == "client_id" else "%s" for c in SNAPSHOT_COLUMNS) + ")"
    session = db.session
    with session.connection().connection.cursor() as cur:
        # Replace, not upsert: a client that dropped out since an earlier run today leaves no row.
        cur.execute("DELETE FROM client_subscription_snapshots WHERE snapshot_date = %s", (snapshot_date,))
        execute_values(cur, sql, [tuple(r[c] for c in SNAPSHOT_COLUMNS) for r in rows], template=template)
    session.commit()
    return len(rows)
