"""Flask-AppBuilder's security REST resources with per-request schemas.

FAB shares one marshmallow schema object per resource between every thread of a worker,
and its PUT loads into `schema.instance`: two parallel edits can write into each other's
record. These subclasses keep FAB's behaviour, names and permissions (the class names and
`class_permission_name` are unchanged), with `PerRequestSchemasMixin` in front.
"""

from __future__ import annotations

from flask_appbuilder.security.sqla.apis import group, permission, permission_view_menu, role, view_menu

from app.web.rest_schemas import PerRequestSchemasMixin


class RoleApi(PerRequestSchemasMixin, role.RoleApi):
    pass


class PermissionApi(PerRequestSchemasMixin, permission.PermissionApi):
    pass


class ViewMenuApi(PerRequestSchemasMixin, view_menu.ViewMenuApi):
    pass


class PermissionViewMenuApi(PerRequestSchemasMixin, permission_view_menu.PermissionViewMenuApi):
    pass


class GroupApi(PerRequestSchemasMixin, group.GroupApi):
    pass
