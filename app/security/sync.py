"""Apply the declared roles (app.security.roles) to the database, idempotently."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask_appbuilder import AppBuilder

from app.extensions import db
from app.security.roles import ROLE_NAMES, granted

log = logging.getLogger(__name__)


@dataclass
class RoleSyncReport:
    created_roles: list[str] = field(default_factory=list)
    granted: dict[str, int] = field(default_factory=dict)
    revoked: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created_roles or any(self.granted.values()) or any(self.revoked.values()))


def sync_roles(appbuilder: AppBuilder) -> RoleSyncReport:
    """Create every view's permissions, then make each role hold exactly its grants."""
    sm = appbuilder.sm
    report = RoleSyncReport()
    # Roles first: FAB grants every new permission to Admin as it creates it.
    for role_name in (*ROLE_NAMES, sm.auth_role_public):
        if sm.find_role(role_name) is None:
            sm.add_role(role_name)
            report.created_roles.append(role_name)
    appbuilder.add_permissions(update_perms=True)
    all_pvs = db.session.query(sm.permissionview_model).all()
    for role_name in ROLE_NAMES:
        role = sm.find_role(role_name)
        wanted = {pv for pv in all_pvs if granted(role_name, pv.permission.name, pv.view_menu.name)}
        current = set(role.permissions)
        report.granted[role_name] = len(wanted - current)
        report.revoked[role_name] = len(current - wanted)
        if wanted != current:
            role.permissions = sorted(wanted, key=lambda pv: pv.id)
    db.session.commit()
    return report
