"""Security screens adapted to the seed's User: people are known by their email.

The login views send the browser on only to a path of this site, and answer every
refused login with the same message. The user screens apply our password policy,
and offer an "Unlock" action (with confirmation) that lifts a lockout.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.security import views as fab_views
from flask_appbuilder.security.decorators import has_access, no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.views import expose
from flask_login import login_user

from app.errors import ValidationFailed
from app.security.forms import confirm_password_field, password_field, profile_form, reset_password_form
from app.security.oidc import SSO_SESSION_KEY, end_session_url
from app.security.redirects import safe_next_path
from app.security.sessions import restamp_session
from app.services.accounts import login_security, passwords
from app.services.accounts.roles import ADMIN, MANAGER
from app.web.base import MsspListWidget
from app.web.custom_field_support import FabCustomFieldsMixin
from app.web.display import format_scalar
from app.web.quick_search import QuickSearchMixin

USER_COLUMNS_LABELS = {
    "active": "Active",
    "is_locked": "Locked",
    "locked_at": "Locked at",
    "failed_login_attempts": "Failed logins",
    "last_login_at": "Last login",
    "last_password_change_at": "Password changed",
    "auth_provider": "Auth provider",
    "created_at": "Created",
    "updated_at": "Updated",
    "time_zone": "Time zone",
}

#: The one answer to every refused login: unknown email, wrong password, locked or
#: deactivated account alike.
INVALID_LOGIN_MESSAGE = "Invalid email or password."


class SafeLoginMixin:
    """FAB's login flow with a safe `next` and one message for every refusal."""

    login_template = "security/login_db.html"
    invalid_login_message = INVALID_LOGIN_MESSAGE

    def authenticate(self, username: str, password: str) -> Any | None:
        raise NotImplementedError

    def _get_safe_next_url(self) -> str:
        return safe_next_path(request.args.get("next")) or self._start_page()

    def _start_page(self) -> str:
        """Where a sign-in without `next` leads: managers' dashboard, everyone else's start page."""
        roles = {role.name for role in getattr(g.user, "roles", None) or []}
        if roles & {ADMIN, MANAGER}:
            return url_for("DashboardView.overview")
        return self.appbuilder.get_url_for_index

    def login_response(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_path = safe_next_path(request.args.get("next"))
            user = self.authenticate(form.username.data, form.password.data)
            if not user:
                flash(self.invalid_login_message, "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_path))
            login_user(user, remember=False)
            g.user = user
            return redirect(next_path or self._start_page())
        return self.render_template(
            self.login_template, title=self.title, form=form, appbuilder=self.appbuilder
        )

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        """Sign out by POST only (the navbar's form carries the CSRF token, checked by
        CSRFProtect): a link, an <img> or a prefetch from another site cannot sign anyone out.
        GET shows a page asking to confirm."""
        if request.method == "POST":
            # Read before the session is cleared: a single sign-on session is offered the
            # provider's own sign-out too (app.security.oidc).
            provider_logout = end_session_url() if session.get(SSO_SESSION_KEY) else None
            response = super().logout()
            if provider_logout:
                return self.render_template(
                    "security/signed_out.html", title="Signed out", appbuilder=self.appbuilder,
                    end_session_url=provider_logout,
                )
            return response
        if g.user is None or not g.user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template(
            "security/logout.html", title="Sign out", appbuilder=self.appbuilder
        )


class EmailLoginView(SafeLoginMixin, fab_views.AuthDBView):
    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        return self.login_response()

    def authenticate(self, username: str, password: str) -> Any | None:
        return self.appbuilder.sm.auth_user_db(username, password)


class DirectoryLoginView(SafeLoginMixin, fab_views.AuthLDAPView):
    """The login page when AUTH_TYPE=ldap: the same form, checked against the directory."""

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        return self.login_response()

    def authenticate(self, username: str, password: str) -> Any | None:
        return self.appbuilder.sm.auth_user_ldap(username, password)


class UserScreenMixin(QuickSearchMixin, FabCustomFieldsMixin):
    """Columns of the Users screen: no username field (it mirrors the email), an Unlock action,
    and the custom fields defined for users (inputs on add/edit, sections on the show page,
    list columns and filters, CSV export)."""

    entity_label = "user"
    list_widget = MsspListWidget

    label_columns = {**fab_views.UserModelView.label_columns, **USER_COLUMNS_LABELS}
    list_columns = ["first_name", "last_name", "email", "active", "is_locked", "roles", "last_login_at"]
    search_columns = ["first_name", "last_name", "email", "active", "is_locked", "roles"]
    edit_columns = ["first_name", "last_name", "email", "active", "roles"]
    order_columns = ["first_name", "last_name", "email", "active", "is_locked", "last_login_at"]
    #: What the CSV export holds besides the custom list columns: never a password hash or
    #: any other secret.
    export_columns = [*list_columns, "auth_provider", "created_at"]
    base_order = ("email", "asc")
    #: Yes/No, role names without brackets, times to the minute in the viewer's zone.
    formatters_columns = {
        **{
            column: format_scalar
            for column in (
                "active",
                "is_locked",
                "last_login_at",
                "locked_at",
                "last_password_change_at",
                "created_at",
                "updated_at",
            )
        },
        "roles": lambda roles: ", ".join(sorted(role.name for role in roles or [])),
    }
    show_fieldsets = [
        ("Personal info", {"fields": ["first_name", "last_name", "email", "time_zone"], "expanded": True}),
        ("Access", {"fields": ["active", "is_locked", "locked_at", "auth_provider", "roles"]}),
        (
            "Activity",
            {
                "fields": [
                    "last_login_at",
                    "failed_login_attempts",
                    "last_password_change_at",
                    "created_at",
                    "updated_at",
                ],
                "expanded": False,
            },
        ),
    ]
    user_show_fieldsets = [
        ("Personal info", {"fields": ["first_name", "last_name", "email", "time_zone"], "expanded": True}),
        ("Access", {"fields": ["roles", "last_login_at"]}),
    ]

    @action(
        "unlock",
        "Unlock",
        "Unlock the selected accounts? Their failed-login counters are reset.",
        "fa-unlock",
        multiple=True,
        single=True,
    )
    def unlock(self, items):
        users = items if isinstance(items, list) else [items]
        count = login_security.unlock_accounts(users, actor=g.user)
        flash(f"{count} account(s) unlocked." if count else "No locked account was selected.", "info")
        return redirect(url_for(f"{self.__class__.__name__}.list"))

    def _show_with_actions(self, pk: Any, action_names: list[str]):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        if item.is_locked:
            action_names = [*action_names, "unlock"]
        actions = {name: self.actions[name] for name in action_names if name in self.actions}
        widgets = self._get_show_widget(pk, item, actions=actions)
        self.update_redirect()
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            appbuilder=self.appbuilder,
            related_views=self._related_views,
        )


class MsspUserView(UserScreenMixin, fab_views.UserDBModelView):
    """The Users screen for database accounts."""

    add_columns = ["first_name", "last_name", "email", "active", "roles", "password", "conf_password"]
    add_form_extra_fields = {
        "password": password_field(lambda form: form.email.data),
        "conf_password": confirm_password_field(),
    }

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._show_with_actions(pk, ["resetpasswords"])

    def pre_add(self, item) -> None:
        passwords.set_password(item, item.password, method=current_app.config["FAB_PASSWORD_HASH_METHOD"])


class MsspLdapUserView(UserScreenMixin, fab_views.UserLDAPModelView):
    """The Users screen when AUTH_TYPE=ldap (passwords live in the directory)."""

    # The same permissions as the database screen: the role table names MsspUserView.
    class_permission_name = "MsspUserView"
    add_columns = ["first_name", "last_name", "email", "active", "roles"]

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._show_with_actions(pk, [])


def _reset_target_email(_form) -> str | None:
    user = current_app.appbuilder.sm.get_user_by_id(request.args.get("pk", type=int))
    return user.email if user else None


def _own_email(_form) -> str | None:
    return getattr(g.user, "email", None)


# Same class names as FAB's: the role table grants permissions by these names.
class ResetPasswordView(fab_views.ResetPasswordView):
    """An admin sets another person's password (the policy applies to that person's email)."""

    form = reset_password_form(_reset_target_email)

    def form_post(self, form) -> None:
        pk = request.args.get("pk", type=int)
        try:
            self.appbuilder.sm.reset_password(pk, form.password.data)
        except ValidationFailed as error:
            flash(error.message, "danger")
            return
        if pk == getattr(g.user, "id", None):
            restamp_session()
        flash(str(self.message), "info")


class ResetMyPasswordView(fab_views.ResetMyPasswordView):
    """Anyone changes their own password; this session stays, the others end."""

    form = reset_password_form(_own_email)

    def form_post(self, form) -> None:
        self.appbuilder.sm.reset_password(g.user.id, form.password.data)
        restamp_session()
        flash(str(self.message), "info")


class UserInfoEditView(fab_views.UserInfoEditView):
    """Anyone edits their own name and time zone (Profile > Edit user)."""

    form = profile_form()
