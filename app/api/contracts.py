"""/api/v1/contract/, /api/v1/service_scope/, /api/v1/proposal/"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, ValidationError, fields, validate

from app.models.contracts import Contract, ContractStatus, Proposal, ServiceScope
from app.services.contracts import RENEWAL_STATUSES, ending_within_clause, renew_contract
from app.web.datamodel import MsspSQLAInterface
from app.web.dates import StrictIsoDate
from app.web.db_errors import REFUSALS
from app.web.filters import FilterCondition
from app.web.filters.contracts import ENDING_WITHIN_ARG, parse_ending_within
from app.web.rest import API_PERMISSIONS, MsspModelRestApi


class RenewalTermsSchema(Schema):
    """What a renewal may change; anything left out is proposed by `renew_contract`."""

    contract_name = fields.String(validate=validate.Length(min=1, max=200))
    start_date = StrictIsoDate()
    end_date = StrictIsoDate()
    value = fields.Decimal(places=2, validate=validate.Range(min=0))
    currency = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{3}$", error="A three-letter currency code, e.g. EUR.")
    )
    status = fields.String(
        validate=validate.OneOf([s.value for s in RENEWAL_STATUSES]),
        metadata={"description": "draft (default) or signed: signed becomes active on its start date"},
    )


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
    method_permission_name = {**API_PERMISSIONS, "renew": "create"}

    @expose("/<pk>/renew", methods=["POST"])
    @protect()
    @safe
    @permission_name("renew")
    def renew(self, pk: str):
        """Renew a contract: create its successor
        ---
        post:
          description: >-
            Creates the successor of the contract (from the day after its end, for the same
            term, same value and currency unless given) with a copy of its scopes, as a draft
            or signed. The contract renewed keeps running, and counting, until its end date;
            the daily roll-over then makes a signed successor active and the contract renewed.
            A contract renewed already, or neither active nor expired, is refused with 422; so
            is a start date other than the day after the contract's end.
          parameters:
          - in: path
            schema:
              type: string
            name: pk
          requestBody:
            description: The terms to change (all optional)
            required: false
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    contract_name:
                      type: string
                    start_date:
                      type: string
                      format: date
                    end_date:
                      type: string
                      format: date
                    value:
                      type: string
                    currency:
                      type: string
                    status:
                      type: string
                      enum: [draft, signed]
          responses:
            201:
              description: The successor
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: string
                      result:
                        type: object
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        contract = self.datamodel.get(pk, self._base_filters)
        if contract is None:
            return self.response_404()
        data = self._json_body() if request.get_data() else {}
        if data is None:
            return self.response_400(message="The body must be a JSON object.")
        try:
            terms = RenewalTermsSchema().load(data)
        except ValidationError as error:
            return self.response_validation(error)
        if "currency" in terms:
            terms["currency"] = terms["currency"].upper()
        if "status" in terms:
            terms["status"] = ContractStatus(terms["status"])
        try:
            successor = renew_contract(contract, **terms, session=self.datamodel.session)
        except REFUSALS as error:
            self.datamodel.session.rollback()
            return self.response_refusal(error)
        result = self.show_model_schema.dump(successor, many=False)
        return self.response(201, id=str(successor.id), result=result)

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
    description_columns = {
        "scope_details": "An object keyed by the parameters of the service's scope template. A stored "
        "key the template no longer declares is kept: send it back unchanged or leave it out; "
        "null removes it; a changed value is refused (422).",
    }


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
