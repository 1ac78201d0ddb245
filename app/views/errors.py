"""Database outages answer 503 with a readable message instead of a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
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
