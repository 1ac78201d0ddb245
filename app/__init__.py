"""The application factory: a fixed list of named init steps, nothing at import time."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from config import BaseConfig, config_for

log = logging.getLogger(__name__)


def create_app(config: BaseConfig | dict[str, Any] | str | None = None) -> Flask:
    """Build the Flask app.

    `config` may be a config object, an environment name ("testing"), a dict of
    overrides on top of the `MSSP_ENV` config, or None for the `MSSP_ENV` config.
    """
    app = Flask(__name__, instance_relative_config=False)
    init_config(app, config)
    init_database(app)
    init_extensions(app)
    init_security(app)
    init_web_security(app)
    init_business_rules(app)
    init_audit_trail(app)
    init_views(app)
    init_apis(app)
    init_cli(app)
    return app


def init_config(app: Flask, config: BaseConfig | dict[str, Any] | str | None) -> None:
    overrides: dict[str, Any] = {}
    if isinstance(config, BaseConfig):
        config_obj = config
    elif isinstance(config, str):
        config_obj = config_for(config)
    else:
        config_obj = config_for()
        overrides = dict(config or {})
    app.config.from_object(config_obj)
    app.config.update(overrides)
    config_obj.validate()
    app.instance_path = app.config["MSSP_INSTANCE_DIR"]


def init_database(app: Flask) -> None:
    """Resolve DATABASE_URL, or start/reuse the embedded PostgreSQL server."""
    from app.db import resolve_database_url

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = resolve_database_url(
            app.config.get("DATABASE_URL"),
            app.config["MSSP_INSTANCE_DIR"],
            app.config["MSSP_EMBEDDED_DATABASE"],
        )


def init_extensions(app: Flask) -> None:
    from app.extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    # Before FAB: its views and forms then get CSRF checks (FAB does not add them).
    csrf.init_app(app)


def init_security(app: Flask) -> None:
    """Flask-AppBuilder, created here so that each app gets its own instance."""
    from flask_appbuilder import AppBuilder

    from app.extensions import db
    from app.models import import_all_models

    import_all_models()
    # FAB warns about every relation column its security API cannot filter on.
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)
    appbuilder = AppBuilder(update_perms=False)
    with app.app_context():
        appbuilder.init_app(app, db.session)


def init_web_security(app: Flask) -> None:
    """What FAB leaves to us: session limits, single sign-on, request and input guards, headers,
    429s, audit hooks."""
    from app.request_info import init_request_ids
    from app.security.audit_hooks import init_audit_hooks
    from app.security.headers import init_security_headers
    from app.security.oidc import init_oidc
    from app.security.rate_limits import init_rate_limit_responses
    from app.security.request_guards import init_request_guards
    from app.security.sessions import init_sessions
    from app.web.input_guards import init_input_guards

    init_sessions(app)
    init_oidc(app)
    init_request_guards(app)
    init_input_guards(app)
    init_request_ids(app)
    init_security_headers(app)
    init_rate_limit_responses(app)
    init_audit_hooks(app)


def init_business_rules(app: Flask) -> None:
    """The business rules run on every flush (see app/services/rules_registry.py)."""
    from app.services.rules_registry import init_business_rules as register

    register(app)


def init_audit_trail(app: Flask) -> None:
    """Every flush and bulk statement writes the audit trail (app/services/audit/capture.py).

    After the business rules: the audit sees what the rules settled.
    """
    from app.services.audit.capture import init_audit_capture

    init_audit_capture(app)


def init_views(app: Flask) -> None:
    from app.views import register_views

    with app.app_context():
        register_views(app, app.appbuilder)


def init_apis(app: Flask) -> None:
    from app.api import register_apis

    with app.app_context():
        register_apis(app.appbuilder)


def init_cli(app: Flask) -> None:
    from app.cli import register_cli

    register_cli(app)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
