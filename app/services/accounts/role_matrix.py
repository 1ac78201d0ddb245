"""Roles as a permission matrix: one row per business area, read/create/edit/delete columns.

Flask-AppBuilder stores a role as a set of (permission, resource) pairs - some eighty
strings such as "can this form post on UserInfoEditView". People think in business
areas: "Engineers may read and edit Hardware, not delete it". This module is the
translation, and the one writer of role permissions:

- `build_matrix` lays the pairs that exist out as rows (one per business area, grouped
  as the live menu is) and cells (read, create, edit, delete, and special actions such as
  "Unlock" or "Reset passwords"). A cell stands for every pair it covers: FAB's
  `can_list`/`can_show` and the REST API's `can_get`/`can_info` all mean "read".
- Two kinds of pairs are never shown: what every signed-in person needs for their own
  account (`SELF_SERVICE` of app.services.accounts.roles: user info, reset my password,
  their alerts and tokens), granted to every role automatically; and `menu_access`, which
  follows from read (a role sees a menu entry when it may read the screen behind it, and
  a category when it sees one of its entries).
- `write_role_permissions` is the one place a role's permissions are written: the matrix
  screen and `flask mssp init` (app.security.sync) both end there. It adds the automatic
  pairs, derives the menus, writes, and records what changed in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_appbuilder import AppBuilder

from app.extensions import db
from app.services.accounts.roles import SELF_SERVICE
from app.services.audit.context import audit_action

Pair = tuple[str, str]

MENU_ACCESS = "menu_access"
#: The audit action of a change to a role's permissions.
ROLE_PERMISSIONS_CHANGED = "role_permissions_changed"

#: The four standard columns and the FAB permission names each stands for.
STANDARD_ACTIONS: dict[str, frozenset[str]] = {
    "read": frozenset(
        {"can_read", "can_list", "can_show", "can_get", "can_info", "can_download", "can_chart",
         "can_list_role_permissions"}
    ),
    "create": frozenset({"can_create", "can_add", "can_post"}),
    "edit": frozenset(
        {"can_edit", "can_put", "can_add_role_permissions", "can_update_role_groups", "can_update_role_users"}
    ),
    "delete": frozenset({"can_delete"}),
}
ACTION_LABELS = {"read": "Read", "create": "Create", "edit": "Edit", "delete": "Delete"}

#: Special actions: (resource or None for any, permission) -> label. Pairs sharing a label in
#: one row make one checkbox (the Users screen's action and the password form it opens).
SPECIAL_ACTION_LABELS: dict[tuple[str | None, str], str] = {
    (None, "unlock"): "Unlock",
    (None, "resetpasswords"): "Reset passwords",
    ("ResetPasswordView", "can_this_form_get"): "Reset passwords",
    ("ResetPasswordView", "can_this_form_post"): "Reset passwords",
    (None, "copyrole"): "Copy",
    (None, "can_run"): "Run now",
    (None, "can_renew"): "Renew",
}

#: Resources without a menu entry of their own that belong to another area's row
#: (the REST API of FAB's security screens, their helper screens).
ATTACHED_RESOURCES: dict[str, str] = {
    "User": "MsspUserView",
    "ResetPasswordView": "MsspUserView",
    "UserStatsChartView": "MsspUserView",
    "Role": "RoleModelView",
    "Permission": "RoleModelView",
    "PermissionViewMenu": "RoleModelView",
    "ViewMenu": "RoleModelView",
    "PermissionModelView": "RoleModelView",
    "PermissionViewModelView": "RoleModelView",
    "ViewMenuModelView": "RoleModelView",
    "Group": "UserGroupModelView",
}

#: Labels of areas that have no menu entry (the rest are humanised from the resource name).
RESOURCE_LABELS: dict[str, str] = {
    "AlertSettings": "Alert settings",
    "UserGroupModelView": "Groups",
    "MenuApi": "Menu (REST API)",
    "OpenApi": "OpenAPI document",
    "SwaggerView": "API explorer (Swagger)",
    "ClientReport": "Client reports",
    "ReportSchedule": "Report schedules",
    "ClientReportDelivery": "Report e-mails",
    "ReportBatch": "Report batches",
    "RoleModelView": "Roles",
    "MsspUserView": "Users",
}
OTHER_GROUP = "Other"


@dataclass
class MatrixRow:
    """One business area: its label and, per column, the pairs that column stands for."""

    key: str
    label: str
    cells: dict[str, frozenset[Pair]] = field(default_factory=dict)
    #: special action label -> its pairs (in the order they were found).
    specials: dict[str, frozenset[Pair]] = field(default_factory=dict)

    def cell_pairs(self) -> dict[str, frozenset[Pair]]:
        """cell id ("HardwareAsset.delete", "MsspUserView.unlock") -> pairs."""
        found = {f"{self.key}.{action}": pairs for action, pairs in self.cells.items()}
        for label, pairs in self.specials.items():
            found[f"{self.key}.{slug(label)}"] = pairs
        return found


@dataclass
class MatrixGroup:
    label: str
    rows: list[MatrixRow]


@dataclass
class PermissionMatrix:
    groups: list[MatrixGroup]

    def cells(self) -> dict[str, frozenset[Pair]]:
        found: dict[str, frozenset[Pair]] = {}
        for group in self.groups:
            for row in group.rows:
                found.update(row.cell_pairs())
        return found

    def shown_pairs(self) -> frozenset[Pair]:
        return frozenset().union(*self.cells().values()) if self.cells() else frozenset()

    def checked(self, held: Iterable[Pair]) -> set[str]:
        """The cells a role holding `held` has ticked: every pair of the cell held."""
        held = set(held)
        return {cell for cell, pairs in self.cells().items() if pairs <= held}

    def labels(self) -> dict[str, str]:
        """cell id -> "Hardware: Delete" (what a person reads in a message)."""
        found: dict[str, str] = {}
        for group in self.groups:
            for row in group.rows:
                for action in row.cells:
                    found[f"{row.key}.{action}"] = f"{row.label}: {ACTION_LABELS[action]}"
                for label in row.specials:
                    found[f"{row.key}.{slug(label)}"] = f"{row.label}: {label}"
        return found

    def pairs_of(self, cell_ids: Iterable[str]) -> set[Pair]:
        """The pairs the ticked `cell_ids` stand for (unknown ids refused by the caller)."""
        cells = self.cells()
        return set().union(*(cells[cell] for cell in cell_ids)) if cell_ids else set()


@dataclass
class RoleChange:
    role: str
    granted: list[str]
    revoked: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.granted or self.revoked)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def humanise(resource: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", resource.replace("View", "").replace("Api", " API"))
    return words.strip().capitalize() if words.strip() else resource


def is_automatic(pair: Pair) -> bool:
    """Pairs no one ticks: self-service ones (every role) and menu entries (follow read)."""
    return pair[0] == MENU_ACCESS or pair in SELF_SERVICE


def _column_of(permission: str, resource: str) -> tuple[str, str | None]:
    """("read"|"create"|"edit"|"delete", None) or ("special", label)."""
    for action, names in STANDARD_ACTIONS.items():
        if permission in names:
            return action, None
    label = SPECIAL_ACTION_LABELS.get((resource, permission)) or SPECIAL_ACTION_LABELS.get((None, permission))
    return "special", label or humanise(permission.removeprefix("can_")).capitalize()


def menu_layout(appbuilder: AppBuilder) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group label, [(resource, area label)])] in menu order; top-level entries are groups of one."""
    layout: list[tuple[str, list[tuple[str, str]]]] = []
    for item in appbuilder.menu.get_list():
        if item.childs:
            entries = [
                (child.baseview.class_permission_name, str(child.label or child.name))
                for child in item.childs
                if child.name != "-" and child.baseview is not None
            ]
            if entries:
                layout.append((str(item.label or item.name), entries))
        elif item.baseview is not None:
            label = str(item.label or item.name)
            layout.append((label, [(item.baseview.class_permission_name, label)]))
    return layout


