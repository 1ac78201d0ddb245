"""Contracts & Services and Sales: contracts, service scopes, proposals."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, jsonify, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from markupsafe import Markup

from app.models.contracts import Contract, Proposal, ServiceScope
from app.services.lifecycle import terminate_contracts
from app.services.scopes import catalog_terms
from app.views.contract_renewals import ContractRenewalsMixin
from app.views.scope_parameters import ScopeDetailsField, format_scope_details, parameter_inputs
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import AUDIT_FIELDSET, LABELS


class ProposalView(MsspModelView):
    """Technical and financial proposals for a scope (Sales menu)."""

    datamodel = MsspSQLAInterface(Proposal)
    entity_label = "proposal"
    list_title = "Proposals"
    show_title = "Proposal"
    add_title = "Add proposal"
    edit_title = "Edit proposal"
    label_eager = ("service_scope",)
    related_filter_paths = {"Client": "service_scope.contract.client_id"}
    url_picker_contexts = {"service_scope": {"client": "contract.client_id"}}
    list_columns = [
        "service_scope",
        "proposal_type",
        "document_version",
        "status",
        "proposed_value",
        "valid_until_date",
        "assignee",
    ]
    search_columns = ["proposal_type", "status", "valid_until_date", "service_scope", "assignee"]
    base_order = ("valid_until_date", "desc")
    bulk_edit_columns = ("status", "assignee", "valid_until_date")
    bulk_client_path = "service_scope.contract.client_id"
    add_columns = [
        "service_scope",
        "proposal_type",
        "document_version",
        "status",
        "proposed_value",
        "currency",
        "valid_until_date",
        "document_link",
        "assignee",
    ]
    edit_columns = add_columns
    show_fieldsets = [
        ("Proposal", {"fields": add_columns}),
        AUDIT_FIELDSET,
    ]


class ServiceScopeView(MsspModelView):
    """One service under one contract: parameters, price and activation (SAF)."""

    datamodel = MsspSQLAInterface(ServiceScope)
    entity_label = "service scope"
    list_title = "Service Scopes"
    show_title = "Service scope"
    add_title = "Add service scope"
    edit_title = "Edit service scope"
    label_eager = ("service", "contract")
    picker_search_columns = ("service.name", "contract.contract_name")
    related_filter_paths = {"Client": "contract.client_id"}
    url_picker_contexts = {"contract": {"client": "client_id"}}
    list_columns = [
        "service",
        "contract",
        "quantity",
        "unit",
        "price",
        "saf_status",
        "saf_service_start_date",
        "saf_service_end_date",
    ]
    search_columns = [
        "contract",
        "service",
        "saf_status",
        "unit",
        "saf_service_start_date",
        "saf_service_end_date",
    ]
    order_aliases = {"service": "service.name", "contract": "contract.contract_name"}
    base_order = ("saf_service_start_date", "desc")
    add_columns = [
        "contract",
        "service",
        "quantity",
        "unit",
        "price",
        "currency",
        "saf_status",
        "saf_service_start_date",
        "saf_service_end_date",
        "saf_document_link",
        "scope_details",
    ]
    edit_columns = add_columns
    show_fieldsets = [
        ("Scope", {"fields": ["contract", "service", "quantity", "unit", "price", "scope_details"]}),
        (
            "Service activation (SAF)",
            {
                "fields": [
                    "saf_status",
                    "saf_service_start_date",
                    "saf_service_end_date",
                    "saf_document_link",
                ]
            },
        ),
        AUDIT_FIELDSET,
    ]
    related_views = [ProposalView]
    label_columns = {**LABELS, "scope_details": "Scope parameters"}
    add_template = "mssp/scopes/add.html"
    edit_template = "mssp/scopes/edit.html"
    extra_method_permissions = {"scope_parameters": "read", "catalog_terms": "read"}
    add_form_extra_fields = {
        "scope_details": ScopeDetailsField(
            "Scope parameters",
            description="The parameters the service's scope template declares.",
            endpoint="ServiceScopeView.scope_parameters",
            terms_endpoint="ServiceScopeView.catalog_terms",
        )
    }
    edit_form_extra_fields = add_form_extra_fields

    @expose("/scope_parameters/")
    @has_access
    def scope_parameters(self):
        """The inputs of a service's scope parameters (the form asks when the service changes)."""
        key = (request.args.get("service") or "").strip()
        service = self.datamodel.get_related_obj("service", key) if key else None
        if key and service is None:
            abort(404)
        return Response(parameter_inputs("scope_details", service), mimetype="text/html")

    @expose("/catalog_terms/")
    @has_access
    def catalog_terms(self):
        """The catalog's unit, base price and currency of ?service= (the form proposes them)."""
        key = (request.args.get("service") or "").strip()
        service = self.datamodel.get_related_obj("service", key) if key else None
        if service is None:
            return jsonify(message="No such service.", field="service"), 404
        terms = catalog_terms(service)
        return jsonify(
            unit=terms.unit.value if terms.unit else None, price=f"{terms.price:.2f}", currency=terms.currency
        )

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        if column == "scope_details" and not in_list:
            return format_scope_details(item.service, item.scope_details)
        return super().display_value(item, column, in_list=in_list)


class ContractView(ContractRenewalsMixin, MsspModelView):
    """Contracts, soonest ending first; renewed into a successor, terminated instead of deleted."""

    datamodel = MsspSQLAInterface(Contract)
    entity_label = "contract"
    list_title = "Contracts"
    show_title = "Contract"
    add_title = "Add contract"
    edit_title = "Edit contract"
    picker_search_columns = ("contract_name",)
    list_columns = ["contract_name", "client", "status", "start_date", "end_date", "renewal_date", "value"]
    search_columns = ["contract_name", "client", "status", "start_date", "end_date", "renewal_date"]
    order_aliases = {"client": "client.company_name"}
    base_order = ("end_date", "asc")
    bulk_edit_columns = ("status", "end_date", "renewal_date")
    bulk_client_path = "client_id"
    add_columns = [
        "client",
        "contract_name",
        "status",
        "start_date",
        "end_date",
        "renewal_date",
        "value",
        "currency",
        "document_link",
        "previous_contract",
    ]
    edit_columns = add_columns
    show_fieldsets = [
        ("Contract", {"fields": ["contract_name", "client", "status", "value", "document_link"]}),
        (
            "Term",
            {"fields": ["start_date", "end_date", "renewal_date", "previous_contract", "renewal_chain"]},
        ),
        AUDIT_FIELDSET,
    ]
    label_columns = {**LABELS, "renewal_chain": "Renewal chain"}
    related_views = [ServiceScopeView]

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        if column == "renewal_chain":
            return self.renewal_chain_value(item)
        return super().display_value(item, column, in_list=in_list)

    @action(
        "terminate",
        "Terminate",
        "Terminate the selected contract(s)? They stay on record with the status Terminated.",
        "fa-ban",
    )
    def terminate(self, items):
        contracts = items if isinstance(items, list) else [items]
        count = terminate_contracts(contracts, self.datamodel.session)
        flash(f"{count} contract(s) terminated.", "success")
        return redirect(self.get_redirect())
