"""Licenses & Assets: license pools and the seats assigned from them.

A pool's list row and show page carry its seat usage (`app.services.licensing.PoolUsage`):
seats assigned, seats free, utilisation and the cost of the assigned seats. A list page
reads the usage of its pools in one query; the CSV export and the show page per pool.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from app.models.licensing import ClientLicense, LicensePool
from app.services.licensing import PoolUsage, pool_usage
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.filters.licensing import USAGE_ATTRIBUTE, USAGE_LABELS, LicensePoolInterface, format_usage
from app.web.labels import AUDIT_FIELDSET, LABELS


class ClientLicenseView(MsspModelView):
    datamodel = MsspSQLAInterface(ClientLicense)
    entity_label = "client license"
    list_title = "Client Licenses"
    show_title = "Client license"
    add_title = "Assign licenses"
    edit_title = "Edit license assignment"
    label_eager = ("license_pool", "client")
    list_columns = ["client", "license_pool", "assigned_seats", "status", "assignment_date"]
    search_columns = ["client", "license_pool", "status", "assignment_date"]
    order_aliases = {"client": "client.company_name"}
    base_order = ("assignment_date", "desc")
    add_columns = ["client", "license_pool", "assigned_seats", "status", "assignment_date"]
    edit_columns = add_columns
    show_fieldsets = [("Assignment", {"fields": add_columns}), AUDIT_FIELDSET]


class LicensePoolView(MsspModelView):
    datamodel = LicensePoolInterface(LicensePool)
    entity_label = "license pool"
    list_title = "License Pools"
    show_title = "License pool"
    add_title = "Add license pool"
    edit_title = "Edit license pool"
    picker_search_columns = ("vendor", "product_name")
    label_columns = {**LABELS, **USAGE_LABELS}
    money_export_columns = ("assigned_seats_cost",)
    list_columns = [
        "vendor",
        "product_name",
        "license_type",
        "total_seats",
        *USAGE_LABELS,
        "cost_per_seat",
        "expiry_date",
        "is_active",
    ]
    search_columns = ["vendor", "product_name", "license_type", "expiry_date", "is_active"]
    base_order = ("vendor", "asc")
    bulk_edit_columns = ("expiry_date", "is_active", "license_type")
    add_columns = [
        "vendor",
        "product_name",
        "service",
        "license_type",
        "total_seats",
        "cost_per_seat",
        "currency",
        "expiry_date",
        "is_active",
    ]
    edit_columns = add_columns
    show_fieldsets = [
        ("Pool", {"fields": add_columns}),
        ("Seats", {"fields": list(USAGE_LABELS)}),
        AUDIT_FIELDSET,
    ]
    related_views = [ClientLicenseView]

    def usage_of(self, pool: LicensePool) -> PoolUsage:
        usage = getattr(pool, USAGE_ATTRIBUTE, None)
        if usage is None:
            usage = pool_usage(pool)
            setattr(pool, USAGE_ATTRIBUTE, usage)
        return usage

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        if column in USAGE_LABELS:
            return format_usage(self.usage_of(item), column)
        return super().display_value(item, column, in_list=in_list)

    def export_value(self, item: Any, column: str) -> str:
        if column in USAGE_LABELS:
            return format_usage(self.usage_of(item), column)
        return super().export_value(item, column)
