"""Which contract of a renewal chain counts on a day: the one rule every figure follows.

A chain is a contract and its renewals (`previous_contract`). On every day, a client and
its services are counted in exactly one contract of a chain, the one whose status is
ACTIVE; the statuses follow the calendar:

- a renewal starts the day after the contract it renews ends (no gap, no overlap);
- renewing early creates the successor as DRAFT, or SIGNED once the client has signed;
  the running contract stays ACTIVE, and counts, until its end date;
- `roll_over_contracts(today)`, the daily job, moves both across the boundary in one
  transaction: a SIGNED contract whose start date has come becomes ACTIVE and the
  contract it renews RENEWED; an ACTIVE contract past its end date with no active
  successor becomes EXPIRED (a successor signed later still takes over, the next run);
- a successor cannot be made ACTIVE by hand while its predecessor is ACTIVE (the flush
  hook of app.services.contracts refuses it), so two contracts never count on one day.

Headline tiles, MRR and the daily snapshots, the renewals timeline and "ending within N
days", the alerts and the client pages select counting contracts with `counts()` or
`counting_sql()`; nothing else spells out which status counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from app.models.contracts import Contract, ContractStatus
from app.services.transaction import session_or_default, unit_of_work

#: The status of the contract that counts (there is one per chain and day).
COUNTING_STATUS = ContractStatus.ACTIVE
#: A signed contract waiting for its start date.
WAITING_STATUS = ContractStatus.SIGNED
#: What a predecessor may be when its successor takes over: still running, or lapsed.
SUPERSEDABLE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)


def counts() -> ColumnElement[bool]:
    """SQL condition: this contract counts today (for ORM queries on `Contract`)."""
    return Contract.status == COUNTING_STATUS


def counting_sql(alias: str | None = None) -> str:
    """The same condition for hand-written SQL over `contracts` (optionally aliased)."""
    prefix = f"{alias}." if alias else ""
    return f"{prefix}status = '{COUNTING_STATUS.value}'"


def take_over(contract: Contract, today: date) -> Contract | None:
    """Let `contract` count from `today` if its day has come; its predecessor steps down.

    A SIGNED contract whose start date has come becomes ACTIVE; an ACTIVE one makes the
    contract it renews RENEWED when that one has ended (a predecessor still running is
    left ACTIVE, and the flush refuses the pair). Both change in the same flush, so they
    never count together. Returns the predecessor that stepped down, if any.
    """
    previous = contract.previous_contract  # loaded before any change: no autoflush half-way
    if contract.status is WAITING_STATUS and contract.start_date <= today:
        contract.status = COUNTING_STATUS
    if (
        contract.status is COUNTING_STATUS
        and previous is not None
        and previous.status in SUPERSEDABLE_STATUSES
        and previous.end_date < today
    ):
        previous.status = ContractStatus.RENEWED
        return previous
    return None


@dataclass(frozen=True)
class RollOver:
    """What one run of the roll-over changed."""

    activated: int
    renewed: int
    expired: int

    def __str__(self) -> str:
        return (
            f"{self.activated} contract(s) started, {self.renewed} renewed, "
            f"{self.expired} expired"
        )


def roll_over_contracts(today: date, session: Session | None = None) -> RollOver:
    """Move contracts across their start and end dates as of `today`; commits.

    SIGNED contracts whose start date has come become ACTIVE; the contract each renews
    (ACTIVE or EXPIRED) becomes RENEWED; ACTIVE contracts that ended before `today`
    without an active successor become EXPIRED. Running it twice on a day changes nothing
    the second time.
    """
    from app.services.contracts import expire_overdue_contracts

    session = session_or_default(session)
    with unit_of_work(session):
        starting = list(
            session.scalars(
                select(Contract)
                .where(Contract.status == WAITING_STATUS, Contract.start_date <= today)
                .order_by(Contract.start_date)
                .with_for_update()
            )
        )
        renewed: dict = {}
        for contract in starting:
            previous = take_over(contract, today)
            if previous is not None:
                renewed[previous.id] = previous
        # A successor made active by hand while its predecessor had lapsed (EXPIRED).
        successor = aliased(Contract)
        for contract in session.scalars(
            select(Contract)
            .join(successor, successor.previous_contract_id == Contract.id)
            .where(
                Contract.status.in_(SUPERSEDABLE_STATUSES),
                Contract.end_date < today,
                successor.status == COUNTING_STATUS,
            )
            .with_for_update(of=Contract)
        ):
            contract.status = ContractStatus.RENEWED
            renewed[contract.id] = contract
        session.flush()
    expired = expire_overdue_contracts(today, session=session)
    return RollOver(len(starting), len(renewed), expired)


def chain_problems(today: date, session: Session | None = None) -> list[str]:
    """Where the contracts break the rule on `today` (empty when they keep it).

    For the tests and the demo data: an ACTIVE contract outside its dates (it should have
    rolled over), two ACTIVE contracts in one chain, a SIGNED one whose day has come, a
    renewal that does not start the day after its predecessor ends.
    """
    session = session_or_default(session)
    problems: list[str] = []
    rows = session.execute(
        select(
            Contract.id, Contract.contract_name, Contract.status, Contract.start_date,
            Contract.end_date, Contract.previous_contract_id,
        )
    ).all()
    by_id = {row.id: row for row in rows}
    root: dict = {}

    def chain_of(row) -> object:
        seen = set()
        while row.previous_contract_id in by_id and row.id not in seen:
            seen.add(row.id)
            row = by_id[row.previous_contract_id]
        return row.id

    active_per_chain: dict[object, list[str]] = defaultdict(list)
    for row in rows:
        root[row.id] = chain_of(row)
        if row.status is COUNTING_STATUS:
            active_per_chain[root[row.id]].append(row.contract_name)
            if row.end_date < today:
                problems.append(f"{row.contract_name}: active after its end date {row.end_date}")
        if row.status is WAITING_STATUS and row.start_date <= today:
            problems.append(f"{row.contract_name}: signed, started {row.start_date}, not active")
        previous = by_id.get(row.previous_contract_id)
        if previous is not None and (previous.end_date - row.start_date).days != -1:
            problems.append(
                f"{row.contract_name}: starts {row.start_date}, its predecessor ends {previous.end_date}"
            )
        if previous is not None and row.status is COUNTING_STATUS and previous.status is COUNTING_STATUS:
            problems.append(f"{row.contract_name}: active beside the contract it renews")
    for names in active_per_chain.values():
        if len(names) > 1:
            problems.append(f"one chain has {len(names)} active contracts: {', '.join(sorted(names))}")
    return problems
