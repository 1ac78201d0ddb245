"""Database outages answer 503 with a readable message instead of a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from app.db.readiness import first_line
from app.extensions import db

log = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        log.error("database unavailable: %s", first_line(error))
        message = "The database is unavailable; try again shortly."
        if request.path.startswith("/api/"):
            return jsonify(message=message), 503
        return message, 503

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError):
        """API callers get JSON (the screens keep Flask-WTF's page)."""
        if request.path.startswith("/api/"):
            return jsonify(message=f"CSRF check failed: {error.description}"), 400
        return error