def build_matrix(appbuilder: AppBuilder, all_pairs: Iterable[Pair] | None = None) -> PermissionMatrix:
    """The matrix over every permission that exists, laid out as the live menu is."""
    pairs = set(all_pairs) if all_pairs is not None else set(existing_pairs(appbuilder))
    by_resource: dict[str, list[str]] = {}
    for permission, resource in sorted(pairs):
        if is_automatic((permission, resource)):
            continue
        by_resource.setdefault(ATTACHED_RESOURCES.get(resource, resource), []).append(
            f"{permission}\0{resource}"
        )

    rows_by_key: dict[str, MatrixRow] = {}

    def row_for(key: str, label: str) -> MatrixRow:
        row = MatrixRow(key=key, label=label)
        standard: dict[str, set[Pair]] = {}
        special: dict[str, set[Pair]] = {}
        for encoded in by_resource.get(key, []):
            permission, resource = encoded.split("\0")
            column, special_label = _column_of(permission, resource)
            if column == "special":
                special.setdefault(special_label, set()).add((permission, resource))
            else:
                standard.setdefault(column, set()).add((permission, resource))
        row.cells = {action: frozenset(standard[action]) for action in STANDARD_ACTIONS if action in standard}
        row.specials = {label: frozenset(found) for label, found in special.items()}
        return row

    groups: list[MatrixGroup] = []
    for group_label, entries in menu_layout(appbuilder):
        rows = []
        for resource, label in entries:
            if resource in rows_by_key or resource not in by_resource:
                continue
            rows_by_key[resource] = row = row_for(resource, RESOURCE_LABELS.get(resource, label))
            rows.append(row)
        if rows:
            groups.append(MatrixGroup(group_label, rows))
    others = [
        row_for(resource, RESOURCE_LABELS.get(resource) or humanise(resource))
        for resource in sorted(by_resource)
        if resource not in rows_by_key
    ]
    if others:
        groups.append(MatrixGroup(OTHER_GROUP, sorted(others, key=lambda row: row.label.lower())))
    return PermissionMatrix(groups)


