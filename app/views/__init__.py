"""Every view and blueprint is registered from here, never at import time."""

from __future__ import annotations

from flask import Flask
from flask_appbuilder import AppBuilder


def register_views(app: Flask, appbuilder: AppBuilder) -> None:
    from app.views.errors import register_error_handlers
    from app.views.health import health_blueprint

    app.register_blueprint(health_blueprint)
    register_error_handlers(app)
