"""/api/v1/client/"""

from __future__ import annotations

from app.models.clients import Client
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import MsspModelRestApi


class ClientApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(Client)
    resource_name = "client"
    list_columns = [
        "id",
        "company_name",
        "status",
        "industry",
        "company_size",
        "client_source",
        "contact_name",
        "contact_email",
        "first_interaction_date",
        "estimated_deal_value",
        "currency",
        "version",
    ]
    search_columns = [
        "company_name",
        "status",
        "industry",
        "client_source",
        "company_size",
        "first_interaction_date",
    ]
    base_order = ("company_name", "asc")
