"""The service catalog: what the MSSP sells."""

from __future__ import annotations

from app.models.catalog import Service
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import AUDIT_FIELDSET


class ServiceView(MsspModelView):
    datamodel = MsspSQLAInterface(Service)
    entity_label = "service"
    list_title = "Service Catalog"
    show_title = "Service"
    add_title = "Add service"
    edit_title = "Edit service"
    picker_search_columns = ("name",)
    list_columns = ["name", "category", "delivery_model", "base_price", "is_active"]
    search_columns = ["name", "category", "delivery_model", "is_active"]
    base_order = ("name", "asc")
    add_columns = [
        "name",
        "category",
        "delivery_model",
        "base_price",
        "currency",
        "is_active",
        "description",
        "scope_definition_template",
    ]
    edit_columns = add_columns
    show_fieldsets = [("Service", {"fields": add_columns}), AUDIT_FIELDSET]
