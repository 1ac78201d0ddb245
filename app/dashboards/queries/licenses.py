"""License pools: seats assigned against seats bought, now.

Assignments that are active, pending or suspended occupy seats; revoked and
expired ones gave them back. Only active pools are shown. Pools are not tied to
a service: the service filter does not apply.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from app.dashboards.queries.common import OCCUPYING_LICENSE_STATUSES, id_or_none, run

_OCCUPYING = "cl.status IN ({})".format(", ".join(f"'{s}'" for s in OCCUPYING_LICENSE_STATUSES))
_MY_POOLS = (
    "AND cl.license_pool_id IN "
    "(SELECT license_pool_id FROM client_licenses WHERE client_id = CAST(:client AS uuid))"
)
#: A pool above this share of use is flagged on the overview.
NEARLY_FULL = Decimal("0.90")


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


def license_usage(session: Session, client_id: uuid.UUID | None = None) -> list[PoolUsage]:
    """Per active pool: total seats, seats assigned, and the client's share; fullest pools first.

    For a client, only the pools it holds seats of.
    """
    rows = run(
        session,
        f"""
        SELECT p.id, p.vendor, p.product_name, p.total_seats,
               coalesce(u.assigned, 0) AS assigned, coalesce(u.mine, 0) AS mine
        FROM license_pools p
        LEFT JOIN (
            SELECT cl.license_pool_id, sum(cl.assigned_seats) AS assigned,
                   sum(cl.assigned_seats) FILTER (WHERE cl.client_id = CAST(:client AS uuid)) AS mine
            FROM client_licenses cl WHERE {_OCCUPYING} {_MY_POOLS if client_id else ""}
            GROUP BY cl.license_pool_id
        ) u ON u.license_pool_id = p.id
        WHERE p.is_active {"AND coalesce(u.mine, 0) > 0" if client_id else ""}
        ORDER BY coalesce(u.assigned, 0)::numeric / nullif(p.total_seats, 0) DESC NULLS LAST,
                 p.vendor, p.product_name""",
        {"client": id_or_none(client_id)},
    )
    return [
        PoolUsage(pool_id, vendor, product, total, assigned, mine if client_id else assigned)
        for pool_id, vendor, product, total, assigned, mine in rows
    ]


def nearly_full_pools(usage: list[PoolUsage], threshold: Decimal = NEARLY_FULL) -> list[PoolUsage]:
    """The pools whose use is above `threshold` (a share: 0.9 is 90 %)."""
    return [p for p in usage if p.utilisation is not None and p.utilisation > threshold]
