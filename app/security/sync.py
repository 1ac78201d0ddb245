"""Apply the declared roles (app.services.accounts.roles) to the database.

`sync_roles(appbuilder)` (what `flask mssp init` runs) creates the permissions of every
registered view, then adds to each built-in role the declared grants it is missing
*among the permissions that did not exist before this run* (new screens, new actions,
new menu entries) and those of a role it has just created. It never takes a permission
away and never gives back one an admin removed in the Roles screen: an admin's change
survives every `init`. `sync_roles(appbuilder, reset=True)` (`init --reset-roles`) makes
each built-in role hold exactly the declared table again.

Menu entries follow the screens: a role gets `menu_access` on a menu entry when it may
read the view behind it, and on a category when it gets one of its entries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask_appbuilder import AppBuilder

from app.extensions import db
from app.services.accounts.roles import ADMIN, ROLE_NAMES, granted

log = logging.getLogger(__name__)

MENU_ACCESS = "menu_access"


@dataclass
class RoleSyncReport:
    created_roles: list[str] = field(default_factory=list)
    granted: dict[str, int] = field(default_factory=dict)
    revoked: dict[str, int] = field(default_factory=dict)
    #: role -> permissions it holds beyond the declared table ("can_edit on Client"): granted
    #: by hand in the Roles screen, kept (`reset=True` takes them back).
    beyond_table: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created_roles or any(self.granted.values()) or any(self.revoked.values()))


def menu_resources(appbuilder: AppBuilder) -> tuple[dict[str, set[tuple[str, str]]], dict[str, list[str]]]:
    """menu entry name -> the permissions that open its view; category -> its entry names."""
    entries: dict[str, set[tuple[str, str]]] = {}
    categories: dict[str, list[str]] = {}

    def opening_permissions(view: Any) -> set[tuple[str, str]]:
        resource = view.class_permission_name
        permissions = set(view.base_permissions or [])
        if "can_read" in permissions:
            return {("can_read", resource)}
        return {(permission, resource) for permission in permissions}

    for item in appbuilder.menu.get_list():
        if item.childs:
            names = [child.name for child in item.childs if child.name != "-"]
            categories[item.name] = names
            for child in item.childs:
                if child.baseview is not None:
                    entries[child.name] = opening_permissions(child.baseview)
        elif item.baseview is not None:
            entries[item.name] = opening_permissions(item.baseview)
    return entries, categories


def declared_permissions(role_name: str, all_pvs: list[Any], appbuilder: AppBuilder) -> set[Any]:
    """The permission-views the declared table gives `role_name`, menus derived from views."""
    if role_name == ADMIN:
        return set(all_pvs)
    entries, categories = menu_resources(appbuilder)
    wanted = {
        pv
        for pv in all_pvs
        if pv.permission.name != MENU_ACCESS and granted(role_name, pv.permission.name, pv.view_menu.name)
    }
    held = {(pv.permission.name, pv.view_menu.name) for pv in wanted}
    visible = {name for name, opening in entries.items() if opening and opening <= held}
    visible |= {name for name, children in categories.items() if visible.intersection(children)}
    for pv in all_pvs:
        if pv.permission.name != MENU_ACCESS:
            continue
        name = pv.view_menu.name
        if name in entries or name in categories:
            if name in visible:
                wanted.add(pv)
        elif granted(role_name, MENU_ACCESS, name):
            wanted.add(pv)
    return wanted


def sync_roles(appbuilder: AppBuilder, reset: bool = False) -> RoleSyncReport:
    """Create every view's permissions and bring the built-in roles up to the declared table."""
    sm = appbuilder.sm
    report = RoleSyncReport()
    # Roles first: FAB grants every new permission to Admin as it creates it.
    for role_name in (*ROLE_NAMES, sm.auth_role_public):
        if sm.find_role(role_name) is None:
            sm.add_role(role_name)
            report.created_roles.append(role_name)
    existing = {pv.id for pv in db.session.query(sm.permissionview_model).all()}
    appbuilder.add_permissions(update_perms=True)
    all_pvs = db.session.query(sm.permissionview_model).all()
    new_pvs = {pv for pv in all_pvs if pv.id not in existing}
    for role_name in ROLE_NAMES:
        role = sm.find_role(role_name)
        wanted = declared_permissions(role_name, all_pvs, appbuilder)
        current = set(role.permissions)
        # A reset or a new role gets the table; otherwise only what is new is added.
        fresh = reset or role_name in report.created_roles
        target = wanted if fresh else current | (wanted & new_pvs)
        report.granted[role_name] = len(target - current)
        report.revoked[role_name] = len(current - target)
        extra = target - wanted
        if extra:
            report.beyond_table[role_name] = sorted(
                f"{pv.permission.name} on {pv.view_menu.name}" for pv in extra
            )
        if target != current:
            role.permissions = sorted(target, key=lambda pv: pv.id)
    db.session.commit()
    return report
