"""Settings read from environment variables, one class per environment.

`create_app()` picks a class from `MSSP_ENV` (development, testing, production)
unless it is given a config. Environment variables are read when a config object
is created, not at import, so a process that changes them gets what it set.
Nothing here connects to anything: `app.db` resolves the database when the app is
created.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

#: The development key; the production config refuses it.
DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"
MIN_SECRET_KEY_LENGTH = 32


class ConfigurationError(RuntimeError):
    """A setting is missing or unsafe; the message says which and how to fix it."""


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


class BaseConfig:
    ENV_NAME = "base"
    TESTING = False
    DEBUG = False
    #: Environment variable holding the database URL for this environment.
    DATABASE_URL_VARIABLE = "DATABASE_URL"
    #: Name of the database created on the embedded server.
    EMBEDDED_DATABASE_DEFAULT = "mssp"

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Flask-AppBuilder: the schema comes from Alembic, permissions from `flask mssp init`.
    APP_NAME = "MSSP Client Management"
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.MsspSecurityManager"
    FAB_ADD_SECURITY_API = True
    FAB_API_SWAGGER_UI = True
    # OWASP ASVS 5.0 appendix C: PBKDF2-SHA256 with at least 600,000 iterations.
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:600000"
    AUTH_TYPE = 1  # flask_appbuilder.const.AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USERNAME_CI = True
    RATELIMIT_ENABLED = False

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SECURE_COOKIES_DEFAULT = False

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or DEFAULT_SECRET_KEY
        #: None means: start or reuse the embedded PostgreSQL under the instance folder.
        self.DATABASE_URL = os.environ.get(self.DATABASE_URL_VARIABLE) or None
        self.MSSP_EMBEDDED_DATABASE = (
            os.environ.get("MSSP_EMBEDDED_DATABASE") or self.EMBEDDED_DATABASE_DEFAULT
        )
        self.MSSP_INSTANCE_DIR = os.environ.get("MSSP_INSTANCE_DIR") or str(BASE_DIR / "instance")
        #: Fernet keys, comma separated; the first encrypts, all decrypt.
        self.MSSP_ENCRYPTION_KEYS = env_list("MSSP_ENCRYPTION_KEYS")
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", self.SECURE_COOKIES_DEFAULT)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE

    def validate(self) -> None:
        """Raise ConfigurationError when a setting makes this environment unsafe."""


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"

    def __init__(self) -> None:
        super().__init__()
        self.DEBUG = env_bool("FLASK_DEBUG", False)


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    #: A system PostgreSQL for the test run; unset means the embedded server.
    DATABASE_URL_VARIABLE = "TEST_DATABASE_URL"
    EMBEDDED_DATABASE_DEFAULT = "mssp_test"
    # Cheap hashing keeps the suite fast; the production method is asserted separately.
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SECURE_COOKIES_DEFAULT = True

    def __init__(self) -> None:
        super().__init__()
        # No silent fallback to the development key in production.
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or ""

    def validate(self) -> None:
        key = self.SECRET_KEY
        if not key or key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigurationError(
                f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_LENGTH} "
                "characters in production; generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(env_name: str | None = None) -> BaseConfig:
    """Return a config object for `env_name`, default `MSSP_ENV` or development."""
    name = (env_name or os.environ.get("MSSP_ENV") or "development").strip().lower()
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigurationError(
            f"MSSP_ENV={name!r} is unknown; use one of: {', '.join(CONFIGS)}."
        ) from None
