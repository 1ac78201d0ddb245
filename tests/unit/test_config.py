"""Config selection and the production secret-key guard."""

from __future__ import annotations

import pytest

import config as settings
from config import DEFAULT_SECRET_KEY, ConfigurationError, DevelopmentConfig, ProductionConfig, config_for


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("development", DevelopmentConfig),
        ("testing", settings.TestingConfig),
        ("production", ProductionConfig),
    ],
)
def test_config_for_picks_the_class_by_name(name, cls):
    assert type(config_for(name)) is cls


def test_config_for_defaults_to_mssp_env(monkeypatch):
    monkeypatch.setenv("MSSP_ENV", "production")
    assert isinstance(config_for(), ProductionConfig)
    monkeypatch.delenv("MSSP_ENV")
    assert isinstance(config_for(), DevelopmentConfig)


def test_unknown_environment_is_refused_with_the_choices():
    with pytest.raises(ConfigurationError, match="development, testing, production"):
        config_for("staging")


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/mssp")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("MSSP_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("MSSP_ENCRYPTION_KEYS", "key-one, key-two")
    config = config_for("development")
    assert config.DATABASE_URL == "postgresql://db.example/mssp"
    assert config.SECRET_KEY == "k" * 40
    assert config.MSSP_INSTANCE_DIR == str(tmp_path)
    assert config.MSSP_ENCRYPTION_KEYS == ["key-one", "key-two"]


def test_tests_use_test_database_url_not_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod.example/mssp")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    assert config_for("testing").DATABASE_URL is None
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://127.0.0.1/test")
    assert config_for("testing").DATABASE_URL == "postgresql://127.0.0.1/test"


@pytest.mark.parametrize("key", [None, DEFAULT_SECRET_KEY, "short-key"])
def test_production_refuses_missing_default_or_short_secret_key(monkeypatch, key):
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be a random value of at least 32"):
        config_for("production").validate()


def test_create_app_refuses_to_start_in_production_without_a_key(monkeypatch):
    from app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app("production")


def test_production_accepts_a_long_random_key_and_secures_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x9" * 20)
    config = config_for("production")
    config.validate()
    assert config.SESSION_COOKIE_SECURE is True


def test_password_hashing_meets_owasp_in_production():
    assert config_for("production").FAB_PASSWORD_HASH_METHOD == "pbkdf2:sha256:600000"
