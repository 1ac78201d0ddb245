"""Clients: the hub of the application, with everything about a client in tabs."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.security.decorators import has_access
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.models.clients import Client
from app.models.team import AssignmentRole
from app.models.users import MsspUser
from app.services.accounts.roles import ACCOUNT_MANAGER
from app.services.lifecycle import archive_clients
from app.services.team import (
    account_manager_candidates,
    account_manager_for,
    claim_client,
    hand_over,
    holds_role,
    reassign_account_manager,
)
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
from app.web.db_errors import REFUSALS, refusal_for
from app.web.labels import AUDIT_FIELDSET
from app.web.permissions import holds
from app.web.row_filters import current_user

#: The team resource whose edit right lets a person reassign a client's account manager.
TEAM_RESOURCE = "ClientTeamAssignment"


class ClientView(MsspModelView):
    datamodel = MsspSQLAInterface(Client)
    show_template = "mssp/clients/show.html"
    #: Claiming is editing the client; reassigning also needs edit on team assignments.
    extra_method_permissions = {"claim": "edit", "reassign": "read"}
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

    # ---- ownership: the account manager -------------------------------------------------

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            kwargs["account"] = self._account(kwargs["pk"])
        return super().render_template(template, **kwargs)

    def _account(self, pk) -> dict | None:
        """What the client page shows and offers about the client's account manager (the page
        has found the client already: two look-ups, the holder and the people to hand it to)."""
        try:
            client_id = uuid.UUID(str(pk))
        except ValueError:
            return None
        session = self.datamodel.session
        holder = account_manager_for(client_id, session)
        may_reassign = holds("can_edit", TEAM_RESOURCE)
        return {
            "holder": holder,
            "may_claim": holder is None
            and holds_role(current_user(), ACCOUNT_MANAGER)
            and holds("can_edit", self.class_permission_name),
            "may_reassign": may_reassign,
            "choices": account_manager_candidates(session) if may_reassign else [],
        }

    @expose("/claim/<pk>", methods=["POST"])
    @has_access
    def claim(self, pk):
        """An account manager takes an unowned client."""
        client = self._client_or_404(pk)
        try:
            claim_client(client, current_user(), self.datamodel.session)
        except REFUSALS as error:
            self.datamodel.session.rollback()
            flash(refusal_for(error, self.datamodel.session).message, "danger")
        else:
            flash(f"You are now the account manager of {client.company_name}.", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=str(client.id)))

    @expose("/reassign/<pk>", methods=["POST"])
    @has_access
    def reassign(self, pk):
        """A manager hands the client's account to another account manager."""
        if not holds("can_edit", TEAM_RESOURCE):
            abort(403)
        client = self._client_or_404(pk)
        session = self.datamodel.session
        raw = (request.form.get("user_id") or "").strip()
        person = session.get(MsspUser, int(raw)) if raw.isdigit() else None
        if person is None:
            flash("Choose the account manager to hand this client to.", "danger")
        else:
            try:
                reassign_account_manager(client, person, session)
            except REFUSALS as error:
                session.rollback()
                flash(refusal_for(error, session).message, "danger")
            else:
                flash(f"{person} is now the account manager of {client.company_name}.", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=str(client.id)))

    def _client_or_404(self, pk) -> Client:
        client = self.datamodel.get(pk, self._base_filters)
        if client is None:
            abort(404)
        return client
