"""/api/v1/hardware_asset/, /api/v1/hardware_assignment/"""

from __future__ import annotations

from app.models.hardware import ClientHardwareAssignment, HardwareAsset
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import MsspModelRestApi


class HardwareAssetApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(HardwareAsset)
    resource_name = "hardware_asset"
    search_columns = ["asset_tag", "serial_number", "device_name", "asset_type", "status"]


class HardwareAssignmentApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(ClientHardwareAssignment)
    resource_name = "hardware_assignment"
    list_columns = [
        "id",
        "hardware_asset_id",
        "hardware_asset.asset_tag",
        "client_id",
        "client.company_name",
        "service_scope_id",
        "status",
        "assignment_date",
        "expected_return_date",
        "return_date",
        "version",
    ]
    search_columns = [
        "hardware_asset", "client", "status", "assignment_date", "expected_return_date", "return_date"
    ]
