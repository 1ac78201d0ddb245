"""/api/v1/custom_field/ (Admin only).

DELETE says how many records hold a value and deletes only when confirmed:
without `?confirm=true` it answers 409 `{"message", "records_with_value"}`.
"""

from __future__ import annotations

from flask import request

from app.models.custom_fields import CustomFieldDefinition
from app.services.custom_fields.definitions import deletion_impact
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import MsspModelRestApi


class CustomFieldApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(CustomFieldDefinition)
    resource_name = "custom_field"
    json_any_columns = frozenset({"default_value", "select_options"})
    search_columns = ["entity_type", "name", "field_type", "is_active", "is_filterable"]

    def delete_headless(self, pk: str):
        definition = self.datamodel.get(pk, self._base_filters)
        if definition is None:
            return self.response_404()
        if request.args.get("confirm", "").lower() not in ("true", "1", "yes"):
            held = deletion_impact(self.datamodel.session, definition)
            return self.response(
                409,
                message=f"{held:,} record(s) hold a value for {definition.name!r}; deleting the field "
                "removes it from them. Repeat with ?confirm=true.",
                records_with_value=held,
            )
        return super().delete_headless(pk)
