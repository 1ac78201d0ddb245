"""`Authorization: Bearer mssp_pat_...` on every REST resource (issue 23).

Flask-AppBuilder's `@protect()` asks the security manager for an API key before it looks
for a JWT (FAB_API_KEY_ENABLED, FAB_API_KEY_PREFIXES); the manager answers with our
tokens (app.services.accounts.api_tokens), not FAB's own `ab_api_key` keys, and
`has_access` intersects the owner's permissions with the token's scope. Here:

- the per-token rate limit (MSSP_API_TOKEN_RATE_LIMIT, counted in RATELIMIT_STORAGE_URI
  like the login limit): past it, 429 with Retry-After;
- a refused token (unknown, expired, revoked, owner deactivated or locked) answers 401
  and is recorded like a refused login; a used one stamps last use and address.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import abort, current_app, g, jsonify, make_response, request
from flask_appbuilder.api import BaseApi
from limits import parse

from app.extensions import db
from app.request_info import client_ip
from app.services.accounts import api_tokens

log = logging.getLogger(__name__)

RATE_LIMIT_SCOPE = "api_token"
TOO_MANY_CALLS = "Too many calls with this API token; try again later."


def bearer_token() -> str | None:
    """The token of this request's Authorization header, when it is one of ours."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    value = header[7:].strip()
    return value if api_tokens.looks_like_token(value) else None


def current_token() -> Any | None:
    """The API token this request was authenticated with, if any."""
    return g.get("mssp_api_token")


def _enforce_rate_limit(token: Any) -> None:
    limiter = current_app.appbuilder.sm.limiter.limiter
    item = parse(current_app.config["MSSP_API_TOKEN_RATE_LIMIT"])
    if limiter.hit(item, RATE_LIMIT_SCOPE, str(token.id)):
        return
    reset_at = limiter.get_window_stats(item, RATE_LIMIT_SCOPE, str(token.id)).reset_time
    retry_after = max(1, int(reset_at - time.time()))
    log.warning("api token %s over its rate limit from %s", token.token_prefix, client_ip())
    abort(make_response(jsonify(message=TOO_MANY_CALLS), 429, {"Retry-After": str(retry_after)}))


def authenticate_request(secret: str, owner_usable) -> Any | None:
    """The owner of a usable token (and g set up for FAB), or None (401) after recording why."""
    try:
        token = api_tokens.authenticate(secret, owner_usable=owner_usable)
    except api_tokens.TokenRefused as refusal:
        db.session.rollback()
        api_tokens.record_refusal(refusal)
        db.session.commit()
        log.info("api token refused: %s", refusal.reason)
        return None
    _enforce_rate_limit(token)
    if api_tokens.record_use(token, client_ip()):
        db.session.commit()
    g.mssp_api_token = token
    g.user = token.user
    g._api_key_user = True
    return token.user


def token_allows(resource: str | None) -> bool:
    """Whether this request's token (if any) lets it reach `resource` with this method."""
    token = current_token()
    if token is None:
        return True
    return api_tokens.scope_allows(token, request.method, resource)


def token_resource_names(appbuilder: Any) -> list[str]:
    """The resources a token may be limited to: every REST resource's permission name."""
    return sorted({
        view.class_permission_name
        for view in appbuilder.baseviews
        if isinstance(view, BaseApi) and view.class_permission_name
    })
