"""The security manager: FAB's, with the seed's User, login by email, and the login
security FAB lacks (lockout, equal-cost failures, hash upgrades, session and token
revocation, the password policy on every path that sets a password).

FAB's CLI (`flask fab create-admin`, `create-user`, `reset-password`), `flask mssp
init`, the user screens and the user REST API all end in `add_user` or
`reset_password` (or the view hooks that call the same services), so the rules
live once, in app.services.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time

import click
from flask import current_app, g, has_request_context, jsonify, make_response
from flask_appbuilder.const import AUTH_LDAP
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.utils import is_null_password

from app.errors import ValidationFailed
from app.extensions import db
from app.models.audit import AuditAction
from app.models.users import AuthProvider, MsspUser
from app.security.api import MsspUserApi
from app.security.api_tokens import authenticate_request as authenticate_token_request
from app.security.api_tokens import token_allows
from app.security.cached_access import CachedAccessMixin
from app.security.fab_apis import GroupApi, PermissionApi, PermissionViewMenuApi, RoleApi, ViewMenuApi
from app.security.oidc import SsoView, oidc_enabled
from app.security.rate_limits import apply_login_rate_limit
from app.security.sessions import (
    credentials_changed_since,
    end_session,
    revoke_current_session,
    session_end_reason,
    touch_session,
)
from app.security.views import (
    DirectoryLoginView,
    EmailLoginView,
    MsspLdapUserView,
    MsspUserView,
    ResetMyPasswordView,
    ResetPasswordView,
    UserInfoEditView,
)
from app.services.accounts import login_security, passwords
from app.services.audit.recording import record_user_event

log = logging.getLogger(__name__)

#: JWT claim holding the login time (epoch seconds, with fractions).
AUTH_AT_CLAIM = "mssp_auth_at"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MsspSecurityManager(CachedAccessMixin, SecurityManager):
    user_model = MsspUser
    userdbmodelview = MsspUserView
    userldapmodelview = MsspLdapUserView
    authdbview = EmailLoginView
    authldapview = DirectoryLoginView
    resetpasswordview = ResetPasswordView
    resetmypasswordview = ResetMyPasswordView
    userinfoeditview = UserInfoEditView
    user_api = MsspUserApi
    # FAB's own resources, with per-request schemas (thread safety).
    role_api = RoleApi
    permission_api = PermissionApi
    view_menu_api = ViewMenuApi
    permission_view_menu_api = PermissionViewMenuApi
    group_api = GroupApi

    # --- settings -------------------------------------------------------------

    @property
    def lockout_policy(self) -> login_security.LockoutPolicy:
        return login_security.LockoutPolicy.from_config(current_app.config)

    @property
    def password_hash_method(self) -> str:
        return current_app.config["FAB_PASSWORD_HASH_METHOD"]

    # --- extensions FAB creates ------------------------------------------------

    def create_login_manager(self, app):
        login_manager = super().create_login_manager(app)
        login_manager.session_protection = app.config.get("SESSION_PROTECTION", "strong")
        return login_manager

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(lambda _identity: {AUTH_AT_CLAIM: time.time()})
        # A refused token gets FAB's generic answer, not "Error loading the user <id>".
        jwt_manager.user_lookup_error_loader(
            lambda _header, _data: make_response(jsonify(message="Not authorized"), 401)
        )
        # A malformed or forged token is an authentication failure (401), not a 422.
        jwt_manager.invalid_token_loader(
            lambda reason: make_response(jsonify(message=f"Invalid token: {reason}"), 401)
        )
        return jwt_manager

    def register_views(self) -> None:
        # FAB_API_KEY_ENABLED makes `@protect()` accept our API tokens; it would also add FAB's
        # own key resource (/api/v1/security/api_keys/, a second, unscoped token system).
        config = current_app.config
        api_keys = config.get("FAB_API_KEY_ENABLED", False)
        config["FAB_API_KEY_ENABLED"] = False
        try:
            super().register_views()
        finally:
            config["FAB_API_KEY_ENABLED"] = api_keys
        if oidc_enabled():
            self.appbuilder.add_view_no_menu(SsoView)
        login_blueprints = [self.auth_view.blueprint] + [
            view.blueprint for view in self.appbuilder.baseviews if isinstance(view, self.security_api)
        ]
        apply_login_rate_limit(self.limiter, login_blueprints)

    # --- creating users and setting passwords ----------------------------------

    def add_user(
        self, username, first_name, last_name, email, role=None, password="", hashed_password="", **kwargs
    ):
        """Create a user; the username always mirrors the (lower-cased) email.

        A password given in clear must meet the policy (ValidationFailed, or a
        one-line error inside a CLI command). Without one, a random secret is
        stored: such accounts (LDAP) cannot log in with a password here. We hash
        (FAB would hash with werkzeug, which knows no Argon2).
        """
        email = (email or username or "").strip().lower()
        if password:
            self._check_password_policy(password, email)
        directory_account = not password and not hashed_password and self.auth_type == AUTH_LDAP
        if not hashed_password:
            secret = password or secrets.token_urlsafe(32)
            hashed_password = passwords.hash_password(secret, self.password_hash_method)
        user = super().add_user(
            email, first_name, last_name, email, role, hashed_password=hashed_password, **kwargs,
        )
        if user:
            if password:
                user.last_password_change_at = utcnow()
            if directory_account:
                user.auth_provider = AuthProvider.LDAP
            self.session.commit()
        return user

    def add_register_user(self, username, first_name, last_name, email, password="", hashed_password=""):
        """A self-registration request (AUTH_USER_REGISTRATION), its password hashed by us."""
        if not hashed_password:
            hashed_password = passwords.hash_password(password or secrets.token_urlsafe(32),
                                                      self.password_hash_method)
        return super().add_register_user(
            username, first_name, last_name, email, hashed_password=hashed_password
        )

    def reset_password(self, userid, password):
        """Set a new password (policy checked), stamp the change, record it, commit."""
        user = self.get_user_by_id(userid)
        if user is None:
            raise ValidationFailed(f"No user with id {userid}.")
        self._check_password_policy(password, user.email)
        passwords.set_password(user, password, method=self.password_hash_method)
        record_user_event(AuditAction.PASSWORD_CHANGED, user)
        self.session.commit()

    def _check_password_policy(self, password: str, email: str) -> None:
        try:
            passwords.check_password(password, email)
        except ValidationFailed as error:
            if click.get_current_context(silent=True) is not None:
                # FAB's commands would print a traceback; say it in one line instead.
                raise click.ClickException(error.message) from None
            raise

    # --- logging in --------------------------------------------------------------

    def find_user_by_login(self, login: str) -> MsspUser | None:
        return self.find_user(username=login) or self.find_user(email=login.strip().lower())

    def auth_user_db(self, username, password):
        """Authenticate by email and password, with lockout and equal-cost failures.

        Unknown, deactivated and locked accounts cost one hash check of the
        configured method, like a wrong password, and get the same answer (None).
        """
        if not username:
            return None
        method = self.password_hash_method
        if is_null_password(password):
            return None
        user = self.find_user_by_login(username)
        now = utcnow()
        policy = self.lockout_policy
        if user is None or not user.is_active:
            passwords.verify_dummy(password, method)
            login_security.register_refused_login(
                user, username, reason="unknown account" if user is None else "account deactivated"
            )
            self.session.commit()
            return None
        if login_security.lock_expired(user, policy, now):
            login_security.unlock(user, automatic=True)
        if login_security.lock_in_force(user, policy, now):
            passwords.verify_password(user.password, password, method)  # same cost, result unused
            login_security.register_refused_login(user, username, reason="account locked")
            self.session.commit()
            return None
        if not passwords.verify_password(user.password, password, method):
            self.update_user_auth_stat(user, False)
            return None
        if current_app.config.get("MSSP_SSO_ONLY") and not self._break_glass(user):
            login_security.register_refused_login(
                user, username, reason="password sign-in is for break-glass admins only (AUTH_TYPE=oidc)"
            )
            self.session.commit()
            return None
        if passwords.needs_rehash(user.password, method):
            user.password = passwords.hash_password(password, method)
            log.info("password hash of %s upgraded to %s", user.email, method)
        self.update_user_auth_stat(user, True)
        return user

    @staticmethod
    def _break_glass(user: MsspUser) -> bool:
        """A local account holding the Admin role: signs in with its password when SSO is down."""
        return user.auth_provider == AuthProvider.LOCAL and any(
            role.name == current_app.config["AUTH_ROLE_ADMIN"] for role in user.roles
        )

    def auth_user_ldap(self, username, password):
        """LDAP login (people type their email: set AUTH_LDAP_UID_FIELD=mail), with our lock."""
        user = self.find_user_by_login(username) if username else None
        if user is not None and login_security.lock_in_force(user, self.lockout_policy, utcnow()):
            login_security.register_refused_login(user, username, reason="account locked")
            self.session.commit()
            return None
        return super().auth_user_ldap(username, password)

    def update_user_auth_stat(self, user, success=True):
        """FAB's statistics plus ours: last login, failure counter, lock, audit events."""
        now = utcnow()
        if success:
            login_security.register_successful_login(user, now)
        else:
            login_security.register_failed_login(user, self.lockout_policy, now, reason="wrong password")
        super().update_user_auth_stat(user, success)  # commits

    # --- who is logged in ----------------------------------------------------------

    def load_user(self, pk):
        """Flask-Login's user loader: the session's user, if the session still stands."""
        user = self._enabled_user(pk)
        if user is None or not has_request_context():
            return user
        now = time.time()
        reason = session_end_reason(user, now)
        if reason:
            log.info("session of %s ended: %s", user.email, reason)
            end_session()
            return None
        touch_session(now)
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        """The JWT's user, unless deactivated, locked, or re-credentialed since it was issued."""
        user = self._enabled_user(jwt_data["sub"])
        if user is None:
            return None
        issued_at = jwt_data.get(AUTH_AT_CLAIM) or jwt_data.get("iat") or 0
        if credentials_changed_since(user, float(issued_at)):
            return None
        g.user = user
        return user

    def validate_api_key(self, api_key_string):
        """The owner of a usable personal API token (app.security.api_tokens), else None (401)."""
        return authenticate_token_request(api_key_string, self._token_owner_refusal)

    def _token_owner_refusal(self, user) -> str | None:
        """Why `user` may not act through a token now (None: they may)."""
        if user is None or not user.is_active:
            return "deactivated"
        if login_security.lock_in_force(user, self.lockout_policy, utcnow()):
            return "locked"
        return None

    def has_access(self, permission_name, view_name):
        """FAB's answer, narrowed by the scope of the API token the request came with."""
        if not token_allows(view_name):
            return False
        return super().has_access(permission_name, view_name)

    def _enabled_user(self, pk) -> MsspUser | None:
        try:
            user = self.get_user_by_id(int(pk))
        except (TypeError, ValueError):
            return None
        if user is None or not user.is_active:
            return None
        if login_security.lock_in_force(user, self.lockout_policy, utcnow()):
            return None
        return user

    # --- logging out -------------------------------------------------------------

    def on_user_logout(self, user) -> None:
        revoke_current_session(user)
        db.session.commit()
        end_session(notify=False)
