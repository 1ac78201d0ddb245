"""Operations: SLA metrics, tickets, service metrics and snapshots."""

from __future__ import annotations

from typing import Any

from app.models.metrics import ClientSubscriptionSnapshot, ServicePerformanceMetric, SLAMetric, TicketSummary
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import AUDIT_FIELDSET


def format_labels(labels: dict[str, str] | None) -> str:
    """A series' labels as Prometheus writes them (`severity="high", sensor="s1"`); "-" for none."""
    return ", ".join(f'{name}="{value}"' for name, value in sorted((labels or {}).items())) or "-"


class SLAMetricView(MsspModelView):
    datamodel = MsspSQLAInterface(SLAMetric)
    entity_label = "SLA metric"
    list_title = "SLA Metrics"
    show_title = "SLA metric"
    add_title = "Add SLA metric"
    edit_title = "Edit SLA metric"
    label_eager = ("client",)
    list_columns = [
        "client",
        "metric_name",
        "period_start",
        "period_end",
        "target_value",
        "actual_value",
        "unit",
        "is_breached",
    ]
    search_columns = ["client", "metric_name", "period_start", "is_breached", "unit"]
    order_aliases = {"client": "client.company_name"}
    base_order = ("period_start", "desc")
    add_columns = [
        "client",
        "contract",
        "service_scope",
        "metric_name",
        "period_start",
        "period_end",
        "target_value",
        "actual_value",
        "unit",
        "is_breached",
    ]
    edit_columns = add_columns
    show_fieldsets = [("SLA", {"fields": add_columns}), AUDIT_FIELDSET]


class TicketView(MsspModelView):
    datamodel = MsspSQLAInterface(TicketSummary)
    entity_label = "ticket"
    list_title = "Tickets"
    show_title = "Ticket"
    add_title = "Add ticket"
    edit_title = "Edit ticket"
    label_eager = ()
    list_columns = [
        "external_key",
        "summary",
        "client",
        "priority",
        "status",
        "opened_at",
        "resolved_at",
        "is_sla_breached",
    ]
    search_columns = [
        "external_key",
        "summary",
        "client",
        "priority",
        "status",
        "opened_at",
        "is_sla_breached",
    ]
    order_aliases = {"client": "client.company_name"}
    base_order = ("opened_at", "desc")
    add_columns = [
        "client",
        "source",
        "external_key",
        "summary",
        "status",
        "priority",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "response_due_at",
        "resolution_due_at",
        "is_sla_breached",
    ]
    edit_columns = add_columns
    show_fieldsets = [
        ("Ticket", {"fields": add_columns}),
        ("Sync", {"fields": ["data_source", "unmapped_status", "unmapped_priority"]}),
        AUDIT_FIELDSET,
    ]
    label_columns = {
        **MsspModelView.label_columns,
        "data_source": "Synced from",
        "unmapped_status": "Status in the source (not mapped)",
        "unmapped_priority": "Priority in the source (not mapped)",
    }


class ServiceMetricView(MsspModelView):
    datamodel = MsspSQLAInterface(ServicePerformanceMetric)
    entity_label = "service metric"
    list_title = "Service Metrics"
    show_title = "Service metric"
    add_title = "Add service metric"
    edit_title = "Edit service metric"
    list_columns = ["timestamp", "client", "service", "metric_name", "labels", "value", "unit"]
    search_columns = ["client", "service", "metric_name", "timestamp"]
    order_aliases = {"client": "client.company_name", "service": "service.name"}
    base_order = ("timestamp", "desc")
    add_columns = ["client", "service", "metric_name", "timestamp", "value", "unit"]
    edit_columns = add_columns
    show_columns = [*add_columns, "labels", "created_at", "updated_at"]

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> Any:
        if column == "labels":  # as Prometheus writes them: severity="high", sensor="s1"
            return format_labels(item.labels)
        return super().display_value(item, column, in_list=in_list)


class SnapshotView(MsspModelView):
    datamodel = MsspSQLAInterface(ClientSubscriptionSnapshot)
    entity_label = "snapshot"
    list_title = "Snapshots"
    show_title = "Snapshot"
    add_title = "Add snapshot"
    edit_title = "Edit snapshot"
    list_columns = [
        "snapshot_date",
        "client",
        "currency",
        "active_contract_count",
        "monthly_recurring_revenue",
        "total_contract_value",
        "period_revenue",
        "period_cost",
    ]
    search_columns = ["snapshot_date", "client", "currency"]
    order_aliases = {"client": "client.company_name"}
    base_order = ("snapshot_date", "desc")
    add_columns = [
        "snapshot_date",
        "client",
        "currency",
        "active_client_count",
        "active_contract_count",
        "active_service_count",
        "license_seats_assigned",
        "hardware_assets_deployed",
        "open_ticket_count",
        "monthly_recurring_revenue",
        "total_contract_value",
        "period_revenue",
        "period_cost",
    ]
    edit_columns = add_columns
    show_columns = [*add_columns, "created_at", "updated_at"]
