"""Checks every request passes before a view runs, whatever view it is.

- Behind MSSP_TRUSTED_PROXY_COUNT reverse proxies, X-Forwarded-For/Proto/Host are
  believed (werkzeug's ProxyFix), so rate limits and the audit trail see the
  client's address; the Host header is then checked against TRUSTED_HOSTS by Flask.
- GET never deletes or runs an action: any route under `/delete/` or `/action/`
  (FAB's ModelView routes, today's and every future view's) answers 405 to GET.
  FAB itself only refuses them while CSRFProtect is installed.
- A state-changing API call authenticated by the browser's session cookie (FAB's
  REST APIs exempt themselves from CSRF and several accept the cookie) must carry
  the CSRF token; calls with an Authorization header (JWT, API key) need none.
"""

from __future__ import annotations

from flask import Flask, abort, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import csrf

UNSAFE_ON_GET = ("/delete/", "/action/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def init_request_guards(app: Flask) -> None:
    proxies = app.config.get("MSSP_TRUSTED_PROXY_COUNT") or 0
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.before_request
    def refuse_state_changes_by_get():
        rule = request.url_rule
        if (
            request.method in ("GET", "HEAD")
            and rule is not None
            and any(segment in rule.rule for segment in UNSAFE_ON_GET)
        ):
            abort(405, valid_methods=["POST"])

    @app.before_request
    def protect_cookie_authenticated_api_calls():
        if (
            request.path.startswith("/api/")
            and request.method not in SAFE_METHODS
            and "Authorization" not in request.headers
            and session.get("_user_id") is not None
            and app.config.get("WTF_CSRF_ENABLED", True)
        ):
            csrf.protect()
