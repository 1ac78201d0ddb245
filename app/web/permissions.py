"""The signed-in person's permissions, read once per request.

FAB asks the database once per menu entry and per button when it renders a page (about
forty queries on our navbar). Menus, buttons, tabs and links only need to know what
the person holds: every (permission, resource) pair of their roles, from the security
manager's permission cache (app.security.permission_cache), kept for the request.
Authorisation of the routes themselves goes through FAB's `has_access` in its
decorators, which the security manager answers from the same cache.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_login import current_user


def user_permissions() -> frozenset[tuple[str, str]]:
    """(permission, resource) pairs of the current person's roles (Public when signed out)."""
    cached = g.get("_mssp_permissions")
    if cached is not None:
        return cached
    sm = current_app.appbuilder.sm
    user = None
    if current_user.is_authenticated:
        user = sm._get_safe_user(g.user) if hasattr(g, "user") else None
        if user is None or not user.is_active:
            g._mssp_permissions = frozenset()
            return g._mssp_permissions
    g._mssp_permissions = sm.user_pairs(user)
    return g._mssp_permissions


def holds(permission: str, resource: str) -> bool:
    return (permission, resource) in user_permissions()


def install_template_filters(app: Flask) -> None:
    """Replace FAB's menu and button visibility filters with the cached lookups."""
    filters = app.jinja_env.filters

    def is_menu_visible(item) -> bool:
        # A category shows when one of its entries does: granting a menu entry by hand (Roles
        # screen) also shows its parent menu, which FAB would hide without a grant of its own.
        if holds("menu_access", item.name):
            return True
        return any(child.name != "-" and is_menu_visible(child) for child in item.childs or ())

    def is_item_visible(permission: str, item: str) -> bool:
        view = next((v for v in current_app.appbuilder.baseviews if v.__class__.__name__ == item), None)
        if view is None:
            return False
        if PERMISSION_PREFIX not in permission and getattr(view, "actions", {}).get(permission):
            permission_name = view.get_action_permission_name(permission)
        else:
            method = permission.split(PERMISSION_PREFIX)[1] if PERMISSION_PREFIX in permission else permission
            permission_name = PERMISSION_PREFIX + view.get_method_permission(method)
        if permission_name not in view.base_permissions:
            return False
        return holds(permission_name, view.class_permission_name)

    def get_actions_on_list(actions, modelview_name):
        return {k: a for k, a in actions.items() if a.multiple and is_item_visible(a.name, modelview_name)}

    def get_actions_on_show(actions, modelview_name):
        return {k: a for k, a in actions.items() if a.single and is_item_visible(a.name, modelview_name)}

    filters["is_menu_visible"] = is_menu_visible
    filters["is_item_visible"] = is_item_visible
    filters["get_actions_on_list"] = get_actions_on_list
    filters["get_actions_on_show"] = get_actions_on_show
