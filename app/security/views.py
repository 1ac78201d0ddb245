"""Security screens adapted to the seed's User: people are known by their email."""

from __future__ import annotations

from flask_appbuilder.security.views import AuthDBView, UserDBModelView

USER_COLUMNS_LABELS = {
    "active": "Active",
    "is_locked": "Locked",
    "failed_login_attempts": "Failed logins",
    "last_login_at": "Last login",
    "last_password_change_at": "Password changed",
    "auth_provider": "Auth provider",
    "created_at": "Created",
    "updated_at": "Updated",
}


class EmailLoginView(AuthDBView):
    login_template = "security/login_db.html"
    invalid_login_message = "Invalid email or password."


class MsspUserView(UserDBModelView):
    """The Users screen: no username field (it mirrors the email)."""

    label_columns = {**UserDBModelView.label_columns, **USER_COLUMNS_LABELS}
    list_columns = ["first_name", "last_name", "email", "active", "is_locked", "roles", "last_login_at"]
    search_columns = ["first_name", "last_name", "email", "active", "is_locked", "roles"]
    add_columns = ["first_name", "last_name", "email", "active", "roles", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "email", "active", "roles"]
    order_columns = ["first_name", "last_name", "email", "active", "is_locked", "last_login_at"]
    base_order = ("email", "asc")
    show_fieldsets = [
        ("Personal info", {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        ("Access", {"fields": ["active", "is_locked", "auth_provider", "roles"]}),
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
        ("Personal info", {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        ("Access", {"fields": ["roles", "last_login_at"]}),
    ]
