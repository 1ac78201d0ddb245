"""Error answers: a page in the app's layout for people, JSON for /api/ callers.

403, 404 and 500 get a friendly page with a link home (never a traceback: a 500 shows only
the request id, which the log line carries too). API callers keep FAB's JSON shape,
`{"message": ...}`. Database outages answer 503 with a readable message.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import Forbidden, InternalServerError, NotFound

from app.db.readiness import first_line
from app.extensions import db
from app.request_info import request_id

log = logging.getLogger(__name__)

NOT_FOUND_HEADING = "Page not found"
NOT_FOUND_MESSAGE = "There is nothing at this address, or the record no longer exists."
FORBIDDEN_HEADING = "Not allowed"
FORBIDDEN_MESSAGE = "Your role may not do this. Ask an administrator if you need it."
SERVER_ERROR_HEADING = "Something went wrong"
SERVER_ERROR_MESSAGE = (
    "The request could not be completed. Nothing was saved; try again, and if it keeps "
    "happening tell your administrator the reference below."
)
#: When even the layout cannot be drawn (the database is what failed): a page of its own.
BARE_PAGE = (
    "<!DOCTYPE html><html><head><title>{heading}</title></head><body>"
    "<h1>{heading}</h1><p>{message}</p>{reference}<p><a href=\"/\">Home</a></p></body></html>"
)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_page(status: int, heading: str, message: str, reference: str | None = None):
    """The error page in the app's layout, or a bare page if the layout itself fails."""
    appbuilder = current_app.appbuilder
    try:
        html = render_template(
            "mssp/error.html",
            title=heading,
            heading=heading,
            message=message,
            reference=reference,
            status=status,
            appbuilder=appbuilder,
            base_template=appbuilder.base_template,
        )
    except Exception:  # noqa: BLE001 - the answer must still be a page, not a second 500
        log.exception("the %s page could not be drawn in the layout", status)
        _rollback_quietly()
        html = BARE_PAGE.format(
            heading=escape(heading),
            message=escape(message),
            reference=f"<p>Reference: {escape(reference)}</p>" if reference else "",
        )
    return html, status


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a broken connection: nothing left to undo
        log.warning("rollback after an error failed", exc_info=True)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def not_found(_error: NotFound):
        if wants_json():
            return jsonify(message="Not found"), 404
        return error_page(404, NOT_FOUND_HEADING, NOT_FOUND_MESSAGE)

    @app.errorhandler(Forbidden)
    def forbidden(_error: Forbidden):
        if wants_json():
            return jsonify(message="Forbidden"), 403
        return error_page(403, FORBIDDEN_HEADING, FORBIDDEN_MESSAGE)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        # Flask has logged the traceback already; this line ties it to what the person sees.
        reference = request_id()
        log.error("answered 500 to %s %s (request id %s)", request.method, request.path, reference)
        _rollback_quietly()
        if wants_json():
            return jsonify(message="Internal server error", request_id=reference), 500
        return error_page(500, SERVER_ERROR_HEADING, SERVER_ERROR_MESSAGE, reference)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        log.error("database unavailable: %s", first_line(error))
        message = "The database is unavailable; try again shortly."
        if wants_json():
            return jsonify(message=message), 503
        return message, 503

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError):
        """API callers get JSON (the screens keep Flask-WTF's page)."""
        if wants_json():
            return jsonify(message=f"CSRF check failed: {error.description}"), 400
        return error
