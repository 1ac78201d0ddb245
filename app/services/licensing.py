"""License seats: allocation from a pool, releases, and what each pool has left.

- Seats held by assignments in PENDING, ACTIVE or SUSPENDED status never exceed the pool's
  `total_seats`. Every flush that adds or grows a holding assignment, or shrinks a pool,
  locks the pool row (`SELECT ... FOR UPDATE`) before counting, so two racing allocations
  are serialised and the second one sees the first.
- An assignment has at least one seat.
- Seats can only be newly taken from an active pool that has not expired (expiry date
  before today); what is already held stays held.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.clients import Client
from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool
from app.services.clock import today_utc
from app.services.errors import ValidationFailed
from app.services.orm_state import PendingChanges, changed, committed_value, ids_of, is_new, related
from app.services.transaction import session_or_default, unit_of_work

#: Assignment statuses that hold seats of their pool.
SEAT_HOLDING_STATUSES = frozenset(
    {ClientLicenseStatus.PENDING, ClientLicenseStatus.ACTIVE, ClientLicenseStatus.SUSPENDED}
)


@dataclass(frozen=True)
class PoolUsage:
    """A pool's seats: how many are assigned and free, and what the assigned ones cost."""

    total: int
    assigned: int
    cost_per_seat: Decimal
    currency: str

    @property
    def free(self) -> int:
        return max(self.total - self.assigned, 0)

    @property
    def utilisation_percent(self) -> Decimal:
        """Assigned / total in percent, one decimal; 0 for a pool of no seats."""
        if self.total <= 0:
            return Decimal("0.0")
        return (Decimal(self.assigned) * 100 / self.total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def assigned_cost(self) -> Decimal:
        """What the assigned seats cost, in the pool's currency."""
        return (self.cost_per_seat * self.assigned).quantize(Decimal("0.01"))


def _holding(license_: ClientLicense) -> bool:
    return (license_.status or ClientLicenseStatus.ACTIVE) in SEAT_HOLDING_STATUSES


def _is_expired(pool: LicensePool, today: date) -> bool:
    return pool.expiry_date is not None and pool.expiry_date < today


def _takes_new_seats(license_: ClientLicense) -> bool:
    """Whether this change takes seats it did not hold before."""
    if is_new(license_):
        return True
    was_holding = committed_value(license_, "status") in SEAT_HOLDING_STATUSES
    grew = (license_.assigned_seats or 0) > (committed_value(license_, "assigned_seats") or 0)
    moved = changed(license_, "license_pool_id", "license_pool")
    return not was_holding or grew or moved


def _lock_total(session: Session, pool: LicensePool) -> int:
    """Lock the pool row and return its total: the in-memory one if this flush changes it."""
    if is_new(pool):
        return pool.total_seats or 0
    stored = session.execute(
        select(LicensePool.total_seats).where(LicensePool.id == pool.id).with_for_update()
    ).scalar_one()
    return pool.total_seats if changed(pool, "total_seats") else stored


def _stored_holding_seats(session: Session, pool: LicensePool, excluded: list[uuid.UUID]) -> int:
    if is_new(pool):
        return 0
    query = select(func.coalesce(func.sum(ClientLicense.assigned_seats), 0)).where(
        ClientLicense.license_pool_id == pool.id, ClientLicense.status.in_(SEAT_HOLDING_STATUSES)
    )
    if excluded:
        query = query.where(ClientLicense.id.not_in(excluded))
    return int(session.scalar(query))


def _check_pool_capacity(session: Session, pool: LicensePool, touched: list[ClientLicense]) -> None:
    total = _lock_total(session, pool)
    held = sum(lic.assigned_seats or 0 for lic in touched if _holding(lic))
    assigned = _stored_holding_seats(session, pool, ids_of(touched)) + held
    if assigned <= total:
        return
    if changed(pool, "total_seats") and not any(_holding(lic) and _takes_new_seats(lic) for lic in touched):
        raise ValidationFailed(
            f"{assigned} seats of {pool} are assigned: the pool cannot shrink below that.",
            field="total_seats",
        )
    free = max(total - (assigned - held), 0)
    raise ValidationFailed(
        f"{pool} has {free} free seat(s) of {total}; {held} requested.", field="assigned_seats"
    )


def check_license_changes(changes: PendingChanges) -> None:
    """Flush hook: seat counts, expired or retired pools, and the pool capacity under a lock."""
    session = changes.session
    today = today_utc()
    by_pool: dict[int, list[ClientLicense]] = defaultdict(list)
    pools: dict[int, LicensePool] = {}
    for license_ in changes.saved_of(ClientLicense):
        if not changed(license_, "assigned_seats", "status", "license_pool_id", "license_pool"):
            continue
        if license_.assigned_seats is None or license_.assigned_seats < 1:
            raise ValidationFailed("An assignment has at least one seat.", field="assigned_seats")
        pool = related(session, license_, "license_pool", "license_pool_id", LicensePool)
        if pool is None:
            continue  # the NOT NULL license_pool_id refuses it
        if _holding(license_) and _takes_new_seats(license_):
            if _is_expired(pool, today):
                raise ValidationFailed(
                    f"{pool} expired on {pool.expiry_date}: no seats can be assigned from it.",
                    field="license_pool",
                )
            if not pool.is_active and pool.is_active is not None:
                raise ValidationFailed(
                    f"{pool} is retired: no seats can be assigned from it.", field="license_pool"
                )
        pools[id(pool)] = pool
        by_pool[id(pool)].append(license_)
    for pool in changes.dirty_of(LicensePool):
        if pool.total_seats is not None and pool.total_seats < 0:
            raise ValidationFailed("A pool cannot have a negative number of seats.", field="total_seats")
        if changed(pool, "total_seats") and (pool.total_seats or 0) < (
            committed_value(pool, "total_seats") or 0
        ):
            pools.setdefault(id(pool), pool)
    for key, pool in pools.items():
        _check_pool_capacity(session, pool, by_pool.get(key, []))


# --- actions ---------------------------------------------------------------------------------


def allocate_seats(
    pool: LicensePool,
    client: Client,
    seats: int,
    *,
    assignment_date: date | None = None,
    status: ClientLicenseStatus = ClientLicenseStatus.ACTIVE,
    session: Session | None = None,
) -> ClientLicense:
    """Assign `seats` seats of `pool` to `client`; commits.

    Raises ValidationFailed (nothing saved) when the pool lacks free seats, is expired or
    retired, or `seats` is below 1. Safe against concurrent allocations (row lock).
    """
    session = session_or_default(session)
    with unit_of_work(session):
        license_ = ClientLicense(
            license_pool_id=pool.id,
            client_id=client.id,
            assigned_seats=seats,
            assignment_date=assignment_date or today_utc(),
            status=status,
        )
        session.add(license_)
        session.flush()
    return license_


def release_seats(
    license_: ClientLicense,
    seats: int | None = None,
    *,
    status: ClientLicenseStatus = ClientLicenseStatus.REVOKED,
    session: Session | None = None,
) -> ClientLicense:
    """Give seats back to the pool; commits.

    With `seats`, the assignment keeps the rest (it must keep at least one); without,
    the whole assignment ends with `status` (REVOKED or EXPIRED).
    """
    session = session_or_default(session)
    with unit_of_work(session):
        if seats is None:
            if status in SEAT_HOLDING_STATUSES:
                raise ValidationFailed("Releasing an assignment ends it: revoked or expired.", field="status")
            license_.status = status
        elif not 1 <= seats < license_.assigned_seats:
            raise ValidationFailed(
                f"Between 1 and {license_.assigned_seats - 1} seat(s) can be released; "
                "release the whole assignment instead.",
                field="assigned_seats",
            )
        else:
            license_.assigned_seats -= seats
        session.flush()
    return license_


# --- usage -----------------------------------------------------------------------------------


def _assigned_by_pool(session: Session, pool_ids: list[uuid.UUID] | None) -> dict[uuid.UUID, int]:
    query = (
        select(ClientLicense.license_pool_id, func.sum(ClientLicense.assigned_seats))
        .where(ClientLicense.status.in_(SEAT_HOLDING_STATUSES))
        .group_by(ClientLicense.license_pool_id)
    )
    if pool_ids is not None:
        query = query.where(ClientLicense.license_pool_id.in_(pool_ids))
    return {pool_id: int(seats) for pool_id, seats in session.execute(query)}


def pool_usage(pool: LicensePool, session: Session | None = None) -> PoolUsage:
    """Assigned, free, utilisation % and cost of the assigned seats of one pool."""
    session = session_or_default(session)
    assigned = _assigned_by_pool(session, [pool.id]).get(pool.id, 0)
    return PoolUsage(pool.total_seats, assigned, pool.cost_per_seat, pool.currency)


def usage_by_pool(
    pools: list[LicensePool] | None = None, session: Session | None = None
) -> dict[uuid.UUID, PoolUsage]:
    """`pool_usage` for many pools (all when None) in two queries: for lists and dashboards."""
    session = session_or_default(session)
    if pools is None:
        pools = list(session.scalars(select(LicensePool)))
    assigned = _assigned_by_pool(session, [p.id for p in pools])
    return {p.id: PoolUsage(p.total_seats, assigned.get(p.id, 0), p.cost_per_seat, p.currency) for p in pools}


def assigned_cost_by_currency(session: Session | None = None) -> dict[str, Decimal]:
    """The cost of all assigned seats, per currency (never summed across currencies)."""
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for usage in usage_by_pool(session=session).values():
        totals[usage.currency] += usage.assigned_cost
    return dict(totals)
