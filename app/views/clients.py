"""Clients: the hub of the application, with everything about a client in tabs."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2Widget
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.models.clients import Client
from app.models.team import AssignmentRole
from app.models.users import MsspUser
from app.services.lifecycle import archive_clients
from app.services.team import account_manager_candidates, hand_over
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
from app.web.permissions import holds


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

    def bulk_extra_fields(self) -> dict[str, Any]:
        """The account manager, for people who may edit both clients and team assignments."""
        if not holds("can_edit", "ClientTeamAssignment"):
            return {}
        people = account_manager_candidates(self.datamodel.session)
        choices = [SelectChoice("", "— nobody —")] + [SelectChoice(str(u.id), str(u)) for u in people]
        return {
            "account_manager": SelectField(
                "Account manager", [Optional()], choices=choices, widget=Select2Widget(),
                description="Hands the client over: the old account manager's assignment goes.",
            )
        }

    def bulk_apply_extra(self, record: Any, name: str, value: Any) -> bool:
        if name != "account_manager":
            raise NotImplementedError(name)
        session = self.datamodel.session
        user = session.get(MsspUser, int(value)) if value else None
        return hand_over(session, record, user, AssignmentRole.ACCOUNT_MANAGER)

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
