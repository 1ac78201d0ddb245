"""Column labels shared by the screens (FAB would show "Saf Service Start Date")."""

from __future__ import annotations

LABELS: dict[str, str] = {
    "company_name": "Company",
    "contact_name": "Contact",
    "contact_email": "Contact email",
    "contact_phone": "Contact phone",
    "client_source": "Source",
    "company_size": "Size",
    "estimated_deal_value": "Estimated deal value",
    "first_interaction_date": "First interaction",
    "custom_client_specific_json_data": "Client-specific data (JSON)",
    "custom_field_data": "Custom fields",
    "contract_name": "Contract",
    "start_date": "Start",
    "end_date": "End",
    "renewal_date": "Renewal",
    "previous_contract": "Renews contract",
    "document_link": "Document",
    "service_scope": "Service scope",
    "scope_details": "Scope details (JSON)",
    "scope_definition_template": "Scope template (JSON)",
    "saf_status": "SAF (Service Activation Form) status",
    "saf_service_start_date": "Service start (SAF)",
    "saf_service_end_date": "Service end (SAF)",
    "saf_document_link": "SAF document",
    "proposal_type": "Type",
    "document_version": "Version",
    "proposed_value": "Proposed value",
    "valid_until_date": "Valid until",
    "base_price": "Base price",
    "delivery_model": "Delivery",
    "is_active": "Active",
    "product_name": "Product",
    "license_type": "License type",
    "total_seats": "Seats",
    "expiry_date": "Expires",
    "cost_per_seat": "Cost per seat",
    "license_pool": "License pool",
    "assigned_seats": "Seats",
    "assignment_date": "Assigned",
    "asset_tag": "Asset tag",
    "serial_number": "Serial number",
    "device_name": "Device",
    "asset_type": "Type",
    "hardware_asset": "Asset",
    "return_date": "Returned",
    "expected_return_date": "Due back",
    "transaction_type": "Type",
    "transaction_date": "Date",
    "recorded_by": "Recorded by",
    "assignment_role": "Role",
    "user": "Person",
    "metric_name": "Metric",
    "period_start": "Period start",
    "period_end": "Period end",
    "target_value": "Target",
    "actual_value": "Actual",
    "is_breached": "Breached",
    "external_key": "Key",
    "opened_at": "Opened",
    "first_response_at": "First response",
    "resolved_at": "Resolved",
    "response_due_at": "Response due",
    "resolution_due_at": "Resolution due",
    "is_sla_breached": "SLA breached",
    "snapshot_date": "Date",
    "active_client_count": "Active clients",
    "active_contract_count": "Active contracts",
    "active_service_count": "Active services",
    "license_seats_assigned": "Seats assigned",
    "hardware_assets_deployed": "Assets deployed",
    "open_ticket_count": "Open tickets",
    "monthly_recurring_revenue": "MRR (monthly recurring revenue)",
    "total_contract_value": "Total contract value",
    "period_revenue": "Revenue (month)",
    "period_cost": "Cost (month)",
    "entity_type": "Applies to",
    "field_type": "Type",
    "default_value": "Default",
    "help_text": "Help text",
    "validation_regex": "Validation regex",
    "min_value": "Minimum",
    "max_value": "Maximum",
    "select_options": "Choices",
    "group_name": "Group",
    "display_order": "Order",
    "show_in_list": "Show in lists",
    "is_filterable": "Filterable",
    "created_at": "Created",
    "updated_at": "Updated",
    "created_by": "Created by",
    "changed_by": "Changed by",
    "version": "Version",
}

#: The collapsed "Record" fieldset every show page ends with.
AUDIT_FIELDSET = (
    "Record",
    {"fields": ["created_at", "created_by", "updated_at", "changed_by"], "expanded": False},
)

#: Enum values whose label is not just their words (`enum_label` spells out the others:
#: "in_review" -> "In review", "mdr" -> "MDR").
ENUM_LABELS: dict[str, str] = {
    "co_managed": "Co-managed",
    "on_site": "On-site",
    "self_service": "Self-service",
    "identity_access": "Identity and access",
    "ip_address": "IP address",
    "gb_per_day": "GB per day",
    "avg": "Average",
    "max": "Maximum",
    "min": "Minimum",
    "ui": "Screens",
    "cli": "Command line",
    "job": "Scheduled job",
    "nfr": "NFR (not for resale)",
}

#: Metric names as people read them; `metric_label` spells out any other name.
METRIC_LABELS: dict[str, str] = {
    "endpoints_online_pct": "Endpoints online (%)",
    "endpoints_online": "Endpoints online",
    "endpoints_total": "Endpoints",
    "detections_total": "Detections",
    "incidents_total": "Incidents",
    "mean_time_to_detect_minutes": "Mean time to detect (minutes)",
    "mean_time_to_respond_minutes": "Mean time to respond (minutes)",
    "availability_pct": "Availability (%)",
    "uptime_pct": "Uptime (%)",
}

#: Units at the end of a metric name, shown in brackets.
_METRIC_UNITS = {"pct": "%", "percent": "%", "minutes": "minutes", "hours": "hours", "gb": "GB", "ms": "ms"}
_METRIC_ACRONYMS = {"edr", "mdr", "soc", "siem", "sla", "ndr", "ip", "api", "saf"}


def metric_label(name: str | None) -> str:
    """`endpoints_online_pct` -> "Endpoints online (%)"; a name with spaces stays as typed."""
    if not name:
        return ""
    if name in METRIC_LABELS:
        return METRIC_LABELS[name]
    if " " in name or "_" not in name and not name.islower():
        return name
    words = [w for w in name.replace("-", "_").replace(".", "_").split("_") if w]
    unit = _METRIC_UNITS.get(words[-1].lower()) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    shown = [w.upper() if w.lower() in _METRIC_ACRONYMS else w.lower() for w in words]
    if shown and shown[0].islower():
        shown[0] = shown[0].capitalize()
    text = " ".join(shown)
    return f"{text} ({unit})" if unit else text


#: Columns holding a metric name (shown through `metric_label`).
METRIC_COLUMNS = frozenset({"metric_name", "deployment_metric_name"})
#: Columns holding a link to a document (shown as a link that opens in a new tab).
DOCUMENT_LINK_COLUMNS = frozenset({"document_link", "saf_document_link"})
