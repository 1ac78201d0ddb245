"""/api/v1/contract/, /api/v1/service_scope/, /api/v1/proposal/"""

from __future__ import annotations

from app.api.base import MsspModelRestApi
from app.models.contracts import Contract, Proposal, ServiceScope
from app.views.datamodel import MsspSQLAInterface


class ContractApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(Contract)
    resource_name = "contract"
    list_columns = [
        "id",
        "contract_name",
        "client_id",
        "client.company_name",
        "status",
        "start_date",
        "end_date",
        "renewal_date",
        "value",
        "currency",
        "previous_contract_id",
        "version",
    ]
    search_columns = ["contract_name", "client", "status", "start_date", "end_date", "renewal_date"]
    base_order = ("end_date", "asc")


class ServiceScopeApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(ServiceScope)
    resource_name = "service_scope"
    list_columns = [
        "id",
        "contract_id",
        "contract.contract_name",
        "service_id",
        "service.name",
        "quantity",
        "unit",
        "price",
        "currency",
        "saf_status",
        "saf_service_start_date",
        "saf_service_end_date",
        "version",
    ]
    search_columns = ["contract", "service", "saf_status", "unit", "saf_service_start_date"]


class ProposalApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(Proposal)
    resource_name = "proposal"
    list_columns = [
        "id",
        "service_scope_id",
        "proposal_type",
        "document_version",
        "status",
        "proposed_value",
        "currency",
        "valid_until_date",
        "assignee_id",
        "version",
    ]
    search_columns = ["service_scope", "proposal_type", "status", "valid_until_date", "assignee"]
