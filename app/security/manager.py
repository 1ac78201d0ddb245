"""The security manager: FAB's, with the seed's User and login by email."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.security.sqla.manager import SecurityManager

from app.security.models import MsspUser
from app.security.views import EmailLoginView, MsspUserView


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MsspSecurityManager(SecurityManager):
    user_model = MsspUser
    userdbmodelview = MsspUserView
    authdbview = EmailLoginView

    def add_user(
        self, username, first_name, last_name, email, role=None, password="", hashed_password="", **kwargs
    ):
        """Create a user; the username always mirrors the (lower-cased) email."""
        email = (email or username or "").strip().lower()
        user = super().add_user(
            email, first_name, last_name, email, role,
            password=password, hashed_password=hashed_password, **kwargs,
        )
        if user and password:
            user.last_password_change_at = utcnow()
            self.session.commit()
        return user

    def reset_password(self, userid, password):
        super().reset_password(userid, password)
        user = self.get_user_by_id(userid)
        user.last_password_change_at = utcnow()
        self.update_user(user)

    def update_user_auth_stat(self, user, success=True):
        if success:
            user.last_login_at = utcnow()
            user.failed_login_attempts = 0
        else:
            user.failed_login_attempts = (user.failed_login_attempts or 0) + 1
        super().update_user_auth_stat(user, success)
