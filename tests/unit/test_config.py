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
    monkeypatch.setenv("MSSP_TRUSTED_HOSTS", "mssp.example.com")
    config = config_for("production")
    config.validate()
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.SESSION_PROTECTION == "strong"
    assert config.TRUSTED_HOSTS == ["localhost", "127.0.0.1", "mssp.example.com"]


def test_production_refuses_to_start_without_trusted_hosts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x9" * 20)
    monkeypatch.delenv("MSSP_TRUSTED_HOSTS", raising=False)
    with pytest.raises(ConfigurationError, match="MSSP_TRUSTED_HOSTS must name the host names"):
        config_for("production").validate()
    monkeypatch.setenv("MSSP_TRUSTED_HOSTS", "*")
    config = config_for("production")
    config.validate()
    assert config.TRUSTED_HOSTS is None


def test_password_hashing_meets_owasp_in_production():
    # OWASP Password Storage Cheat Sheet: Argon2id, at least 19 MiB, 2 passes, 1 lane.
    algorithm, passes, memory_kib, lanes = config_for("production").FAB_PASSWORD_HASH_METHOD.split(":")
    assert algorithm == "argon2id"
    assert int(memory_kib) >= 19 * 1024 and int(passes) >= 2 and int(lanes) >= 1


def test_login_security_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MSSP_MAX_FAILED_LOGINS", "3")
    monkeypatch.setenv("MSSP_LOCKOUT_MINUTES", "15")
    monkeypatch.setenv("MSSP_LOGIN_RATE_LIMIT", "5 per minute")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("MSSP_SESSION_IDLE_MINUTES", "10")
    config = config_for("development")
    assert config.MSSP_MAX_FAILED_LOGINS == 3
    assert config.MSSP_LOCKOUT_MINUTES == 15
    assert config.MSSP_LOGIN_RATE_LIMIT == "5 per minute"
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"
    assert config.RATELIMIT_ENABLED is True
    assert config.MSSP_SESSION_IDLE_MINUTES == 10
    assert config.PERMANENT_SESSION_LIFETIME.total_seconds() == 12 * 3600


def test_lockout_defaults_to_five_failures_and_admin_unlock_only(monkeypatch):
    for name in ("MSSP_MAX_FAILED_LOGINS", "MSSP_LOCKOUT_MINUTES", "MSSP_LOGIN_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    config = config_for("development")
    assert config.MSSP_MAX_FAILED_LOGINS == 5
    assert config.MSSP_LOCKOUT_MINUTES is None
    assert config.MSSP_LOGIN_RATE_LIMIT == "10 per minute"
    assert config.MSSP_SESSION_IDLE_MINUTES == 30


def test_ldap_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUTH_TYPE", "ldap")
    monkeypatch.setenv("AUTH_LDAP_SERVER", "ldaps://ldap.example.com")
    monkeypatch.setenv("AUTH_LDAP_SEARCH", "ou=people,dc=example,dc=com")
    monkeypatch.setenv("AUTH_LDAP_UID_FIELD", "mail")
    monkeypatch.setenv("AUTH_LDAP_USE_TLS", "false")
    monkeypatch.setenv("AUTH_ROLES_MAPPING", '{"cn=mssp-admins,ou=groups,dc=example,dc=com": ["Admin"]}')
    config = config_for("development")
    config.validate()
    assert config.AUTH_TYPE == 2
    assert config.AUTH_LDAP_SERVER == "ldaps://ldap.example.com"
    assert config.AUTH_LDAP_SEARCH == "ou=people,dc=example,dc=com"
    assert config.AUTH_LDAP_UID_FIELD == "mail"
    assert config.AUTH_LDAP_USE_TLS is False
    assert config.AUTH_ROLES_MAPPING == {"cn=mssp-admins,ou=groups,dc=example,dc=com": ["Admin"]}


def test_ldap_without_a_server_is_refused(monkeypatch):
    monkeypatch.setenv("AUTH_TYPE", "ldap")
    monkeypatch.delenv("AUTH_LDAP_SERVER", raising=False)
    with pytest.raises(ConfigurationError, match="AUTH_LDAP_SERVER"):
        config_for("development").validate()
    monkeypatch.setenv("AUTH_TYPE", "kerberos")
    with pytest.raises(ConfigurationError, match="AUTH_TYPE='kerberos' is not supported"):
        config_for("development")
