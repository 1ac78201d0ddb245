"""Audit events no single view records: permission denials (HTTP 403) of signed-in users."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models.audit import AuditAction
from app.services.audit.recording import current_actor, record_event

log = logging.getLogger(__name__)


def init_audit_hooks(app: Flask) -> None:
    @app.after_request
    def audit_permission_denied(response: Response) -> Response:
        if response.status_code != 403:
            return response
        actor = current_actor()
        if actor is None:
            return response
        try:
            db.session.rollback()  # a refused request has nothing of its own to keep
            record_event(
                AuditAction.PERMISSION_DENIED,
                user=actor,
                changes={"method": request.method, "path": request.path, "endpoint": request.endpoint},
            )
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("could not record a permission denial")
        return response
