"""The service catalog: what the MSSP sells."""

from __future__ import annotations

from app.models.catalog import Service
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import AUDIT_FIELDSET

#: How a client's deployment of the service is measured (app.services.reconciliation).
RECONCILIATION_COLUMNS = (
    "deployment_metric_name",
    "deployment_aggregate",
    "reconciliation_tolerance_percent",
    "usage_allowance_parameter",
)


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
        *RECONCILIATION_COLUMNS,
    ]
    edit_columns = add_columns
    show_fieldsets = [
        ("Service", {"fields": [c for c in add_columns if c not in RECONCILIATION_COLUMNS]}),
        ("Reconciliation", {"fields": list(RECONCILIATION_COLUMNS)}),
        AUDIT_FIELDSET,
    ]
    description_columns = {
        "deployment_metric_name": 'The synced metric counting what a client has deployed, e.g. '
        '"endpoints_reporting"; empty: this service cannot be reconciled.',
        "deployment_aggregate": "The month's maximum or average of that metric.",
        "reconciliation_tolerance_percent": "A gap up to this share (%) is not reported.",
        "usage_allowance_parameter": "Volume-priced services only: the scope parameter holding the "
        "allowance (a number); the metric is then the usage.",
    }
