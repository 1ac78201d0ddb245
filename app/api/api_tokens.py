"""`/api/v1/api_token/`: a person's API tokens (issue 23).

- GET lists the caller's tokens (admins, who hold can_read on "ApiTokenAdmin": everyone's),
  never the secret.
- POST `{"name", "expires_at", "read_only", "resources"}` creates one and answers its
  secret once, as `token`; 422 naming the field on bad input.
- DELETE `/<id>` revokes (the caller's own; admins any).

A request authenticated by an API token cannot create tokens (403): a leaked token must not
be able to outlive its own expiry or revocation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import current_app, g, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import protect

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models.api_tokens import ApiToken
from app.security.api_tokens import current_token, token_resource_names
from app.services.accounts import api_tokens
from app.web.csrf import CookieCsrfMixin

#: The screen and resource whose can_read lets a person see and revoke everyone's tokens.
ADMIN_RESOURCE = "ApiTokenAdmin"
FIELDS = ("name", "expires_at", "read_only", "resources")


def token_json(token: ApiToken) -> dict[str, Any]:
    def iso(moment: dt.datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": str(token.id),
        "name": token.name,
        "token_prefix": token.token_prefix,
        "owner": token.user.email,
        "read_only": token.read_only,
        "resources": token.resources,
        "state": api_tokens.token_state(token),
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
        "last_used_at": iso(token.last_used_at),
        "last_used_ip": str(token.last_used_ip) if token.last_used_ip else None,
    }


def parse_expiry(value: Any) -> dt.datetime:
    """ISO 8601 date or date-time; a date means its midnight UTC."""
    if not isinstance(value, str):
        raise ValidationFailed("expires_at: an ISO 8601 date or date-time string.", field="expires_at")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"expires_at: {value[:40]!r} is not an ISO 8601 date or date-time.", field="expires_at"
        ) from None


class ApiTokenApi(CookieCsrfMixin, BaseApi):
    resource_name = "api_token"
    class_permission_name = "ApiToken"
    method_permission_name = {"get_list": "read", "post": "create", "delete": "delete"}
    openapi_spec_tag = "API tokens"
    allow_browser_login = True

    def _owner_scope(self) -> Any | None:
        """None when the caller sees everyone's tokens, else the caller."""
        return None if holds_admin() else g.user

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def get_list(self):
        """The caller's API tokens (an admin's: everyone's), without secrets.
        ---
        get:
          summary: List API tokens
          responses:
            200:
              description: The tokens, newest first
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      result: {type: array, items: {type: object}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        tokens = api_tokens.tokens_of(self._owner_scope())
        return self.response(200, count=len(tokens), result=[token_json(t) for t in tokens])

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """Create an API token; its secret is in the answer, once.
        ---
        post:
          summary: Create an API token
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [name, expires_at]
                  properties:
                    name: {type: string, maxLength: 100}
                    expires_at: {type: string, format: date-time, description: 'At most one year ahead'}
                    read_only: {type: boolean, default: true}
                    resources:
                      type: array
                      nullable: true
                      items: {type: string}
                      description: 'Resource names (e.g. Client); null: every resource you may use'
          responses:
            201:
              description: The token; `token` is its secret, shown only now
              content:
                application/json:
                  schema: {type: object}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            422: {$ref: '#/components/responses/422'}
        """
        if current_token() is not None:
            return self.response(403, message="An API token cannot create API tokens; sign in instead.")
        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict):
            return self.response_400(message="The body must be a JSON object.")
        unknown = sorted(set(body) - set(FIELDS))
        if unknown:
            return self.response(422, message=f"{unknown[0]}: unknown field.", field=unknown[0])
        if body.get("expires_at") is None:
            return self.response(422, message="expires_at: required (at most one year ahead).",
                                 field="expires_at")
        try:
            issued = api_tokens.create_token(
                g.user,
                name=body.get("name"),
                expires_at=parse_expiry(body.get("expires_at")),
                read_only=body.get("read_only", True),
                resources=body.get("resources"),
                known_resources=token_resource_names(self.appbuilder),
            )
        except ValidationFailed as error:
            db.session.rollback()
            return self.response(422, message=error.message, field=error.field)
        db.session.commit()
        return self.response(201, id=str(issued.token.id), token=issued.secret,
                             result=token_json(issued.token))

    @expose("/<token_id>", methods=["DELETE"])
    @protect()
    @safe
    def delete(self, token_id: str):
        """Revoke an API token (your own; an admin's: anyone's).
        ---
        delete:
          summary: Revoke an API token
          parameters:
          - {in: path, name: token_id, required: true, schema: {type: string, format: uuid}}
          responses:
            200:
              description: Revoked (or already revoked)
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            token = api_tokens.find_token(_uuid(token_id), self._owner_scope())
        except NotFound as missing:
            return self.response(404, message=missing.message)
        api_tokens.revoke_token(token, actor=g.user)
        db.session.commit()
        return self.response(200, message="Revoked.", result=token_json(token))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def holds_admin() -> bool:
    """Whether the caller manages everyone's tokens (checked through the security manager,
    which also applies a token's own scope)."""
    return current_app.appbuilder.sm.has_access("can_read", ADMIN_RESOURCE)


def register_api_token_api(appbuilder: Any) -> None:
    appbuilder.add_api(ApiTokenApi)
