"""License seats: allocation from a pool, releases, and what each pool has left.

- Seats held by assignments in PENDING, ACTIVE or SUSPENDED status never exceed the pool's
  `total_seats`. Every flush that adds or grows a holding assignment, or shrinks a pool,
  locks the pool row (`SELECT ... FOR UPDATE`) before counting, so two racing allocations
  are serialised and the second one sees the first.
- An assignment has at least one seat.
- Seats can only be newly taken from an active pool that has not expired (expiry date
  before today); what is already held stays held.
- `LicensePool.assigned_seats` counts the seats its holding assignments hold: every flush
  that adds, changes, moves or deletes an assignment adjusts it in the same transaction
  (an atomic `UPDATE ... SET assigned_seats = assigned_seats + n`), so dashboards, lists,
  show pages and the REST API (`pool_usage`, `usage_by_pool`) read one column instead of
  summing 200k assignments. `recount_assigned_seats` rebuilds
  it from the assignments (after a bulk load that bypassed the ORM).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.errors import ValidationFailed
from app.models.clients import Client
from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool
from app.services.clock import today_utc
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
    _count_assigned_seats(changes)


# --- the assigned-seats counter --------------------------------------------------------------


def _held_before(license_: ClientLicense) -> tuple[uuid.UUID | None, int]:
    """(pool id, seats) this assignment held in the database before the flush; 0 seats if none."""
    if is_new(license_) or committed_value(license_, "status") not in SEAT_HOLDING_STATUSES:
        return None, 0
    return committed_value(license_, "license_pool_id"), committed_value(license_, "assigned_seats") or 0


def _count_assigned_seats(changes: PendingChanges) -> None:
    """Move each changed assignment's seats out of the pool it held them in, into its pool now."""
    session = changes.session
    stored: dict[uuid.UUID, int] = defaultdict(int)
    pending: dict[int, tuple[LicensePool, int]] = {}
    touched = [
        lic
        for lic in changes.saved_of(ClientLicense)
        if changed(lic, "assigned_seats", "status", "license_pool_id", "license_pool")
    ]
    for license_ in touched + changes.deleted_of(ClientLicense):
        old_pool_id, old_seats = _held_before(license_)
        if old_seats:
            stored[old_pool_id] -= old_seats
        if license_ in changes.deleted or not _holding(license_):
            continue
        pool = related(session, license_, "license_pool", "license_pool_id", LicensePool)
        if pool is None:
            continue
        if is_new(pool):
            count = pending.get(id(pool), (pool, 0))[1]
            pending[id(pool)] = (pool, count + (license_.assigned_seats or 0))
        else:
            stored[pool.id] += license_.assigned_seats or 0
    for pool, seats in pending.values():
        pool.assigned_seats = (pool.assigned_seats or 0) + seats
    # Plain SQL: the counter is no edit of the pool (no new version, updated_at or changed_by).
    # Sorted: two transactions moving seats between the same pools lock them in the same order.
    for pool_id in sorted(p for p, delta in stored.items() if delta):
        now = session.execute(_ADD_SEATS, {"pool": pool_id, "seats": stored[pool_id]}).scalar_one_or_none()
        loaded = session.identity_map.get(identity_key(LicensePool, pool_id)) if now is not None else None
        if loaded is not None:
            set_committed_value(loaded, "assigned_seats", now)


_ADD_SEATS = text(
    "UPDATE license_pools SET assigned_seats = assigned_seats + :seats"
    " WHERE id = :pool RETURNING assigned_seats"
)
#: SEAT_HOLDING_STATUSES as an SQL list, for the raw-SQL counts (here and on the dashboards).
SEAT_HOLDING_SQL = ", ".join(sorted(f"'{status.value}'" for status in SEAT_HOLDING_STATUSES))

#: The counter rebuilt from the assignments (also the migration's back-fill).
RECOUNT_SQL = f"""
    UPDATE license_pools p SET assigned_seats = coalesce(held.seats, 0)
    FROM license_pools p2
    LEFT JOIN (
        SELECT license_pool_id, sum(assigned_seats) AS seats FROM client_licenses
        WHERE status IN ({SEAT_HOLDING_SQL}) GROUP BY license_pool_id
    ) held ON held.license_pool_id = p2.id
    WHERE p.id = p2.id AND p.assigned_seats IS DISTINCT FROM coalesce(held.seats, 0)"""


def recount_assigned_seats(session: Session | None = None) -> int:
    """Rebuild every pool's `assigned_seats` from its assignments; commits; returns the pools corrected."""
    session = session_or_default(session)
    with unit_of_work(session):
        corrected = session.execute(text(RECOUNT_SQL)).rowcount
    return corrected


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


def pool_usage(pool: LicensePool) -> PoolUsage:
    """Assigned, free, utilisation % and cost of the assigned seats of one pool.

    Assigned is the pool's seat counter (`LicensePool.assigned_seats`), kept by the flush hook.
    """
    return PoolUsage(pool.total_seats, pool.assigned_seats or 0, pool.cost_per_seat, pool.currency)


def usage_by_pool(
    pools: list[LicensePool] | None = None, session: Session | None = None
) -> dict[uuid.UUID, PoolUsage]:
    """`pool_usage` for many pools (all when None): read from the pools' counters, no sum."""
    if pools is None:
        pools = list(session_or_default(session).scalars(select(LicensePool)))
    return {p.id: pool_usage(p) for p in pools}


def assigned_cost_by_currency(session: Session | None = None) -> dict[str, Decimal]:
    """The cost of all assigned seats, per currency (never summed across currencies)."""
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for usage in usage_by_pool(session=session).values():
        totals[usage.currency] += usage.assigned_cost
    return dict(totals)
