"""Contract rules: dates, renewals, expiry, and the contracts ending soon.

- `end_date` is after `start_date` (strictly: a contract lasts at least two days).
- A contract has at most one successor (`previous_contract`), of the same client, and a
  renewal chain never loops.
- A renewal starts the day after the contract it renews ends; a successor is not ACTIVE
  while its predecessor is (which contract counts when: app.services.contract_counting).
- `renew_contract` creates the successor (DRAFT or SIGNED) and leaves the old one running
  until its end date; refuses a second renewal. `expire_overdue_contracts(today)` is part
  of the daily roll-over (`app.services.contract_counting.roll_over_contracts`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, select, update
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus, SafStatus, ServiceScope
from app.services.clock import today_utc
from app.services.contract_counting import COUNTING_STATUS, counts, take_over
from app.services.orm_state import PendingChanges, changed, is_new, related
from app.services.saf import check_scope_saf
from app.services.scopes import copy_scope_details
from app.services.transaction import session_or_default, unit_of_work

#: Contracts that can be renewed: in force, or lapsed without a successor.
RENEWABLE_STATUSES = frozenset({ContractStatus.ACTIVE, ContractStatus.EXPIRED})
#: What a renewal may be created as: being negotiated, or signed (it starts on its own date).
RENEWAL_STATUSES = (ContractStatus.DRAFT, ContractStatus.SIGNED)

#: The "ending within" shortcuts the lists offer.
ENDING_WITHIN_SHORTCUTS: tuple[int, ...] = (30, 60, 90)


def check_contract_dates(start: date | None, end: date | None, renewal: date | None = None) -> None:
    """Refuse an end date that is not after the start date, a renewal date outside the term."""
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("The end date must be after the start date.", field="end_date")
    if renewal is not None and start is not None and end is not None and not start <= renewal <= end:
        raise ValidationFailed(
            f"The renewal date must lie between the start date ({start.isoformat()}) and the end date "
            f"({end.isoformat()}).",
            field="renewal_date",
        )


# --- renewals --------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_first - timedelta(days=1)).day))


def _whole_months(start: date, end: date) -> int | None:
    """N when [start, end] is exactly N calendar months (e.g. Jan 15 .. Jan 14 next year)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    for n in (months - 1, months):
        if n > 0 and _add_months(start, n) - timedelta(days=1) == end:
            return n
    return None


def renewal_dates(contract: Contract) -> tuple[date, date]:
    """The successor's term: from the day after the old end, for the same length.

    A term of whole months (a year, say) gives the same number of months; any other term
    the same number of days.
    """
    start = contract.end_date + timedelta(days=1)
    months = _whole_months(contract.start_date, contract.end_date)
    if months is not None:
        return start, _add_months(start, months) - timedelta(days=1)
    return start, start + (contract.end_date - contract.start_date)


def _successor_name(contract: Contract, start: date) -> str:
    name = contract.contract_name
    year = str(contract.start_date.year)
    if name.endswith(year):
        return f"{name[: -len(year)]}{start.year}"
    return f"{name} (renewal {start.isoformat()})"[:200]


#: A service running under the renewed contract keeps running under its renewal.
RUNNING_SAF_STATUSES = frozenset({SafStatus.ACTIVE, SafStatus.SUSPENDED})


def _copy_scope(scope: ServiceScope, start: date) -> ServiceScope:
    """The same service on the same terms.

    A running service (SAF active or suspended) continues from the successor's start date,
    so it is counted in exactly one contract of the chain on every day; any other starts
    its activation over with the new contract.
    """
    running = scope.saf_status in RUNNING_SAF_STATUSES
    copy = ServiceScope(
        service_id=scope.service_id,
        price=scope.price,
        currency=scope.currency,
        quantity=scope.quantity,
        unit=scope.unit,
        saf_status=scope.saf_status if running else SafStatus.NOT_STARTED,
        saf_service_start_date=start if running else None,
        saf_document_link=scope.saf_document_link if running else None,
        custom_field_data=dict(scope.custom_field_data or {}),
    )
    copy_scope_details(scope, copy)
    return copy


def successor_of(contract: Contract, session: Session | None = None) -> Contract | None:
    """The contract that renewed `contract`, if any."""
    session = session_or_default(session)
    return session.scalars(select(Contract).where(Contract.previous_contract_id == contract.id)).first()


def can_renew(contract: Contract, session: Session | None = None) -> bool:
    """Whether `renew_contract` would accept `contract` (the screens offer Renew only then)."""
    try:
        check_renewable(contract, session)
    except ValidationFailed:
        return False
    return True


def check_renewable(contract: Contract, session: Session | None = None) -> None:
    """Refuse (ValidationFailed) a contract renewed already, or neither ACTIVE nor EXPIRED."""
    if contract.status is ContractStatus.RENEWED or successor_of(contract, session) is not None:
        raise ValidationFailed(
            f"Contract {contract.contract_name!r} has already been renewed.", field="status"
        )
    if contract.status not in RENEWABLE_STATUSES:
        raise ValidationFailed(
            f"Contract {contract.contract_name!r} is {contract.status.value}: "
            "only an active or expired contract can be renewed.",
            field="status",
        )


