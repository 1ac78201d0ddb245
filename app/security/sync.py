"""Apply the declared roles (app.services.accounts.roles) to the database.

`sync_roles(appbuilder)` (what `flask mssp init` runs) creates the permissions of every
registered view, then adds to each built-in role the declared grants it is missing
*among the permissions that did not exist before this run* (new screens, new actions,
new menu entries) and those of a role it has just created. It never takes a permission
away and never gives back one an admin removed in the Roles screen: an admin's change
survives every `init`. `sync_roles(appbuilder, reset=True)` (`init --reset-roles`) makes
each built-in role hold exactly the declared table again.

Menu entries follow the screens, and the self-service permissions go to every role:
both are added by the one writer of role permissions,
app.services.accounts.role_matrix.write_role_permissions, which the Roles screen uses too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask_appbuilder import AppBuilder

from app.extensions import db
from app.services.accounts.role_matrix import is_automatic, write_role_permissions
from app.services.accounts.roles import ADMIN, ROLE_NAMES, granted

log = logging.getLogger(__name__)


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


def declared_permissions(role_name: str, all_pvs: list[Any]) -> set[Any]:
    """The permission-views the declared table gives `role_name` (menus left to the writer)."""
    if role_name == ADMIN:
        return {pv for pv in all_pvs if not is_automatic((pv.permission.name, pv.view_menu.name))}
    return {
        pv
        for pv in all_pvs
        if not is_automatic((pv.permission.name, pv.view_menu.name))
        and granted(role_name, pv.permission.name, pv.view_menu.name)
    }


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
        wanted = declared_permissions(role_name, all_pvs)
        current = {pv for pv in role.permissions if not is_automatic((pv.permission.name, pv.view_menu.name))}
        # A reset or a new role gets the table; otherwise only what is new is added.
        fresh = reset or role_name in report.created_roles
        target = wanted if fresh else current | (wanted & new_pvs)
        extra = target - wanted
        if extra:
            report.beyond_table[role_name] = sorted(
                f"{pv.permission.name} on {pv.view_menu.name}" for pv in extra
            )
        # The one writer of role permissions (the Roles matrix screen uses it too).
        change = write_role_permissions(
            appbuilder, role, {(pv.permission.name, pv.view_menu.name) for pv in target}
        )
        report.granted[role_name] = len(change.granted)
        report.revoked[role_name] = len(change.revoked)
    db.session.commit()
    return report
