"""Licenses & Assets: hardware and its custody by clients."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.models.hardware import ClientHardwareAssignment, HardwareAsset
from app.services.hardware import current_assignment, return_hardware
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.db_errors import REFUSALS, refusal_for
from app.web.labels import AUDIT_FIELDSET
from app.web.permissions import holds


class HardwareAssignmentView(MsspModelView):
    datamodel = MsspSQLAInterface(ClientHardwareAssignment)
    entity_label = "hardware assignment"
    list_title = "Hardware Assignments"
    show_title = "Hardware assignment"
    add_title = "Assign hardware"
    edit_title = "Edit hardware assignment"
    label_eager = ("hardware_asset", "client")
    list_columns = [
        "hardware_asset", "client", "status", "assignment_date", "expected_return_date", "return_date"
    ]
    search_columns = list_columns
    order_aliases = {"client": "client.company_name", "hardware_asset": "hardware_asset.asset_tag"}
    base_order = ("assignment_date", "desc")
    add_columns = [
        "hardware_asset",
        "client",
        "service_scope",
        "status",
        "assignment_date",
        "expected_return_date",
        "return_date",
    ]
    edit_columns = add_columns
    description_columns = {
        "expected_return_date": "Optional. Once this date has passed with the asset still out, the "
        "client's account manager gets a \"hardware not returned\" alert.",
    }
    show_fieldsets = [("Assignment", {"fields": add_columns}), AUDIT_FIELDSET]


class HardwareAssetView(MsspModelView):
    datamodel = MsspSQLAInterface(HardwareAsset)
    entity_label = "hardware asset"
    list_title = "Hardware"
    show_title = "Hardware asset"
    add_title = "Add hardware asset"
    edit_title = "Edit hardware asset"
    picker_search_columns = ("asset_tag", "device_name", "serial_number")
    list_columns = [
        "asset_tag",
        "device_name",
        "asset_type",
        "manufacturer",
        "model",
        "serial_number",
        "status",
        "current_assignment",
    ]
    export_columns = [*list_columns[:-1], "current_assignment"]
    list_eager = ("current_assignment.client",)
    label_columns = {**MsspModelView.label_columns, "current_assignment": "Held by"}
    extra_method_permissions = {"return_asset": "edit"}
    search_columns = ["asset_tag", "device_name", "serial_number", "asset_type", "manufacturer", "status"]
    base_order = ("asset_tag", "asc")
    bulk_edit_columns = ("status", "manufacturer")
    add_columns = [
        "asset_tag",
        "serial_number",
        "device_name",
        "asset_type",
        "manufacturer",
        "model",
        "status",
    ]
    edit_columns = add_columns
    show_fieldsets = [("Asset", {"fields": add_columns}), AUDIT_FIELDSET]
    related_views = [HardwareAssignmentView]

    # ---- who holds it, and a one-click Return -------------------------------------------

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        if column != "current_assignment":
            return super().display_value(item, column, in_list=in_list)
        assignment = item.current_assignment
        if assignment is None:
            return ""
        holder = self.relation_link(assignment.client)
        if not (in_list and holds("can_edit", self.class_permission_name)):
            return holder
        return Markup(
            '{} <form method="post" action="{}" class="mssp-return" style="display: inline">'
            '<input type="hidden" name="csrf_token" value="{}"/>'
            '<input type="hidden" name="next" value="{}"/>'
            '<button type="submit" class="btn btn-xs btn-default" title="Mark {} returned today">'
            '<i class="fa fa-undo"></i> Return</button></form>'
        ).format(
            holder,
            url_for(f"{self.endpoint}.return_asset", pk=str(item.id)),
            generate_csrf(),
            request.full_path,
            item.asset_tag,
        )

    def export_value(self, item: Any, column: str) -> str:
        if column == "current_assignment":
            assignment = item.current_assignment
            return str(assignment.client) if assignment is not None else ""
        return super().export_value(item, column)

    @expose("/return/<pk>", methods=["POST"])
    @has_access
    def return_asset(self, pk):
        """Close the asset's open assignment today: it comes back in stock."""
        asset = self.datamodel.get(pk, self._base_filters)
        if asset is None:
            abort(404)
        session = self.datamodel.session
        assignment = current_assignment(asset, session)
        if assignment is None:
            flash(f"{asset.asset_tag} is not with a client.", "warning")
        else:
            holder = str(assignment.client)
            try:
                return_hardware(assignment, session=session)
            except REFUSALS as error:
                session.rollback()
                flash(refusal_for(error, session).message, "danger")
            else:
                flash(f"{asset.asset_tag} returned by {holder}: it is in stock.", "success")
        target = request.form.get("next", "")
        if not target.startswith("/") or target.startswith("//"):
            target = url_for(f"{self.endpoint}.list")
        return redirect(target)
