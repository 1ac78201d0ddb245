"""Financial transactions: their rules, and margins per client and per contract.

- `amount` is positive; the direction comes from the type (REVENUE_* adds, COST_*
  subtracts): see `signed_amount`.
- The currency is required (an ISO 4217 code; lower case is upper-cased).
- Links are consistent: a scope's contract and a contract's client are filled in when
  missing and must match when given; a revenue is linked to a client or a contract.
- Margins are revenue minus cost per currency, never adding different currencies;
  CANCELLED transactions do not count.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, or_, select, true
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.clients import Client
from app.models.contracts import Contract, ServiceScope
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from app.services.orm_state import PendingChanges, changed, related
from app.services.transaction import session_or_default

_CURRENCY = re.compile(r"^[A-Z]{3}$")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Margin:
    """Revenue, cost and margin in one currency."""

    currency: str
    revenue: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        """Margin as a percentage of revenue (one decimal); None without revenue."""
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1"))


def signed_amount(transaction_type: TransactionType, amount: Decimal) -> Decimal:
    """The amount with its sign: positive for revenue, negative for cost."""
    return amount if transaction_type.is_revenue else -amount


def _fill_and_check_links(session: Session, tx: FinancialTransaction) -> None:
    scope = related(session, tx, "service_scope", "service_scope_id", ServiceScope)
    contract = related(session, tx, "contract", "contract_id", Contract)
    if scope is not None:
        scope_contract = related(session, scope, "contract", "contract_id", Contract)
        if contract is None:
            tx.contract = contract = scope_contract
        elif scope_contract is not None and scope_contract is not contract:
            raise ValidationFailed("The service scope belongs to another contract.", field="service_scope")
    client = related(session, tx, "client", "client_id", Client)
    if contract is not None:
        contract_client = related(session, contract, "client", "client_id", Client)
        if client is None:
            tx.client = client = contract_client
        elif contract_client is not None and contract_client is not client:
            raise ValidationFailed("The contract belongs to another client.", field="contract")
    if (
        tx.transaction_type is not None
        and tx.transaction_type.is_revenue
        and client is None
        and contract is None
    ):
        raise ValidationFailed("A revenue is linked to a client or a contract.", field="client")


def check_transaction(session: Session, tx: FinancialTransaction) -> None:
    """Every rule of one transaction (normalises the currency, fills derived links)."""
    if tx.amount is None or tx.amount <= 0:
        raise ValidationFailed(
            "The amount must be positive; the type says whether it is a revenue or a cost.", field="amount"
        )
    currency = (tx.currency or "").strip().upper()
    if not currency:
        raise ValidationFailed("The currency is required.", field="currency")
    if not _CURRENCY.match(currency):
        raise ValidationFailed(f"{tx.currency!r} is not a currency code like USD or EUR.", field="currency")
    if currency != tx.currency:
        tx.currency = currency
    _fill_and_check_links(session, tx)


def check_transaction_changes(changes: PendingChanges) -> None:
    """Flush hook: new transactions and those whose amount, currency, type or links changed."""
    fields = (
        "amount",
        "currency",
        "transaction_type",
        "client_id",
        "client",
        "contract_id",
        "contract",
        "service_scope_id",
        "service_scope",
    )
    for tx in changes.saved_of(FinancialTransaction):
        if changed(tx, *fields):
            check_transaction(changes.session, tx)


# --- margins ---------------------------------------------------------------------------------


def _margins(
    session: Session, condition: ColumnElement[bool], since: date | None, until: date | None
) -> dict[str, Margin]:
    revenue_types = [t for t in TransactionType if t.is_revenue]
    is_revenue = FinancialTransaction.transaction_type.in_(revenue_types)
    query = (
        select(
            FinancialTransaction.currency,
            func.coalesce(func.sum(case((is_revenue, FinancialTransaction.amount), else_=0)), 0),
            func.coalesce(func.sum(case((is_revenue, 0), else_=FinancialTransaction.amount)), 0),
        )
        .where(condition, FinancialTransaction.status != TransactionStatus.CANCELLED)
        .group_by(FinancialTransaction.currency)
        .order_by(FinancialTransaction.currency)
    )
    if since is not None:
        query = query.where(FinancialTransaction.transaction_date >= since)
    if until is not None:
        query = query.where(FinancialTransaction.transaction_date <= until)
    return {
        currency: Margin(currency, Decimal(revenue), Decimal(cost))
        for currency, revenue, cost in session.execute(query)
    }


def mssp_margin(
    *, since: date | None = None, until: date | None = None, session: Session | None = None
) -> dict[str, Margin]:
    """Revenue, cost and margin of the whole MSSP per currency (overheads included)."""
    return _margins(session_or_default(session), true(), since, until)


def client_margin(
    client: Client | uuid.UUID,
    *,
    since: date | None = None,
    until: date | None = None,
    session: Session | None = None,
) -> dict[str, Margin]:
    """Revenue, cost and margin of a client per currency (its contracts' transactions included)."""
    session = session_or_default(session)
    client_id = client.id if isinstance(client, Client) else client
    contracts = select(Contract.id).where(Contract.client_id == client_id)
    condition = or_(
        FinancialTransaction.client_id == client_id, FinancialTransaction.contract_id.in_(contracts)
    )
    return _margins(session, condition, since, until)


def contract_margin(
    contract: Contract | uuid.UUID,
    *,
    since: date | None = None,
    until: date | None = None,
    session: Session | None = None,
) -> dict[str, Margin]:
    """Revenue, cost and margin of a contract per currency (its scopes' transactions included)."""
    session = session_or_default(session)
    contract_id = contract.id if isinstance(contract, Contract) else contract
    scopes = select(ServiceScope.id).where(ServiceScope.contract_id == contract_id)
    condition = or_(
        FinancialTransaction.contract_id == contract_id, FinancialTransaction.service_scope_id.in_(scopes)
    )
    return _margins(session, condition, since, until)
