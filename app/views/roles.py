"""The Roles screen: each role as a permission matrix (app.services.accounts.role_matrix).

One row per business area, grouped as the menu is, with Read / Create / Edit / Delete and
the special actions where they exist. Saving, and creating a role by copying another, go
through `write_role_permissions`, the same writer `flask mssp init` uses. FAB's raw role
screens stay reachable for admins as "Advanced" (they need FAB's own role permissions,
which only Admin holds).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access

from app.extensions import db
from app.services.accounts.role_matrix import (
    ACTION_LABELS,
    STANDARD_ACTIONS,
    PermissionMatrix,
    RoleNameError,
    build_matrix,
    create_role,
    role_pairs,
    slug,
    write_role_permissions,
)

#: The permissions of this screen are those of FAB's role screen ("RoleModelView"): whoever
#: may edit roles there may edit them here, and nobody else.
ROLE_RESOURCE = "RoleModelView"


class RoleMatrixView(BaseView):
    route_base = "/role-permissions"
    class_permission_name = ROLE_RESOURCE
    method_permission_name = {
        "index": "list",
        "edit": "edit",
        "save": "edit",
        "copy": "add",
        "create": "add",
    }
    #: All of FAB's role-screen permissions: sharing its resource, a narrower list would make
    #: FAB's permission update try to delete the rest.
    base_permissions = [
        "can_list", "can_show", "can_add", "can_edit", "can_delete", "can_download", "copyrole",
    ]
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        sm = self.appbuilder.sm
        matrix = build_matrix(self.appbuilder)
        roles = []
        for role in sorted(sm.get_all_roles(), key=lambda r: r.name.lower()):
            checked = matrix.checked(role_pairs(role))
            members = db.session.query(sm.user_model).filter(sm.user_model.roles.contains(role)).count()
            roles.append({"role": role, "members": members, "areas": _area_count(matrix, checked)})
        return self.render_template(
            "mssp/roles/list.html", title="Roles", roles=roles, admin_role=self._admin_role_name(),
            public_role=sm.auth_role_public,
        )

    @expose("/<int:role_id>/")
    @has_access
    def edit(self, role_id: int):
        role = self._role_or_404(role_id)
        matrix = build_matrix(self.appbuilder)
        return self._render_matrix(matrix, role=role, checked=matrix.checked(role_pairs(role)))

    @expose("/<int:role_id>/", methods=["POST"])
    @has_access
    def save(self, role_id: int):
        role = self._role_or_404(role_id)
        if role.name == self._admin_role_name():
            flash("Admin holds every permission; it cannot be narrowed here.", "warning")
            return redirect(url_for(".edit", role_id=role.id))
        matrix = build_matrix(self.appbuilder)
        ticked, error = _ticked_cells(matrix)
        if error:
            return self._render_matrix(matrix, role=role, checked=ticked, error=error, status=400)
        shown = matrix.shown_pairs()
        # Pairs the matrix does not show (automatic ones are re-derived by the writer) stay.
        before = matrix.checked(role_pairs(role))
        kept = {pair for pair in role_pairs(role) if pair not in shown}
        change = write_role_permissions(self.appbuilder, role, kept | matrix.pairs_of(ticked))
        db.session.commit()
        if change.changed:
            flash(f"Role {role.name} saved: {_summary(matrix, before, ticked)}.", "success")
        else:
            flash(f"Role {role.name}: nothing changed.", "info")
        return redirect(url_for(".edit", role_id=role.id))

    @expose("/new")
    @has_access
    def copy(self):
        source_id = request.args.get("from", type=int)
        source = self._role_or_404(source_id) if request.args.get("from") else None
        matrix = build_matrix(self.appbuilder)
        checked = matrix.checked(role_pairs(source)) if source is not None else set()
        name = f"Copy of {source.name}" if source is not None else ""
        return self._render_matrix(matrix, role=None, checked=checked, source=source, name=name)

    @expose("/new", methods=["POST"])
    @has_access
    def create(self):
        matrix = build_matrix(self.appbuilder)
        source_id = request.form.get("source", type=int)
        source = db.session.get(self.appbuilder.sm.role_model, source_id) if source_id else None
        name = request.form.get("name", "")
        ticked, error = _ticked_cells(matrix)
        if not error:
            try:
                role, change = create_role(self.appbuilder, name, matrix.pairs_of(ticked))
            except RoleNameError as refused:
                error = str(refused)
            else:
                db.session.commit()
                flash(f"Role {role.name} created with {_area_count(matrix, ticked)} area(s).", "success")
                return redirect(url_for(".edit", role_id=role.id))
        return self._render_matrix(matrix, role=None, checked=ticked, source=source, name=name, error=error,
                                   status=400)

    # --- helpers ---------------------------------------------------------------------------

    def _admin_role_name(self) -> str:
        return current_app.config.get("AUTH_ROLE_ADMIN", "Admin")

    def _role_or_404(self, role_id: int) -> Any:
        role = db.session.get(self.appbuilder.sm.role_model, role_id)
        if role is None:
            abort(404)
        return role

    def _render_matrix(
        self, matrix: PermissionMatrix, *, role: Any | None, checked: set[str], source: Any | None = None,
        name: str = "", error: str | None = None, status: int = 200,
    ):
        read_only = role is not None and role.name == self._admin_role_name()
        body = self.render_template(
            "mssp/roles/matrix.html",
            title=f"Role {role.name}" if role is not None else "New role",
            matrix=matrix,
            role=role,
            checked=checked,
            source=source,
            name=name,
            error=error,
            read_only=read_only,
            actions=list(STANDARD_ACTIONS),
            action_labels=ACTION_LABELS,
            slug=slug,
            has_specials=any(row.specials for group in matrix.groups for row in group.rows),
        )
        return body, status


def _ticked_cells(matrix: PermissionMatrix) -> tuple[set[str], str | None]:
    """The ticked cells of the posted form; an unknown cell refuses the whole save."""
    ticked = set(request.form.getlist("cell"))
    unknown = sorted(ticked - set(matrix.cells()))
    if unknown:
        return ticked & set(matrix.cells()), f"Permissions: unknown cell(s) {', '.join(unknown[:5])}."
    return ticked, None


def _area_count(matrix: PermissionMatrix, checked: set[str]) -> int:
    return len({cell.split(".", 1)[0] for cell in checked})


def _summary(matrix: PermissionMatrix, before: set[str], after: set[str]) -> str:
    labels = matrix.labels()
    parts = []
    if after - before:
        parts.append("added " + ", ".join(sorted(labels[cell] for cell in after - before)))
    if before - after:
        parts.append("removed " + ", ".join(sorted(labels[cell] for cell in before - after)))
    return "; ".join(parts) or "menus and account permissions brought in line"


def register_role_views(appbuilder: AppBuilder, category: str) -> None:
    appbuilder.add_view(RoleMatrixView, "Role Permissions", icon="fa-user-shield", category=category)
