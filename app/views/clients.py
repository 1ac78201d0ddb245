"""Clients: the hub of the application, with everything about a client in tabs."""

from __future__ import annotations

from flask import flash, redirect
from flask_appbuilder.actions import action

from app.models.clients import Client
from app.services.lifecycle import archive_clients
from app.views.contracts import ContractView, ProposalView, ServiceScopeView
from app.views.finance import TransactionView
from app.views.hardware import HardwareAssignmentView
from app.views.licensing import ClientLicenseView
from app.views.metrics import SLAMetricView, TicketView
from app.views.reconciliation import ReconciliationLineView
from app.views.reports import ClientReportArchiveView
from app.views.team import TeamAssignmentView
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import AUDIT_FIELDSET


class ClientView(MsspModelView):
    datamodel = MsspSQLAInterface(Client)
    entity_label = "client"
    list_title = "Clients"
    show_title = "Client"
    add_title = "Add client"
    edit_title = "Edit client"
    picker_search_columns = ("company_name",)
    list_columns = [
        "company_name",
        "status",
        "industry",
        "company_size",
        "client_source",
        "contact_name",
        "first_interaction_date",
        "estimated_deal_value",
    ]
    search_columns = [
        "company_name",
        "status",
        "industry",
        "client_source",
        "company_size",
        "contact_name",
        "first_interaction_date",
    ]
    base_order = ("company_name", "asc")
    bulk_edit_columns = ("status", "industry", "company_size", "client_source", "lead_score")
    bulk_client_path = "id"
    add_columns = [
        "company_name",
        "status",
        "industry",
        "company_size",
        "client_source",
        "contact_name",
        "contact_email",
        "contact_phone",
        "address",
        "lead_score",
        "estimated_deal_value",
        "currency",
        "first_interaction_date",
        "notes",
        "custom_client_specific_json_data",
    ]
    edit_columns = add_columns
    show_fieldsets = [
        ("Company", {"fields": ["company_name", "status", "industry", "company_size", "client_source"]}),
        ("Contact", {"fields": ["contact_name", "contact_email", "contact_phone", "address"]}),
        ("Sales", {"fields": ["lead_score", "estimated_deal_value", "first_interaction_date"]}),
        ("Notes", {"fields": ["notes", "custom_client_specific_json_data"], "expanded": False}),
        AUDIT_FIELDSET,
    ]
    #: The hub: every tab the person may read.
    related_views = [
        ContractView,
        ServiceScopeView,
        ProposalView,
        ClientLicenseView,
        HardwareAssignmentView,
        TeamAssignmentView,
        TicketView,
        SLAMetricView,
        TransactionView,
        ReconciliationLineView,
        ClientReportArchiveView,
    ]

    @action(
        "archive",
        "Archive",
        "Archive the selected client(s)? Their contracts and history are kept.",
        "fa-archive",
    )
    def archive(self, items):
        clients = items if isinstance(items, list) else [items]
        count = archive_clients(clients, self.datamodel.session)
        flash(f"{count} client(s) archived.", "success")
        return redirect(self.get_redirect())
