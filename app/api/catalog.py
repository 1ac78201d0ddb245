"""/api/v1/service/"""

from __future__ import annotations

from app.api.base import MsspModelRestApi
from app.models.catalog import Service
from app.views.datamodel import MsspSQLAInterface


class ServiceApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(Service)
    resource_name = "service"
    search_columns = ["name", "category", "delivery_model", "is_active"]
    base_order = ("name", "asc")
