"""Security headers on every response, and no caching of pages.

CSP: scripts and styles only from this site, plus inline <script>/<style> blocks
carrying this response's nonce. FAB's templates already put `nonce="{{
csp_nonce() }}"` on their scripts (talisman's convention), so no 'unsafe-inline'
and no 'unsafe-eval' for scripts. Inline style *attributes* stay allowed
(`style-src-attr 'unsafe-inline'`): FAB's templates use a few (`display: none` on
the action forms), and CSS in an attribute cannot run code. Pages cannot be framed.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'nonce-{nonce}'; "
    "style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """This response's nonce; templates call it as `csp_nonce()`."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


#: Endpoints serving files that hold no client data (cacheable like /static/).
STATIC_FILE_ENDPOINTS = frozenset({"static", "site.favicon"})


def is_static_request() -> bool:
    endpoint = request.endpoint or ""
    return endpoint in STATIC_FILE_ENDPOINTS or endpoint.endswith(".static")


def init_security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(nonce=csp_nonce())
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure and current_app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if not is_static_request() and "no-store" not in response.headers.get("Cache-Control", ""):
            # Pages show client data: no copy in the browser's or a proxy's cache.
            response.headers["Cache-Control"] = "no-store"
        return response
