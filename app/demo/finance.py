"""A year of demo money (monthly revenue and costs) and the monthly snapshots built from it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from app.demo.context import (
    ONE_OFF_UNITS,
    DemoContext,
    add_months,
    money,
    month_end,
    month_start,
    recurring_monthly,
)
from app.demo.operations import live_seats
from app.models.clients import Client
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from app.models.metrics import ClientSubscriptionSnapshot
from app.models.users import MsspUser

#: Running costs of the MSSP itself: (type, description, monthly amount, currency, every n months).
OVERHEADS = (
    # Payroll where the people are: the EU SOC serves the EUR clients, the US team the USD ones
    # (all of it in USD left the USD book at -0.4 % and the EUR one at 95 %: issue 17.9).
    (TransactionType.COST_PERSONNEL, "SOC and engineering payroll (US)", Decimal("30000"), "USD", 1),
    (TransactionType.COST_PERSONNEL, "SOC analysts and engineers payroll (EU)", Decimal("115000"), "EUR", 1),
    (TransactionType.COST_INFRASTRUCTURE, "SIEM and SOAR cloud hosting (US)", Decimal("12500"), "USD", 1),
    (TransactionType.COST_INFRASTRUCTURE, "SIEM cloud hosting (EU region)", Decimal("4200"), "EUR", 1),
    (TransactionType.COST_SUBCONTRACTOR, "Overflow SOC analysts (quarterly)", Decimal("12000"), "USD", 3),
    (TransactionType.COST_OTHER, "Threat intelligence feeds", Decimal("2400"), "USD", 1),
)


def months_of_last_year(ctx: DemoContext) -> list[date]:
    """The first day of the last 12 complete months and of this one, oldest first."""
    this_month = month_start(ctx.today)
    return [add_months(this_month, -back) for back in range(12, -1, -1)]


def add_transactions(ctx: DemoContext) -> None:
    recorder = ctx.user("manager@mssp.example")
    for month in months_of_last_year(ctx):
        _contract_revenue(ctx, month, recorder)
        _license_costs(ctx, month, recorder)
        _overheads(ctx, month, recorder)
    _professional_services(ctx, recorder)
    _hardware_purchases(ctx, recorder)


def _record(ctx: DemoContext, recorder: MsspUser | None, **values: Any) -> None:
    values.setdefault("status", _status(ctx, values["transaction_date"], values["transaction_type"]))
    ctx.transactions.append(
        ctx.add("financial_transactions", FinancialTransaction(recorded_by=recorder, **values))
    )


def _status(ctx: DemoContext, day: date, kind: TransactionType) -> TransactionStatus:
    months_ago = (ctx.today.year - day.year) * 12 + ctx.today.month - day.month
    if months_ago <= 0:
        return TransactionStatus.PENDING
    if months_ago == 1:
        return TransactionStatus.INVOICED
    # A few customers pay late; the MSSP pays its own bills.
    if kind.is_revenue and months_ago <= 3 and ctx.rng.random() < 0.08:
        return TransactionStatus.OVERDUE
    return TransactionStatus.PAID


def _contract_revenue(ctx: DemoContext, month: date, recorder: MsspUser | None) -> None:
    for client in ctx.clients:
        contract = ctx.contract_on(client, month)
        if contract is None:
            continue
        amount = recurring_monthly(contract)
        if amount > 0:
            _record(
                ctx,
                recorder,
                transaction_type=TransactionType.REVENUE_CONTRACT,
                amount=amount,
                currency=contract.currency,
                transaction_date=month,
                client=client,
                contract=contract,
                description=f"{month:%B %Y} managed services fee",
            )


def _license_costs(ctx: DemoContext, month: date, recorder: MsspUser | None) -> None:
    for pool in ctx.pools:
        seats = live_seats(ctx, pool, month)
        if seats and pool.cost_per_seat > 0:
            _record(
                ctx,
                recorder,
                transaction_type=TransactionType.COST_LICENSE,
                amount=money(seats * pool.cost_per_seat),
                currency=pool.currency,
                transaction_date=month,
                license_pool=pool,
                description=f"{pool}: {seats} seats, {month:%B %Y}",
            )


def _overheads(ctx: DemoContext, month: date, recorder: MsspUser | None) -> None:
    for kind, description, amount, currency, every in OVERHEADS:
        if month.month % every == 0:
            _record(
                ctx,
                recorder,
                transaction_type=kind,
                currency=currency,
                transaction_date=month,
                amount=money(amount * Decimal(str(round(ctx.rng.uniform(0.96, 1.05), 4)))),
                description=description,
            )


def _professional_services(ctx: DemoContext, recorder: MsspUser | None) -> None:
    """One-off scopes (test days, IR hours) are invoiced once, a month after the contract starts."""
    first_month = months_of_last_year(ctx)[0]
    for client in ctx.clients:
        for contract in ctx.signed_contracts(client):
            billed_on = add_months(contract.start_date, 1)
            if not first_month <= billed_on <= ctx.today:
                continue
            for scope in contract.scopes:
                if scope.unit in ONE_OFF_UNITS:
                    _record(
                        ctx,
                        recorder,
                        transaction_type=TransactionType.REVENUE_PROFESSIONAL_SERVICES,
                        amount=money(scope.price * scope.quantity),
                        currency=contract.currency,
                        transaction_date=billed_on,
                        client=client,
                        contract=contract,
                        service_scope=scope,
                        description=f"{scope.service.name}: {scope.quantity:g} {scope.unit.value}(s)",
                    )


def _hardware_purchases(ctx: DemoContext, recorder: MsspUser | None) -> None:
    first_month = months_of_last_year(ctx)[0]
    for asset in ctx.assets:
        bought, price = ctx.purchases[asset.id]
        if bought >= first_month:
            _record(
                ctx,
                recorder,
                transaction_type=TransactionType.COST_HARDWARE,
                amount=price,
                currency="USD",
                transaction_date=bought,
                hardware_asset=asset,
                description=f"Purchase of {asset}",
            )


# --- snapshots ------------------------------------------------------------------------------


def add_snapshots(ctx: DemoContext) -> None:
    """Month-end figures for the last 12 complete months: per customer and per currency overall."""
    for month in months_of_last_year(ctx)[:-1]:
        day = month_end(month)
        rows = [row for client in ctx.clients if (row := _client_snapshot(ctx, client, day)) is not None]
        for row in rows:
            ctx.add("subscription_snapshots", row)
        for currency in sorted({row.currency for row in rows}):
            ctx.add("subscription_snapshots", _global_snapshot(ctx, day, currency, rows))


def _client_snapshot(ctx: DemoContext, client: Client, day: date) -> ClientSubscriptionSnapshot | None:
    contract = ctx.contract_on(client, day)
    if contract is None:
        return None
    revenue, _cost = _booked(ctx, day, contract.currency, client)
    return ClientSubscriptionSnapshot(
        snapshot_date=day,
        client=client,
        currency=contract.currency,
        active_client_count=1,
        active_contract_count=1,
        active_service_count=len(contract.scopes),
        license_seats_assigned=sum(
            lic.assigned_seats for lic in ctx.licenses if lic.client is client and lic.assignment_date <= day
        ),
        hardware_assets_deployed=sum(
            1
            for a in ctx.assignments
            if a.client is client
            and a.assignment_date <= day
            and (a.return_date is None or a.return_date > day)
        ),
        open_ticket_count=sum(
            1
            for t in ctx.tickets
            if t.client is client
            and t.opened_at.date() <= day
            and (t.resolved_at is None or t.resolved_at.date() > day)
        ),
        monthly_recurring_revenue=recurring_monthly(contract),
        total_contract_value=contract.value,
        period_revenue=revenue,
        period_cost=Decimal("0.00"),
    )


def _global_snapshot(
    ctx: DemoContext, day: date, currency: str, rows: list[ClientSubscriptionSnapshot]
) -> ClientSubscriptionSnapshot:
    mine = [row for row in rows if row.currency == currency]
    revenue, cost = _booked(ctx, day, currency, None)

    def total(attr: str) -> int | Decimal:
        return sum(
            (getattr(row, attr) for row in mine), Decimal(0) if attr.endswith(("revenue", "value")) else 0
        )

    return ClientSubscriptionSnapshot(
        snapshot_date=day,
        client=None,
        currency=currency,
        active_client_count=len(mine),
        active_contract_count=int(total("active_contract_count")),
        active_service_count=int(total("active_service_count")),
        license_seats_assigned=int(total("license_seats_assigned")),
        hardware_assets_deployed=int(total("hardware_assets_deployed")),
        open_ticket_count=int(total("open_ticket_count")),
        monthly_recurring_revenue=money(total("monthly_recurring_revenue")),
        total_contract_value=money(total("total_contract_value")),
        period_revenue=revenue,
        period_cost=cost,
    )


def _booked(ctx: DemoContext, day: date, currency: str, client: Client | None) -> tuple[Decimal, Decimal]:
    """Revenue and cost booked in the month of `day`, in `currency` (for one client, or all)."""
    first = month_start(day)
    in_month: Iterable[FinancialTransaction] = (
        t
        for t in ctx.transactions
        if first <= t.transaction_date <= day
        and t.currency == currency
        and (client is None or t.client is client)
        and t.status is not TransactionStatus.CANCELLED
    )
    revenue, cost = Decimal(0), Decimal(0)
    for t in in_month:
        if t.transaction_type.is_revenue:
            revenue += t.amount
        else:
            cost += t.amount
    return money(revenue), money(cost)
