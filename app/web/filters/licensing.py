"""License pools: seat usage attached to the pools a list page, a show page or
`/api/v1/license_pool/` reads (one query per page)."""

from __future__ import annotations

from typing import Any

from app.models.licensing import LicensePool
from app.services.licensing import PoolUsage, usage_by_pool
from app.web.datamodel import MsspSQLAInterface
from app.web.display import format_decimal, format_money

#: The usage columns of a pool (not stored: computed from its active assignments).
USAGE_LABELS = {
    "seats_assigned": "Assigned seats",
    "seats_free": "Free seats",
    "seat_utilisation": "Utilisation",
    "assigned_seats_cost": "Cost of assigned seats",
}
#: Where a pool loaded for a page carries its `PoolUsage` (the screens and the REST API).
USAGE_ATTRIBUTE = "_mssp_pool_usage"


def format_usage(usage: PoolUsage, column: str) -> str:
    if column == "seats_assigned":
        return format_decimal(usage.assigned)
    if column == "seats_free":
        return format_decimal(usage.free)
    if column == "seat_utilisation":
        return f"{usage.utilisation_percent} %"
    return format_money(usage.assigned_cost, usage.currency)


def attach_usage(pools: list[LicensePool], session: Any) -> None:
    """Give each pool its usage (`USAGE_ATTRIBUTE`), read for all of them in one query."""
    usages = usage_by_pool(pools, session)
    for pool in pools:
        setattr(pool, USAGE_ATTRIBUTE, usages[pool.id])


class LicensePoolInterface(MsspSQLAInterface):
    """Pools with their usage: a list page reads the usage of all its rows in one query."""

    def query_page(self, *args: Any, **kwargs: Any) -> tuple[int, list[Any]]:
        count, pools = super().query_page(*args, **kwargs)
        attach_usage(pools, self.session)
        return count, pools
