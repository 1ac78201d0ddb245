"""Licenses & Assets: license pools and the seats assigned from them."""

from __future__ import annotations

from app.models.licensing import ClientLicense, LicensePool
from app.views.base import MsspModelView
from app.views.datamodel import MsspSQLAInterface
from app.views.labels import AUDIT_FIELDSET


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
    datamodel = MsspSQLAInterface(LicensePool)
    entity_label = "license pool"
    list_title = "License Pools"
    show_title = "License pool"
    add_title = "Add license pool"
    edit_title = "Edit license pool"
    picker_search_columns = ("vendor", "product_name")
    list_columns = [
        "vendor",
        "product_name",
        "license_type",
        "total_seats",
        "cost_per_seat",
        "expiry_date",
        "is_active",
    ]
    search_columns = ["vendor", "product_name", "license_type", "expiry_date", "is_active"]
    base_order = ("vendor", "asc")
    add_columns = [
        "vendor",
        "product_name",
        "license_type",
        "total_seats",
        "cost_per_seat",
        "currency",
        "expiry_date",
        "is_active",
    ]
    edit_columns = add_columns
    show_fieldsets = [("Pool", {"fields": add_columns}), AUDIT_FIELDSET]
    related_views = [ClientLicenseView]
