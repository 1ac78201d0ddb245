"""/api/v1/license_pool/, /api/v1/client_license/

A pool's list and show responses carry its seat usage, read-only, as the screens show it
(`app.services.licensing.PoolUsage`): `seats_assigned`, `seats_free`, `seat_utilisation`
(percent) and `assigned_seats_cost` (in the pool's `currency`). A list page reads the usage
of all its pools in one query.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from app.models.licensing import ClientLicense, LicensePool
from app.web.datamodel import MsspSQLAInterface
from app.web.filters.licensing import USAGE_ATTRIBUTE, LicensePoolInterface, attach_usage
from app.web.rest import MsspModelRestApi

#: The pool columns its usage is computed from: a response narrowed to fewer columns
#: (`select_columns`) does not carry the usage, so it is not read.
USAGE_INPUTS = frozenset({"total_seats", "cost_per_seat", "currency"})


def usage_fields() -> dict[str, fields.Field]:
    """The read-only usage fields of a pool's list and show responses."""

    def of(name: str) -> str:
        return f"{USAGE_ATTRIBUTE}.{name}"

    return {
        "seats_assigned": fields.Integer(
            dump_only=True,
            attribute=of("assigned"),
            metadata={"description": "Seats held by the pool's pending, active and suspended assignments."},
        ),
        "seats_free": fields.Integer(
            dump_only=True, attribute=of("free"), metadata={"description": "Total seats not assigned."}
        ),
        "seat_utilisation": fields.Decimal(
            dump_only=True,
            as_string=True,
            attribute=of("utilisation_percent"),
            metadata={"type": "string", "description": "Assigned / total seats in percent (one decimal)."},
        ),
        "assigned_seats_cost": fields.Decimal(
            dump_only=True,
            as_string=True,
            attribute=of("assigned_cost"),
            metadata={"type": "string", "description": "Cost of the assigned seats, in the pool's currency."},
        ),
    }


class LicensePoolApiInterface(LicensePoolInterface):
    """Pools as the REST API reads them: with their usage, one query per page."""

    def query(self, *args: Any, **kwargs: Any) -> tuple[int, list[Any]]:
        count, pools = super().query(*args, **kwargs)
        if self._reads_usage_inputs(kwargs.get("select_columns")):
            attach_usage(pools, self.session)
        return count, pools

    def get(
        self, id: Any, filters: Any = None, select_columns: Any = None, outer_default_load: bool = False
    ) -> Any | None:
        pool = super().get(id, filters, select_columns, outer_default_load)
        if pool is not None and self._reads_usage_inputs(select_columns):
            attach_usage([pool], self.session)
        return pool

    @staticmethod
    def _reads_usage_inputs(select_columns: list[str] | None) -> bool:
        return not select_columns or USAGE_INPUTS <= set(select_columns)


class LicensePoolApi(MsspModelRestApi):
    datamodel = LicensePoolApiInterface(LicensePool)
    resource_name = "license_pool"
    #: Kept by the seat rules from the assignments.
    read_only_columns = frozenset({"assigned_seats"})
    search_columns = ["vendor", "product_name", "license_type", "expiry_date", "is_active"]

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        for schema in (self.list_model_schema, self.show_model_schema):
            for name, field in usage_fields().items():
                schema._bind_field(name, field)
                schema.fields[name] = schema.dump_fields[name] = field


class ClientLicenseApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(ClientLicense)
    resource_name = "client_license"
    list_columns = [
        "id",
        "client_id",
        "client.company_name",
        "license_pool_id",
        "license_pool.product_name",
        "assigned_seats",
        "status",
        "assignment_date",
        "version",
    ]
    search_columns = ["client", "license_pool", "status", "assignment_date"]
