"""Row-level restrictions: which rows of a resource the current person may see.

The role table (app.services.accounts.roles.ROW_FILTERED) says which roles see only the rows
of the clients they are assigned to (ClientTeamAssignment). A person sees every row
when any other role of theirs may read the resource without that restriction. The
same filter serves the screens, the CSV export, the client hub tabs and the API.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import false, select

from app.models.team import ClientTeamAssignment
from app.services.accounts.roles import ADMIN, ROW_FILTERED


def current_user() -> Any | None:
    """The signed-in user of this request (session or JWT), or None."""
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    if user is None or getattr(user, "is_anonymous", True) or not getattr(user, "is_authenticated", False):
        return None
    return user


def restricted_to_assigned_clients(resource: str) -> bool:
    """Whether the current person sees only their assigned clients' rows of `resource`."""
    cache: dict[str, bool] = g.setdefault("_mssp_row_filters", {})
    if resource in cache:
        return cache[resource]
    cache[resource] = _decide(resource)
    return cache[resource]


def _decide(resource: str) -> bool:
    return restricted_by(ROW_FILTERED, resource, "can_read")


def restricted_by(table: dict[str, frozenset[str]], resource: str, permission: str) -> bool:
    """Whether `table` (role -> resources) limits the current person to their assigned
    clients' rows of `resource`: yes unless Admin, or another role of theirs holds
    `permission` on it without the limit."""
    user = current_user()
    if user is None:
        return True
    sm = current_app.appbuilder.sm
    roles = sm.permission_cache.user_roles(user.id)
    names = {role.name for role in roles}
    if ADMIN in names:
        return False
    restricted = {name for name in names if resource in table.get(name, ())}
    if not restricted:
        return False
    others = [role.id for role in roles if role.name not in restricted]
    if not others:
        return True
    return not sm.exist_permission_on_roles(resource, permission, others)


def assigned_client_ids(user_id: int):
    """A subquery of the ids of the clients `user_id` is assigned to."""
    return select(ClientTeamAssignment.client_id).where(ClientTeamAssignment.user_id == user_id)


class FilterAssignedClients(BaseFilter):
    """Base filter: `[client_column, FilterAssignedClients, "<resource name>"]`."""

    name = "Assigned clients"
    arg_name = "assigned_clients"

    def apply(self, query, value):
        if not restricted_to_assigned_clients(value):
            return query
        user = current_user()
        if user is None:
            return query.filter(false())
        column = getattr(self.model, self.column_name)
        return query.filter(column.in_(assigned_client_ids(user.id)))