# --- reading and writing roles --------------------------------------------------------------


def existing_pairs(appbuilder: AppBuilder) -> list[Pair]:
    sm = appbuilder.sm
    return [(pv.permission.name, pv.view_menu.name) for pv in db.session.query(sm.permissionview_model).all()]


def role_pairs(role: Any) -> set[Pair]:
    return {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}


def menu_entries(appbuilder: AppBuilder) -> tuple[dict[str, set[Pair]], dict[str, list[str]]]:
    """menu entry name -> the pairs that open its screen; category -> its entry names."""
    entries: dict[str, set[Pair]] = {}
    categories: dict[str, list[str]] = {}

    def opening(view: Any) -> set[Pair]:
        resource = view.class_permission_name
        permissions = set(view.base_permissions or [])
        if "can_read" in permissions:
            return {("can_read", resource)}
        if "can_list" in permissions:
            return {("can_list", resource)}
        return {(permission, resource) for permission in permissions}

    for item in appbuilder.menu.get_list():
        if item.childs:
            categories[item.name] = [child.name for child in item.childs if child.name != "-"]
            for child in item.childs:
                if child.baseview is not None:
                    entries[child.name] = opening(child.baseview)
        elif item.baseview is not None:
            entries[item.name] = opening(item.baseview)
    return entries, categories


def visible_menus(appbuilder: AppBuilder, held: set[Pair]) -> tuple[set[str], set[str]]:
    """(the menu names `held` opens, every menu name the live menu has)."""
    entries, categories = menu_entries(appbuilder)
    visible = {name for name, opening in entries.items() if opening and opening <= held}
    visible |= {name for name, children in categories.items() if visible.intersection(children)}
    return visible, set(entries) | set(categories)


def automatic_pairs(appbuilder: AppBuilder, role_name: str) -> set[Pair]:
    """What every role gets without asking: self-service (not the anonymous Public role)."""
    if role_name == appbuilder.sm.auth_role_public:
        return set()
    return set(SELF_SERVICE)


def complete_grants(appbuilder: AppBuilder, role: Any, business: set[Pair]) -> set[Pair]:
    """`business` plus the automatic pairs and the menus they open.

    `menu_access` on a name the live menu does not have (a stale entry) keeps its current
    state: nothing here can say whether it should be held.
    """
    held = set(business) | automatic_pairs(appbuilder, role.name)
    held = {pair for pair in held if pair[0] != MENU_ACCESS}
    visible, live = visible_menus(appbuilder, held)
    held |= {(MENU_ACCESS, name) for name in visible}
    held |= {pair for pair in role_pairs(role) if pair[0] == MENU_ACCESS and pair[1] not in live}
    return held


def write_role_permissions(appbuilder: AppBuilder, role: Any, business: Iterable[Pair]) -> RoleChange:
    """Make `role` hold exactly `business` (plus the automatic pairs and menus); audit; flush.

    Pairs that do not exist as permissions are ignored. The caller commits (the matrix
    screen once per save, `flask mssp init` once per run). The audit log gets one event
    for the role, action "role_permissions_changed", listing what was added and removed.
    """
    sm = appbuilder.sm
    wanted = complete_grants(appbuilder, role, set(business))
    every_pv = db.session.query(sm.permissionview_model).all()
    pvs = {(pv.permission.name, pv.view_menu.name): pv for pv in every_pv}
    target = {pvs[pair] for pair in wanted if pair in pvs}
    current = set(role.permissions)
    change = RoleChange(
        role=role.name,
        granted=sorted(f"{pv.permission.name} on {pv.view_menu.name}" for pv in target - current),
        revoked=sorted(f"{pv.permission.name} on {pv.view_menu.name}" for pv in current - target),
    )
    if change.changed:
        with audit_action(ROLE_PERMISSIONS_CHANGED):
            role.permissions = sorted(target, key=lambda pv: pv.id)
            db.session.flush()
    return change


class RoleNameError(ValueError):
    """A new role's name is missing, too long or taken."""


ROLE_NAME_MAX = 64


def create_role(appbuilder: AppBuilder, name: str, business: Iterable[Pair]) -> tuple[Any, RoleChange]:
    """A new role named `name` holding `business` (copying a role passes that role's pairs)."""
    name = (name or "").strip()
    if not name:
        raise RoleNameError("Name: a role needs a name.")
    if len(name) > ROLE_NAME_MAX:
        raise RoleNameError(f"Name: at most {ROLE_NAME_MAX} characters.")
    sm = appbuilder.sm
    if any(existing.name.lower() == name.lower() for existing in sm.get_all_roles()):
        raise RoleNameError(f"Name: a role named {name!r} already exists.")
    role = sm.role_model(name=name)
    db.session.add(role)
    db.session.flush()
    return role, write_role_permissions(appbuilder, role, business)
