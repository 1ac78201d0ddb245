"""Flask-AppBuilder's security REST resources, made safe like ours.

- Per-request schemas: FAB shares one marshmallow schema object per resource between every
  thread of a worker, and its PUT loads into `schema.instance`: two parallel edits can write
  into each other's record (`PerRequestSchemasMixin`, in front).
- Bad payloads and list arguments are 4xx, never 500 (`CheckedWritesMixin`): page numbers
  are bounded (`PageBoundsMixin`); the write schemas get our column
  checks and typed foreign keys (`tighten_write_schema`: `{}` for a permission id is a 422),
  and a write the database refuses (a missing permission or resource, a duplicate name)
  answers 422 naming the field instead of FAB's 500.

The class names and `class_permission_name` are FAB's, so permissions are unchanged.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.apis import group, permission, permission_view_menu, role, view_menu
from marshmallow import validate

from app.web.db_errors import REFUSALS, refusal_for
from app.web.rest import PageBoundsMixin, tighten_write_schema
from app.web.rest_schemas import PerRequestSchemasMixin


class CheckedWritesMixin(PageBoundsMixin):
    """Column checks on the write schemas; database refusals as 422 (see the module doc)."""

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        table = self.datamodel.obj.__table__
        for schema in (self.add_model_schema, self.edit_model_schema):
            if schema is not None:
                tighten_write_schema(schema, table)

    def _refused(self, call: Any, *args: Any):
        try:
            return call(*args)
        except REFUSALS as error:
            session = self.datamodel.session
            session.rollback()
            refusal = refusal_for(error, session)
            return self.response(refusal.status, message=refusal.message, field=refusal.column)

    def post_headless(self):
        return self._refused(super().post_headless)

    def put_headless(self, pk: Any):
        return self._refused(super().put_headless, pk)

    def delete_headless(self, pk: Any):
        return self._refused(super().delete_headless, pk)


class RoleApi(PerRequestSchemasMixin, CheckedWritesMixin, role.RoleApi):
    # FAB saves a role named "" (or "   "): a name must have a visible character.
    validators_columns = {"name": validate.Regexp(r"\S", error="A role needs a name.")}


class PermissionApi(PerRequestSchemasMixin, CheckedWritesMixin, permission.PermissionApi):
    pass


class ViewMenuApi(PerRequestSchemasMixin, CheckedWritesMixin, view_menu.ViewMenuApi):
    pass


class PermissionViewMenuApi(
    PerRequestSchemasMixin, CheckedWritesMixin, permission_view_menu.PermissionViewMenuApi
):
    pass


class GroupApi(PerRequestSchemasMixin, CheckedWritesMixin, group.GroupApi):
    pass
