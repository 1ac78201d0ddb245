"""Login throttling per client IP, shared by the login form and the API login.

FAB limits only its form login (and only with AUTH_RATE_LIMITED and
RATELIMIT_ENABLED); its JWT login is never limited. Here one shared limit of
MSSP_LOGIN_RATE_LIMIT (e.g. "10 per minute") covers POSTs to both login
blueprints, keyed by client IP. A breach answers 429 with Retry-After.

Where the attempts are counted (RATELIMIT_STORAGE_URI) decides what the number means:
- redis://...: one count for every worker, the figure holds as written;
- memory:// (the default): each gunicorn worker counts on its own, so each applies its
  share, the figure divided by MSSP_WEB_WORKERS (gunicorn.conf.py sets it to the worker
  count; rounded down, at least 1). With 2 workers, "10 per minute" is 5 per worker: an
  address gets at most 10 attempts a minute whichever worker answers, and may be stopped
  after 5 when one worker gets them all. `login_throttle_summary` says which applies;
  gunicorn prints it at start-up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from functools import cache
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, make_response, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from limits import parse_many

from app.request_info import client_ip

log = logging.getLogger(__name__)

LOGIN_SCOPE = "login"
TOO_MANY_ATTEMPTS = "Too many login attempts from your address; try again later."


def login_rate_limit() -> str:
    """This process's share of the limit, read per request (a changed setting applies
    without a restart of the limiter)."""
    config = current_app.config
    return process_share(config["MSSP_LOGIN_RATE_LIMIT"], workers_counting_apart(config))


def workers_counting_apart(config: Any) -> int:
    """How many processes keep their own count: the workers, unless the storage is shared."""
    if not str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        return 1
    return max(1, int(config.get("MSSP_WEB_WORKERS") or 1))


@cache
def process_share(limit: str, processes: int) -> str:
    """`limit` divided among `processes` counting apart ("10 per minute", 2 -> "5 per 1 minute")."""
    if processes <= 1:
        return limit
    return "; ".join(
        f"{max(1, item.amount // processes)} per {item.multiples} {item.GRANULARITY.name}"
        for item in parse_many(limit)
    )


def login_throttle_summary(config: Any) -> str:
    """One line for the start-up output: the figure, and how it is counted."""
    limit = config["MSSP_LOGIN_RATE_LIMIT"]
    processes = workers_counting_apart(config)
    if processes > 1:
        return (
            f"Login throttle: {limit} per client address, counted by each of {processes} workers "
            f"as {process_share(limit, processes)} (set RATELIMIT_STORAGE_URI=redis://... to "
            "count once for all workers)."
        )
    shared = not str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://")
    where = "once for all workers, in RATELIMIT_STORAGE_URI" if shared else "in one process"
    return f"Login throttle: {limit} per client address, counted {where}."


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