@dataclass(frozen=True)
class RenewalTerms:
    """What a renewal of a contract proposes (a form starts from these; each can be changed)."""

    contract_name: str
    start_date: date
    end_date: date
    value: Decimal
    currency: str


def proposed_renewal(contract: Contract) -> RenewalTerms:
    """The successor's default terms: the next term, the same value and currency."""
    start, end = renewal_dates(contract)
    return RenewalTerms(_successor_name(contract, start), start, end, contract.value, contract.currency)


def renew_contract(
    contract: Contract,
    *,
    start_date: date | None = None,
    end_date: date | None = None,
    value: Decimal | None = None,
    currency: str | None = None,
    contract_name: str | None = None,
    status: ContractStatus = ContractStatus.DRAFT,
    session: Session | None = None,
    today: date | None = None,
) -> Contract:
    """Create the successor of `contract` (DRAFT or SIGNED); commits.

    The successor starts the day after the old end date, for the same term, and carries
    the value, currency, renewal notice period and scopes (running services continue),
    unless overridden. The renewed contract keeps running, and counting, until its end
    date; the daily roll-over then lets a SIGNED successor take over. A contract that has
    already ended is taken over at once when the successor is signed.
    Refuses a contract that is not ACTIVE or EXPIRED, or that was renewed already.
    """
    session = session_or_default(session)
    if status not in RENEWAL_STATUSES:
        raise ValidationFailed(
            "A renewal is created as a draft or as signed; it becomes active on its start date.",
            field="status",
        )
    with unit_of_work(session):
        # The lock serialises two renewals of one contract; the loser sees its successor.
        session.refresh(contract, with_for_update=True)
        check_renewable(contract, session)
        proposed = proposed_renewal(contract)
        start, end = start_date or proposed.start_date, end_date or proposed.end_date
        notice = contract.end_date - contract.renewal_date if contract.renewal_date else None
        successor = Contract(
            client_id=contract.client_id,
            contract_name=contract_name or _successor_name(contract, start),
            start_date=start,
            end_date=end,
            renewal_date=end - notice if notice is not None else None,
            value=contract.value if value is None else value,
            currency=currency or contract.currency,
            status=status,
            document_link=None,
            previous_contract=contract,
            custom_field_data=dict(contract.custom_field_data or {}),
            scopes=[_copy_scope(scope, start) for scope in contract.scopes],
        )
        session.add(successor)
        take_over(successor, today or today_utc())
        session.flush()
    return successor


def renewal_chain(contract: Contract, session: Session | None = None) -> list[Contract]:
    """Every contract of the chain `contract` belongs to, oldest first."""
    session = session_or_default(session)
    first = contract
    seen = {first.id}
    while first.previous_contract is not None and first.previous_contract.id not in seen:
        first = first.previous_contract
        seen.add(first.id)
    chain = [first]
    while (nxt := successor_of(chain[-1], session)) is not None and nxt.id not in {c.id for c in chain}:
        chain.append(nxt)
    return chain


# --- expiry and "ending soon" ------------------------------------------------------------------


def expire_overdue_contracts(today: date, session: Session | None = None) -> int:
    """Move every ACTIVE contract whose `end_date` is before `today` to EXPIRED; commits.

    A contract ending today is still in force today. Returns how many changed; running
    it twice on the same day changes nothing the second time.
    """
    session = session_or_default(session)
    with unit_of_work(session):
        result = session.execute(
            update(Contract)
            .where(counts(), Contract.end_date < today)
            .values(status=ContractStatus.EXPIRED, version=Contract.version + 1)
            .execution_options(synchronize_session="fetch")
        )
    return result.rowcount or 0


def ending_within_clause(days: int, today: date | None = None):
    """SQL condition: an ACTIVE contract whose end date falls in [today, today + days]."""
    if days < 0:
        raise ValidationFailed("The number of days cannot be negative.", field="days")
    today = today or today_utc()
    return and_(
        counts(),
        Contract.end_date >= today,
        Contract.end_date <= today + timedelta(days=days),
    )


def contracts_ending_within_query(
    days: int, today: date | None = None, client_id: uuid.UUID | None = None
) -> Select[tuple[Contract]]:
    """The query behind `contracts_ending_within`, for lists that add filters or paging."""
    query = select(Contract).where(ending_within_clause(days, today)).order_by(Contract.end_date)
    if client_id is not None:
        query = query.where(Contract.client_id == client_id)
    return query


def contracts_ending_within(
    days: int, today: date | None = None, session: Session | None = None, client_id: uuid.UUID | None = None
) -> list[Contract]:
    """ACTIVE contracts ending in the next `days` days (today included), soonest first."""
    session = session_or_default(session)
    return list(session.scalars(contracts_ending_within_query(days, today, client_id)))


