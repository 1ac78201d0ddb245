"""Licenses & Assets: hardware and its custody by clients."""

from __future__ import annotations

from app.models.hardware import ClientHardwareAssignment, HardwareAsset
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import AUDIT_FIELDSET


class HardwareAssignmentView(MsspModelView):
    datamodel = MsspSQLAInterface(ClientHardwareAssignment)
    entity_label = "hardware assignment"
    list_title = "Hardware Assignments"
    show_title = "Hardware assignment"
    add_title = "Assign hardware"
    edit_title = "Edit hardware assignment"
    label_eager = ("hardware_asset", "client")
    list_columns = [
        "hardware_asset", "client", "status", "assignment_date", "expected_return_date", "return_date"
    ]
    search_columns = list_columns
    order_aliases = {"client": "client.company_name", "hardware_asset": "hardware_asset.asset_tag"}
    base_order = ("assignment_date", "desc")
    add_columns = [
        "hardware_asset",
        "client",
        "service_scope",
        "status",
        "assignment_date",
        "expected_return_date",
        "return_date",
    ]
    edit_columns = add_columns
    description_columns = {
        "expected_return_date": "Optional. Once this date has passed with the asset still out, the "
        "client's account manager gets a \"hardware not returned\" alert.",
    }
    show_fieldsets = [("Assignment", {"fields": add_columns}), AUDIT_FIELDSET]


class HardwareAssetView(MsspModelView):
    datamodel = MsspSQLAInterface(HardwareAsset)
    entity_label = "hardware asset"
    list_title = "Hardware"
    show_title = "Hardware asset"
    add_title = "Add hardware asset"
    edit_title = "Edit hardware asset"
    picker_search_columns = ("asset_tag", "device_name", "serial_number")
    list_columns = [
        "asset_tag",
        "device_name",
        "asset_type",
        "manufacturer",
        "model",
        "serial_number",
        "status",
    ]
    search_columns = ["asset_tag", "device_name", "serial_number", "asset_type", "manufacturer", "status"]
    base_order = ("asset_tag", "asc")
    bulk_edit_columns = ("status", "manufacturer")
    add_columns = [
        "asset_tag",
        "serial_number",
        "device_name",
        "asset_type",
        "manufacturer",
        "model",
        "status",
    ]
    edit_columns = add_columns
    show_fieldsets = [("Asset", {"fields": add_columns}), AUDIT_FIELDSET]
    related_views = [HardwareAssignmentView]
