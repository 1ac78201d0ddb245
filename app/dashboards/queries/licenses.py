"""License pools: seats assigned against seats bought, now.

Assignments that are active, pending or suspended occupy seats; revoked and
expired ones gave them back. A pool's occupied seats are its `assigned_seats`
counter, kept by the seat rules (`app.services.licensing`): nothing here sums the
assignments of every pool. Only active pools are shown. Pools are not tied to a
service: the service filter does not apply.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from app.dashboards.queries.common import run
from app.services.licensing import SEAT_HOLDING_SQL

#: The seat rules' own statuses: a client's share counts what the pool's counter counts.
_OCCUPYING = f"status IN ({SEAT_HOLDING_SQL})"
#: A pool above this share of use is flagged on the overview.
NEARLY_FULL = Decimal("0.90")
_IS_NEARLY_FULL = "p.total_seats > 0 AND p.assigned_seats > :nearly_full * p.total_seats"
_FULLEST_FIRST = (
    "p.assigned_seats::numeric / nullif(p.total_seats, 0) DESC NULLS LAST, p.vendor, p.product_name, p.id"
)


@dataclass(frozen=True)
class PoolUsage:
    pool_id: uuid.UUID
    vendor: str
    product_name: str
    total_seats: int
    #: Seats of the pool in use by everyone.
    assigned_seats: int
    #: Seats of the pool used by the client asked about (equal to assigned_seats without a client).
    client_seats: int

    @property
    def utilisation(self) -> Decimal | None:
        if not self.total_seats:
            return None
        return (Decimal(self.assigned_seats) / self.total_seats).quantize(Decimal("0.0001"))

    @property
    def nearly_full(self) -> bool:
        """More than `NEARLY_FULL` of its seats in use (the SQL of `license_usage` counts the same)."""
        return self.total_seats > 0 and self.assigned_seats > NEARLY_FULL * self.total_seats


@dataclass(frozen=True)
class LicenseUse:
    #: The fullest pools, fullest first (at most the `limit` asked for).
    pools: list[PoolUsage] = field(default_factory=list)
    #: All the active pools (the client's, for a client), and how many of them are nearly full.
    pool_count: int = 0
    nearly_full_count: int = 0


def license_usage(
    session: Session, client_id: uuid.UUID | None = None, limit: int | None = None
) -> LicenseUse:
    """The fullest `limit` active pools (all when None) with total, assigned and the client's seats.

    For a client, only the pools it holds seats of. Counts cover every pool, not only those returned.
    """
    columns = "p.id, p.vendor, p.product_name, p.total_seats, p.assigned_seats, p.is_active"
    if client_id is None:
        source = f"SELECT {columns}, p.assigned_seats AS mine FROM license_pools p"
    else:
        # The client's own holdings: an index scan of its assignments, then one pool row each.
        source = f"""
            SELECT {columns}, mine.seats AS mine FROM license_pools p JOIN (
                SELECT license_pool_id, sum(assigned_seats) AS seats FROM client_licenses
                WHERE client_id = CAST(:client AS uuid) AND {_OCCUPYING} GROUP BY license_pool_id
            ) mine ON mine.license_pool_id = p.id
            WHERE mine.seats > 0"""
    rows = run(
        session,
        f"""
        SELECT p.id, p.vendor, p.product_name, p.total_seats, p.assigned_seats, p.mine,
               count(*) OVER () AS pools,
               count(*) FILTER (WHERE {_IS_NEARLY_FULL}) OVER () AS nearly_full
        FROM ({source}) p
        WHERE p.is_active
        ORDER BY {_FULLEST_FIRST}
        LIMIT :limit""",
        {"client": str(client_id) if client_id else None, "limit": limit, "nearly_full": NEARLY_FULL},
    )
    if not rows:
        return LicenseUse()
    return LicenseUse(
        [PoolUsage(*row[:6]) for row in rows],
        pool_count=rows[0].pools,
        nearly_full_count=rows[0].nearly_full,
    )