# --- enforced on every flush -----------------------------------------------------------------


def _check_predecessor(changes: PendingChanges, contract: Contract) -> None:
    session = changes.session
    previous = related(session, contract, "previous_contract", "previous_contract_id", Contract)
    if previous is None:
        return
    node, hops = previous, 0
    while node is not None and hops < 1000:
        if node is contract:
            raise ValidationFailed("A contract cannot be its own renewal.", field="previous_contract")
        node, hops = node.previous_contract, hops + 1
    client = related(session, contract, "client", "client_id", Client)
    previous_client = related(session, previous, "client", "client_id", Client)
    if client is not None and previous_client is not None and client is not previous_client:
        raise ValidationFailed(
            "A renewal belongs to the client of the contract it renews.", field="previous_contract"
        )
    rivals = [
        other
        for other in changes.saved_of(Contract)
        if other is not contract
        and related(session, other, "previous_contract", "previous_contract_id", Contract) is previous
    ]
    if not is_new(previous):
        rivals += [
            other
            for other in session.scalars(select(Contract).where(Contract.previous_contract_id == previous.id))
            if other is not contract and other.previous_contract is previous
        ]
    if rivals:
        raise ValidationFailed(
            f"Contract {previous.contract_name!r} has already been renewed by {rivals[0].contract_name!r}.",
            field="previous_contract",
        )
    _check_continues(contract, previous)


def _check_continues(contract: Contract, previous: Contract) -> None:
    """A renewal starts the day after its predecessor ends: no day counted twice or not at all."""
    if contract.start_date is None or previous.end_date is None:
        return
    expected = previous.end_date + timedelta(days=1)
    if contract.start_date != expected:
        raise ValidationFailed(
            f"A renewal starts the day after the contract it renews ends: {expected.isoformat()} "
            f"({previous.contract_name} ends {previous.end_date.isoformat()}).",
            field="start_date",
        )


def _check_one_counts(changes: PendingChanges, contract: Contract) -> None:
    """Two contracts of a chain are never ACTIVE together (both would be counted)."""
    if contract.status is not COUNTING_STATUS:
        return
    session = changes.session
    previous = related(session, contract, "previous_contract", "previous_contract_id", Contract)
    if previous is not None and previous.status is COUNTING_STATUS:
        raise ValidationFailed(
            f"Contract {previous.contract_name!r}, which this one renews, runs until "
            f"{previous.end_date.isoformat()}: mark this renewal Signed and it becomes active on "
            f"{contract.start_date.isoformat()}.",
            field="status",
        )
    if is_new(contract):
        return
    for successor in session.scalars(select(Contract).where(Contract.previous_contract_id == contract.id)):
        if successor.status is COUNTING_STATUS:
            raise ValidationFailed(
                f"Contract {successor.contract_name!r}, its renewal, is active: only one contract "
                "of a renewal chain is active at a time.",
                field="status",
            )


def _check_renewal_follows(changes: PendingChanges, contract: Contract) -> None:
    """A renewed contract's end date stays the day before its renewal starts."""
    if is_new(contract):
        return
    for successor in changes.session.scalars(
        select(Contract).where(Contract.previous_contract_id == contract.id)
    ):
        if successor is not contract and successor.start_date is not None:
            expected = successor.start_date - timedelta(days=1)
            if contract.end_date != expected:
                raise ValidationFailed(
                    f"Contract {successor.contract_name!r} renews this one from "
                    f"{successor.start_date.isoformat()}: the end date stays {expected.isoformat()}.",
                    field="end_date",
                )


def _check_scopes_fit(changes: PendingChanges, contract: Contract) -> None:
    for scope in contract.scopes:
        try:
            check_scope_saf(changes.session, scope, contract)
        except ValidationFailed as problem:
            field = "start_date" if problem.field == "saf_service_start_date" else "end_date"
            raise ValidationFailed(f"Scope {scope.service}: {problem.message}", field=field) from None


def check_contract_changes(changes: PendingChanges) -> None:
    """Flush hook: dates of saved contracts, their renewal link, and their scopes' SAF dates."""
    for contract in changes.saved_of(Contract):
        if changed(contract, "start_date", "end_date", "renewal_date"):
            check_contract_dates(contract.start_date, contract.end_date, contract.renewal_date)
        if changed(contract, "start_date", "end_date") and not is_new(contract):
            _check_scopes_fit(changes, contract)
        if changed(contract, "previous_contract_id", "previous_contract"):
            _check_predecessor(changes, contract)
        elif changed(contract, "start_date"):
            session = changes.session
            previous = related(session, contract, "previous_contract", "previous_contract_id", Contract)
            if previous is not None:
                _check_continues(contract, previous)
        if changed(contract, "end_date"):
            _check_renewal_follows(changes, contract)
        if changed(contract, "status", "previous_contract_id", "previous_contract"):
            _check_one_counts(changes, contract)
