"""/api/v1/license_pool/, /api/v1/client_license/"""

from __future__ import annotations

from app.api.base import MsspModelRestApi
from app.models.licensing import ClientLicense, LicensePool
from app.views.datamodel import MsspSQLAInterface


class LicensePoolApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(LicensePool)
    resource_name = "license_pool"
    #: Kept by the seat rules from the assignments.
    read_only_columns = frozenset({"assigned_seats"})
    search_columns = ["vendor", "product_name", "license_type", "expiry_date", "is_active"]


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
