"""Admin: custom field definitions (values live in each entity's custom_field_data).

Only Admin holds the `CustomFieldDefinition` permissions (unknown resources are admin-only
in `app.services.accounts.roles`). The definition's own rules, renames, deletions and the
"required"/option checks run in the custom fields service's flush hook; this screen adds
the delete confirmation that says how many records hold a value.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access

from app.models.custom_fields import CustomFieldDefinition
from app.services.custom_fields.definitions import deletion_impact
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import AUDIT_FIELDSET


class CustomFieldView(MsspModelView):
    datamodel = MsspSQLAInterface(CustomFieldDefinition)
    entity_label = "custom field"
    list_title = "Custom Fields"
    show_title = "Custom field"
    add_title = "Add custom field"
    edit_title = "Edit custom field"
    json_kinds = {"default_value": "any", "select_options": "array"}
    add_template = "mssp/custom_fields/form_add.html"
    edit_template = "mssp/custom_fields/form_edit.html"
    list_columns = [
        "entity_type",
        "name",
        "label",
        "field_type",
        "required",
        "group_name",
        "display_order",
        "is_active",
        "show_in_list",
        "is_filterable",
    ]
    search_columns = ["entity_type", "name", "label", "field_type", "is_active"]
    base_order = ("entity_type", "asc")
    add_columns = [
        "entity_type",
        "name",
        "label",
        "field_type",
        "required",
        "default_value",
        "help_text",
        "validation_regex",
        "min_value",
        "max_value",
        "select_options",
        "group_name",
        "display_order",
        "is_active",
        "show_in_list",
        "is_filterable",
    ]
    edit_columns = add_columns
    show_fieldsets = [("Definition", {"fields": add_columns}), AUDIT_FIELDSET]
    description_columns = {
        "name": "The key in each record's data and in filter URLs (cf_<name>): a-z, 0-9 and _, "
        "starting with a letter. Renaming rewrites every stored value.",
        "default_value": "Filled in where a record has no value; needed to make a field required while "
        "records lack it.",
        "validation_regex": "Text, long text, URL and email fields: the whole value must match.",
        "min_value": "Integer and decimal fields only.",
        "max_value": "Integer and decimal fields only.",
        "select_options": "The choices, in the order people see them. A choice records use cannot be "
        "removed.",
        "show_in_list": "Adds a column to the entity's list and CSV export.",
        "is_filterable": "Lists and the REST API filter on it: ?cf_<name>=value (__ic, __gte, __lte, "
        "__has, __empty).",
    }

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        """A field that records hold values of is deleted only after a page says how many lose it."""
        definition = self.datamodel.get(pk, self._base_filters)
        if definition is None:
            abort(404)
        held = deletion_impact(self.datamodel.session, definition)
        # With no value to lose, the list's own "Delete?" prompt is confirmation enough.
        if request.method == "POST" and (held == 0 or request.form.get("confirmed") is not None):
            return super().delete(pk)
        return self.render_template(
            "mssp/custom_fields/delete.html",
            title=f"Delete custom field {definition.label}?",
            definition=definition,
            held=held,
            held_label=f"{held:,} record{'' if held == 1 else 's'}",
            action_url=url_for(f"{self.endpoint}.delete", pk=pk),
            cancel_url=url_for(f"{self.endpoint}.show", pk=pk),
        )

    def post_delete_redirect(self):
        return redirect(url_for(f"{self.endpoint}.list"))
