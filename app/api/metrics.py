"""/api/v1/sla_metric/, /api/v1/ticket_summary/, /api/v1/service_metric/"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from app.models.metrics import ServicePerformanceMetric, SLAMetric, TicketSummary
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import MsspModelRestApi


class SLAMetricApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(SLAMetric)
    resource_name = "sla_metric"
    search_columns = ["client", "metric_name", "period_start", "is_breached"]
    base_order = ("period_start", "desc")


class TicketSummaryApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(TicketSummary)
    resource_name = "ticket_summary"
    search_columns = ["client", "external_key", "status", "priority", "opened_at", "is_sla_breached"]
    base_order = ("opened_at", "desc")


def series_labels(value: Any) -> None:
    """marshmallow validator: a series' labels are an object of label names to text."""
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise ValidationError('Must be a JSON object of label names to text, e.g. {"severity": "high"}.')


class ServiceMetricApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(ServicePerformanceMetric)
    resource_name = "service_metric"
    validators_columns = {"labels": series_labels}
    search_columns = ["client", "service", "metric_name", "timestamp"]
    base_order = ("timestamp", "desc")
