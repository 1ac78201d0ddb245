"""Login throttling per client IP, shared by the login form and the API login.

FAB limits only its form login (and only with AUTH_RATE_LIMITED and
RATELIMIT_ENABLED); its JWT login is never limited. Here one shared limit of
MSSP_LOGIN_RATE_LIMIT (e.g. "10 per minute") covers POSTs to both login
blueprints, keyed by client IP, counted in RATELIMIT_STORAGE_URI (memory:// per
process, redis://... across workers). A breach answers 429 with Retry-After.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from flask import Blueprint, Flask, current_app, jsonify, make_response, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit

from app.request_info import client_ip

log = logging.getLogger(__name__)

LOGIN_SCOPE = "login"
TOO_MANY_ATTEMPTS = "Too many login attempts from your address; try again later."


def login_rate_limit() -> str:
    """Read per request, so a changed setting applies without a restart of the limiter."""
    return current_app.config["MSSP_LOGIN_RATE_LIMIT"]


def log_breach(limit: RequestLimit) -> None:
    log.warning("login rate limit %s exceeded from %s on %s", limit.limit, client_ip(), request.path)


def apply_login_rate_limit(limiter: Limiter, blueprints: Iterable[Blueprint]) -> None:
    shared = limiter.shared_limit(
        login_rate_limit, scope=LOGIN_SCOPE, methods=["POST"], on_breach=log_breach
    )
    for blueprint in blueprints:
        shared(blueprint)


def seconds_until_reset() -> int:
    """Seconds until the breached limit lets this client in again (at least 1)."""
    breached = current_app.appbuilder.sm.limiter.current_limit
    if breached is None:
        return 60
    return max(1, int(breached.reset_at - time.time()))


def init_rate_limit_responses(app: Flask) -> None:
    """429 with Retry-After: JSON for the API, a short page for the form.

    Flask-Limiter's own headers (RATELIMIT_HEADERS_ENABLED) are left off: they
    would put X-RateLimit-* and a Retry-After on every successful login too.
    """

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(_error: RateLimitExceeded):
        headers = {"Retry-After": str(seconds_until_reset())}
        if request.path.startswith("/api/"):
            return make_response(jsonify(message=TOO_MANY_ATTEMPTS), 429, headers)
        headers["Content-Type"] = "text/plain; charset=utf-8"
        return make_response(TOO_MANY_ATTEMPTS, 429, headers)
