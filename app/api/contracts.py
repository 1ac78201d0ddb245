"""/api/v1/contract/, /api/v1/service_scope/, /api/v1/proposal/"""

from __future__ import annotations

from typing import Any

from flask import request

from app.api.base import MsspModelRestApi
from app.models.contracts import Contract, Proposal, ServiceScope
from app.services.contracts import ending_within_clause
from app.views.contract_renewals import ENDING_WITHIN_ARG, FilterCondition, parse_ending_within
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

    def get_list_headless(self, **kwargs: Any):
        """`?ending_within=N`: only ACTIVE contracts ending in the next N days (today included)."""
        try:
            parse_ending_within(request.args.get(ENDING_WITHIN_ARG))
        except ValueError as problem:
            return self.response_400(message=str(problem))
        return super().get_list_headless(**kwargs)

    def _handle_filters_args(self, rison_args: dict[str, Any]) -> Any:
        filters = super()._handle_filters_args(rison_args)
        days = parse_ending_within(request.args.get(ENDING_WITHIN_ARG))
        if days is not None:
            filters.add_filter("end_date", FilterCondition, ending_within_clause(days))
        return filters


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
