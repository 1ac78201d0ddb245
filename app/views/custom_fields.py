"""Admin: custom field definitions (values live in each entity's custom_field_data)."""

from __future__ import annotations

from app.models.custom_fields import CustomFieldDefinition
from app.views.base import MsspModelView
from app.views.datamodel import MsspSQLAInterface
from app.views.labels import AUDIT_FIELDSET


class CustomFieldView(MsspModelView):
    datamodel = MsspSQLAInterface(CustomFieldDefinition)
    entity_label = "custom field"
    list_title = "Custom Fields"
    show_title = "Custom field"
    add_title = "Add custom field"
    edit_title = "Edit custom field"
    json_kinds = {"default_value": "any", "select_options": "array"}
    list_columns = ["entity_type", "name", "label", "field_type", "required", "is_active", "display_order"]
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
