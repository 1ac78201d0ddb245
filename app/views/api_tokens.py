"""API token screens (issue 23).

- "My API tokens" (`/apitokens/`, everyone: resource "ApiToken" in SELF_SERVICE), linked
  from the profile menu: create a token (name, expiry at most a year ahead, read-only or
  read-write, optionally some resources), see its secret once, list and revoke one's own.
- "API Tokens" (`/apitokenadmin/`, Security menu, Admin only: "ApiTokenAdmin" is not a
  domain resource): everyone's tokens, with owner, state, last use and address; revoke.

The rules are app.services.accounts.api_tokens; the REST twin is app.api.api_tokens.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.security.api_tokens import token_resource_names
from app.services.accounts import api_tokens

DEFAULT_LIFETIME_DAYS = 90


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _expiry_from_form(value: str | None) -> dt.datetime:
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationFailed("Expires on: give a date (YYYY-MM-DD).", field="expires_on") from None
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=dt.UTC)


class TokenScreenMixin:
    list_template = "mssp/api_tokens/list.html"
    #: None: everyone's tokens; otherwise the signed-in person's.
    everyone = False

    def _render(self, secret: str | None = None, created: Any = None, status: int = 200):
        owner = None if self.everyone else g.user
        today = dt.date.today()
        page = self.render_template(
            self.list_template,
            title=self.list_title,
            tokens=api_tokens.tokens_of(owner),
            state=api_tokens.token_state,
            everyone=self.everyone,
            secret=secret,
            created=created,
            resources=token_resource_names(self.appbuilder),
            default_expiry=(today + dt.timedelta(days=DEFAULT_LIFETIME_DAYS)).isoformat(),
            max_expiry=(today + dt.timedelta(days=364)).isoformat(),
            revoke_endpoint=f"{type(self).__name__}.revoke",
        )
        return page, status

    def _revoke(self, token_id: str):
        try:
            token = api_tokens.find_token(_uuid(token_id), None if self.everyone else g.user)
        except NotFound as missing:
            flash(missing.message, "danger")
            return redirect(url_for(f"{type(self).__name__}.list"))
        if api_tokens.revoke_token(token, actor=g.user):
            db.session.commit()
            flash(f"Token “{token.name}” revoked; it stops working now.", "info")
        return redirect(url_for(f"{type(self).__name__}.list"))


class MyApiTokensView(TokenScreenMixin, BaseView):
    route_base = "/apitokens"
    class_permission_name = "ApiToken"
    method_permission_name = {"list": "read", "create": "create", "revoke": "delete"}
    base_permissions = ["can_read", "can_create", "can_delete"]
    default_view = "list"
    list_title = "My API tokens"

    @expose("/")
    @has_access
    def list(self):
        return self._render()

    @expose("/create", methods=["POST"])
    @has_access
    def create(self):
        form = request.form
        try:
            issued = api_tokens.create_token(
                g.user,
                name=form.get("name"),
                expires_at=_expiry_from_form(form.get("expires_on")),
                read_only=form.get("access", "read") != "write",
                resources=form.getlist("resources") or None,
                known_resources=token_resource_names(self.appbuilder),
            )
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.message, "danger")
            return self._render(status=422)
        db.session.commit()
        # The secret is in this response only: never stored, never shown again.
        return self._render(secret=issued.secret, created=issued.token, status=201)

    @expose("/revoke/<token_id>", methods=["POST"])
    @has_access
    def revoke(self, token_id: str):
        return self._revoke(token_id)


class ApiTokenAdminView(TokenScreenMixin, BaseView):
    route_base = "/apitokenadmin"
    class_permission_name = "ApiTokenAdmin"
    method_permission_name = {"list": "read", "revoke": "delete"}
    base_permissions = ["can_read", "can_delete"]
    default_view = "list"
    list_title = "API tokens of everyone"
    everyone = True

    @expose("/")
    @has_access
    def list(self):
        return self._render()

    @expose("/revoke/<token_id>", methods=["POST"])
    @has_access
    def revoke(self, token_id: str):
        return self._revoke(token_id)


def register_api_token_views(appbuilder: Any) -> None:
    appbuilder.add_view_no_menu(MyApiTokensView())
    appbuilder.add_view(
        ApiTokenAdminView(), "API Tokens", category="Security", icon="fa-key"
    )
