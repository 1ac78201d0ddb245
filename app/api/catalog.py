"""/api/v1/service/"""

from __future__ import annotations

from app.models.catalog import Service
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import MsspModelRestApi


class ServiceApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(Service)
    resource_name = "service"
    search_columns = ["name", "category", "delivery_model", "is_active"]
    base_order = ("name", "asc")
