"""/api/v1/custom_field/ (Admin only)."""

from __future__ import annotations

from app.api.base import MsspModelRestApi
from app.models.custom_fields import CustomFieldDefinition
from app.views.datamodel import MsspSQLAInterface


class CustomFieldApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(CustomFieldDefinition)
    resource_name = "custom_field"
    json_any_columns = frozenset({"default_value", "select_options"})
    search_columns = ["entity_type", "name", "field_type", "is_active"]
