"""The CSRF check of REST calls that ride on the browser's session cookie.

A bearer token (JWT) needs no CSRF token; a cookie-authenticated POST/PUT/PATCH/DELETE must
send `X-CSRFToken` like the screens' forms. FAB's blanket CSRF exemption of API blueprints
stays on, and this hook runs before each request of the resource instead.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_jwt_extended import verify_jwt_in_request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.extensions import csrf
from app.services.accounts.api_tokens import looks_like_token

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def bearer_value() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


class CookieCsrfMixin:
    """For a FAB BaseApi: JWT first (if sent), then CSRF for cookie-borne unsafe requests."""

    def create_blueprint(self, appbuilder: Any, *args: Any, **kwargs: Any) -> Blueprint:
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)  # type: ignore[misc]
        blueprint.before_request(self._check_cookie_csrf)
        return blueprint

    def _check_cookie_csrf(self):  # type: ignore[no-untyped-def]
        if not looks_like_token(bearer_value()):  # a personal API token is no JWT: @protect() checks it
            verify_jwt_in_request(optional=True)
        if request.method not in UNSAFE_METHODS:
            return None
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None
        if not current_user.is_authenticated:
            return None
        try:
            csrf.protect()
        except CSRFError as error:
            return self.response(400, message=f"CSRF check failed: {error.description}")  # type: ignore[attr-defined]
        return None
