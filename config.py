"""Settings read from environment variables, one class per environment.

`create_app()` picks a class from `MSSP_ENV` (development, testing, production)
unless it is given a config. Environment variables are read when a config object
is created, not at import, so a process that changes them gets what it set.
Nothing here connects to anything: `app.db` resolves the database when the app is
created.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

#: The development key (32+ bytes: JWTs are signed with it); the production config refuses it.
DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me-before-production"
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


def env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {value!r}") from None


def env_int(name: str, default: int | None) -> int | None:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {value!r}.") from None


#: Flask-AppBuilder's AUTH_TYPE values (flask_appbuilder.const) by the names the environment uses.
AUTH_TYPES = {"db": 1, "ldap": 2}

#: AUTH_TYPE value for single sign-on (OpenID Connect, app.security.oidc).
SSO_AUTH_TYPE = "oidc"

#: Host names always accepted in the Host header: health checks and the local CLI use them.
LOCAL_HOSTS = ("localhost", "127.0.0.1")

#: Optional LDAP settings, read from the environment when set (see README, Authentication).
LDAP_STRING_SETTINGS = (
    "AUTH_LDAP_SERVER",
    "AUTH_LDAP_SEARCH",
    "AUTH_LDAP_SEARCH_FILTER",
    "AUTH_LDAP_UID_FIELD",
    "AUTH_LDAP_BIND_USER",
    "AUTH_LDAP_BIND_PASSWORD",
    "AUTH_LDAP_APPEND_DOMAIN",
    "AUTH_LDAP_USERNAME_FORMAT",
    "AUTH_LDAP_FIRSTNAME_FIELD",
    "AUTH_LDAP_LASTNAME_FIELD",
    "AUTH_LDAP_EMAIL_FIELD",
    "AUTH_LDAP_GROUP_FIELD",
    "AUTH_LDAP_TLS_CACERTDIR",
    "AUTH_LDAP_TLS_CACERTFILE",
    "AUTH_LDAP_TLS_CERTFILE",
    "AUTH_LDAP_TLS_KEYFILE",
    "AUTH_USER_REGISTRATION_ROLE",
)
LDAP_BOOL_SETTINGS = (
    "AUTH_LDAP_USE_TLS",
    "AUTH_LDAP_ALLOW_SELF_SIGNED",
    "AUTH_LDAP_TLS_DEMAND",
    "AUTH_USER_REGISTRATION",
    "AUTH_ROLES_SYNC_AT_LOGIN",
)


def _role_names_ok(roles: object) -> bool:
    """A role name, or a non-empty list of them (a value of MSSP_OIDC_ROLE_MAP)."""
    if isinstance(roles, str):
        return bool(roles.strip())
    return isinstance(roles, list) and bool(roles) and all(isinstance(r, str) and r.strip() for r in roles)


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
    # Every page's layout: FAB's, plus the favicon, page titles and app/static/css/mssp.css.
    FAB_BASE_TEMPLATE = "mssp/layout.html"
    #: "/" is each role's start page (issue 17.9).
    FAB_INDEX_VIEW = "app.views.start.StartIndexView"
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.MsspSecurityManager"
    FAB_ADD_SECURITY_API = True
    FAB_API_SWAGGER_UI = True
    # The OpenAPI document is ours (app.web.openapi_document, registered by app.api).
    FAB_ADD_OPENAPI_VIEWS = False
    # Argon2id, OWASP Password Storage Cheat Sheet's first choice: 19 MiB, 2 passes, 1 lane
    # (app.services.accounts.passwords; ~45 ms a check here, PBKDF2-SHA256 600k took ~190 ms).
    # Older werkzeug hashes still verify and are upgraded at the next login.
    FAB_PASSWORD_HASH_METHOD = "argon2id:2:19456:1"
    # FAB's own API keys (not enabled here) hash with werkzeug: never with the method above.
    FAB_API_KEY_HASH_METHOD = "pbkdf2:sha256:600000"
    # `@protect()` asks the security manager about `Bearer mssp_pat_...` before any JWT check:
    # our personal API tokens (app.security.api_tokens), not FAB's `ab_api_key` keys, whose
    # REST resource stays unregistered (MsspSecurityManager.register_views).
    FAB_API_KEY_ENABLED = True
    FAB_API_KEY_PREFIXES = ["mssp_pat_"]
    API_TOKEN_RATE_LIMIT_DEFAULT = "600 per minute"
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USERNAME_CI = True
    # Our own policy (app.services.accounts.passwords) replaces FAB's composition rules.
    FAB_PASSWORD_COMPLEXITY_ENABLED = False

    # Login throttling per client IP, one bucket shared by the form and the API login
    # (app.security.rate_limits). FAB's AUTH_RATE_LIMITED stays off: it would add a
    # second, form-only limit.
    RATELIMIT_ENABLED = True
    # Retry-After is sent with the 429 only (app.security.rate_limits).
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_KEY_PREFIX = "mssp"
    AUTH_RATE_LIMITED = False
    LOGIN_RATE_LIMIT_DEFAULT = "10 per minute"

    # The largest request body accepted (bytes): larger ones answer 413 (JSON under /api/);
    # see app.web.input_guards for the other bounds (JSON depth, NUL, paging arguments).
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SECURE_COOKIES_DEFAULT = False
    #: Production refuses to start without MSSP_TRUSTED_HOSTS.
    TRUSTED_HOSTS_REQUIRED = False
    # Defaults of the outbound HTTP retry policy of the sync; tests shrink them.
    HTTP_MAX_ATTEMPTS = 4
    HTTP_BACKOFF_INITIAL = 1.0
    HTTP_BACKOFF_MAX = 30.0
    HTTP_RETRY_BUDGET_SECONDS = 120.0
    #: Worker threads of the scheduler process (tests start their own workers).
    SCHEDULER_WORKERS_DEFAULT = 2

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
        self._read_login_security()
        self._read_sessions()
        self._read_hosts()
        self._read_authentication()
        self._init_sync_settings()
        self._read_alert_settings()

    def _init_sync_settings(self) -> None:
        """Outbound HTTP and scheduler settings of the Jira/Grafana sync (see README)."""
        #: Networks or addresses outbound requests may reach although they are link-local
        #: or cloud metadata (blocked by default), comma separated CIDRs.
        self.MSSP_OUTBOUND_ALLOWLIST = env_list("MSSP_OUTBOUND_ALLOWLIST")
        #: Attempts per HTTP request (1 = no retry) on timeouts, connection errors, 5xx, 429.
        self.MSSP_HTTP_MAX_ATTEMPTS = int(env_number("MSSP_HTTP_MAX_ATTEMPTS", self.HTTP_MAX_ATTEMPTS))
        #: Exponential backoff between attempts: first wait and cap, seconds.
        self.MSSP_HTTP_BACKOFF_INITIAL = env_number("MSSP_HTTP_BACKOFF_INITIAL", self.HTTP_BACKOFF_INITIAL)
        self.MSSP_HTTP_BACKOFF_MAX = env_number("MSSP_HTTP_BACKOFF_MAX", self.HTTP_BACKOFF_MAX)
        #: A request (all its attempts and waits, Retry-After included) gives up after this.
        self.MSSP_HTTP_RETRY_BUDGET_SECONDS = env_number(
            "MSSP_HTTP_RETRY_BUDGET_SECONDS", self.HTTP_RETRY_BUDGET_SECONDS
        )
        #: Pages fetched per query run at most; the run fails beyond it rather than truncate.
        self.MSSP_SYNC_PAGE_CAP = int(env_number("MSSP_SYNC_PAGE_CAP", 200))
        #: A whole run (all its pages and clients) gives up after this many seconds.
        self.MSSP_SYNC_RUN_BUDGET_SECONDS = env_number("MSSP_SYNC_RUN_BUDGET_SECONDS", 900)
        #: "Run now" from a screen or the API waits at most this long (below gunicorn's timeout).
        self.MSSP_SYNC_WEB_RUN_BUDGET_SECONDS = env_number("MSSP_SYNC_WEB_RUN_BUDGET_SECONDS", 45)
        #: Records asked for per page (servers may cap it lower).
        self.MSSP_SYNC_PAGE_SIZE = int(env_number("MSSP_SYNC_PAGE_SIZE", 100))
        #: `{since}` on a query's first run: this many hours back.
        self.MSSP_SYNC_INITIAL_LOOKBACK_HOURS = env_number("MSSP_SYNC_INITIAL_LOOKBACK_HOURS", 24)
        #: `{since}` later: the last successful run's start, minus this overlap.
        self.MSSP_SYNC_OVERLAP_MINUTES = env_number("MSSP_SYNC_OVERLAP_MINUTES", 5)
        #: After this many failed runs in a row a query shows as failing and backs off.
        self.MSSP_SYNC_FAILURE_THRESHOLD = int(env_number("MSSP_SYNC_FAILURE_THRESHOLD", 3))
        #: The longest a failing query waits between scheduled attempts, minutes.
        self.MSSP_SYNC_MAX_BACKOFF_MINUTES = env_number("MSSP_SYNC_MAX_BACKOFF_MINUTES", 24 * 60)
        #: The scheduler's PostgreSQL advisory lock key; a second scheduler waits on it.
        self.MSSP_SCHEDULER_LOCK_KEY = int(env_number("MSSP_SCHEDULER_LOCK_KEY", 7_305_211_008))
        #: How often a waiting scheduler retries the lock, and the leader re-reads the queries.
        self.MSSP_SCHEDULER_LOCK_POLL_SECONDS = env_number("MSSP_SCHEDULER_LOCK_POLL_SECONDS", 10)
        self.MSSP_SCHEDULER_RELOAD_SECONDS = env_number("MSSP_SCHEDULER_RELOAD_SECONDS", 60)
        self._read_queue_settings()

    def _read_queue_settings(self) -> None:
        """The job queue (app.queue, procrastinate on this PostgreSQL): workers, retries."""
        #: The scheduler process also runs this many worker threads (one host needs nothing
        #: else); 0 when `flask mssp worker` processes run the jobs (compose, Kubernetes).
        workers = env_number("MSSP_SCHEDULER_WORKERS", self.SCHEDULER_WORKERS_DEFAULT)
        self.MSSP_SCHEDULER_WORKERS = int(workers)
        #: Jobs one `flask mssp worker` process runs at once.
        self.MSSP_WORKER_CONCURRENCY = int(env_number("MSSP_WORKER_CONCURRENCY", 2))
        #: Attempts of a job that raises (1 = no retry); the wait doubles from the first.
        self.MSSP_JOB_MAX_ATTEMPTS = int(env_number("MSSP_JOB_MAX_ATTEMPTS", 3))
        self.MSSP_JOB_RETRY_SECONDS = env_number("MSSP_JOB_RETRY_SECONDS", 30)
        #: A job runs at most this long (sync runs: their run budget is cut to it).
        self.MSSP_JOB_TIMEOUT_SECONDS = env_number("MSSP_JOB_TIMEOUT_SECONDS", 1800)
        #: A worker beats every this many seconds; one silent for MSSP_WORKER_STALLED_SECONDS
        #: is taken as dead and the leader scheduler gives its jobs to another worker.
        self.MSSP_WORKER_HEARTBEAT_SECONDS = env_number("MSSP_WORKER_HEARTBEAT_SECONDS", 5)
        self.MSSP_WORKER_STALLED_SECONDS = env_number("MSSP_WORKER_STALLED_SECONDS", 20)
        #: How often the leader looks for jobs of dead workers.
        self.MSSP_STALLED_CHECK_SECONDS = env_number("MSSP_STALLED_CHECK_SECONDS", 5)
        #: A worker without a notification still looks for new jobs this often.
        self.MSSP_WORKER_POLL_SECONDS = env_number("MSSP_WORKER_POLL_SECONDS", 2)

    def _read_alert_settings(self) -> None:
        """Alert e-mails (app.services.alerts.email): off unless MSSP_SMTP_HOST is set."""
        #: The address people open the app at; the links in alert e-mails start with it.
        self.MSSP_BASE_URL = (os.environ.get("MSSP_BASE_URL") or "http://127.0.0.1:8080").rstrip("/")
        self.MSSP_SMTP_HOST = os.environ.get("MSSP_SMTP_HOST") or None
        self.MSSP_SMTP_PORT = env_int("MSSP_SMTP_PORT", None)  # None: 465 with SSL, else 25/587
        self.MSSP_SMTP_USERNAME = os.environ.get("MSSP_SMTP_USERNAME") or None
        self.MSSP_SMTP_PASSWORD = os.environ.get("MSSP_SMTP_PASSWORD") or None
        self.MSSP_SMTP_STARTTLS = env_bool("MSSP_SMTP_STARTTLS", False)
        self.MSSP_SMTP_SSL = env_bool("MSSP_SMTP_SSL", False)
        self.MSSP_SMTP_FROM = os.environ.get("MSSP_SMTP_FROM") or "mssp-alerts@localhost"
        self.MSSP_SMTP_TIMEOUT = env_number("MSSP_SMTP_TIMEOUT", 30)
        #: Attempts per digest within one run, with a doubling wait from MSSP_SMTP_RETRY_SECONDS.
        self.MSSP_SMTP_MAX_ATTEMPTS = int(env_number("MSSP_SMTP_MAX_ATTEMPTS", 3))
        self.MSSP_SMTP_RETRY_SECONDS = env_number("MSSP_SMTP_RETRY_SECONDS", 5)
        #: A digest that failed is tried again by the runs of this many following days.
        self.MSSP_ALERT_EMAIL_RETRY_DAYS = int(env_number("MSSP_ALERT_EMAIL_RETRY_DAYS", 2))

    def _read_login_security(self) -> None:
        #: Consecutive failures that lock an account (app.services.accounts.login_security).
        self.MSSP_MAX_FAILED_LOGINS = env_int("MSSP_MAX_FAILED_LOGINS", 5)
        #: Minutes after which a lock lifts by itself; None: only an admin unlocks.
        self.MSSP_LOCKOUT_MINUTES = env_int("MSSP_LOCKOUT_MINUTES", None) or None
        self.MSSP_LOGIN_RATE_LIMIT = (
            os.environ.get("MSSP_LOGIN_RATE_LIMIT") or self.LOGIN_RATE_LIMIT_DEFAULT
        )
        #: Calls per personal API token (app.security.api_tokens), counted where login attempts are.
        self.MSSP_API_TOKEN_RATE_LIMIT = (
            os.environ.get("MSSP_API_TOKEN_RATE_LIMIT") or self.API_TOKEN_RATE_LIMIT_DEFAULT
        )
        #: memory:// counts per process; use redis://host:6379/0 when several workers serve.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
        #: Processes serving the app (gunicorn.conf.py sets it to its worker count): with
        #: memory:// counts each takes its share of the login limit (app.security.rate_limits).
        self.MSSP_WEB_WORKERS = env_int("MSSP_WEB_WORKERS", 1)

    def _read_sessions(self) -> None:
        self.MSSP_SESSION_IDLE_MINUTES = env_int("MSSP_SESSION_IDLE_MINUTES", 30)
        self.MSSP_SESSION_MAX_HOURS = env_int("MSSP_SESSION_MAX_HOURS", 12)
        # The signed cookie itself is refused past the absolute lifetime; the idle
        # timeout, logout and locks are checked per request (app.security.sessions).
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=self.MSSP_SESSION_MAX_HOURS)
        # "strong": a session cookie replayed from another IP address or browser is dropped.
        self.SESSION_PROTECTION = "strong"

    def _read_hosts(self) -> None:
        #: Host names the app answers to; any other Host header gets 400. "*": any.
        self.MSSP_TRUSTED_HOSTS = env_list("MSSP_TRUSTED_HOSTS")
        if "*" in self.MSSP_TRUSTED_HOSTS:
            self.TRUSTED_HOSTS = None
        else:
            self.TRUSTED_HOSTS = [*LOCAL_HOSTS, *self.MSSP_TRUSTED_HOSTS]
        #: Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
        self.MSSP_TRUSTED_PROXY_COUNT = env_int("MSSP_TRUSTED_PROXY_COUNT", 0)

    def _read_authentication(self) -> None:
        auth_type = (os.environ.get("AUTH_TYPE") or "db").strip().lower()
        if auth_type not in AUTH_TYPES and auth_type != SSO_AUTH_TYPE:
            raise ConfigurationError(
                f"AUTH_TYPE={auth_type!r} is not supported; use one of: "
                f"{', '.join([*AUTH_TYPES, SSO_AUTH_TYPE])}."
            )
        # oidc: single sign-on, with FAB's password login kept for break-glass admins only.
        self.AUTH_TYPE = AUTH_TYPES["db"] if auth_type == SSO_AUTH_TYPE else AUTH_TYPES[auth_type]
        self.MSSP_SSO_ONLY = auth_type == SSO_AUTH_TYPE
        self._read_oidc()
        for name in LDAP_STRING_SETTINGS:
            if os.environ.get(name):
                setattr(self, name, os.environ[name])
        for name in LDAP_BOOL_SETTINGS:
            if os.environ.get(name):
                setattr(self, name, env_bool(name, False))
        if os.environ.get("AUTH_ROLES_MAPPING"):
            try:
                self.AUTH_ROLES_MAPPING = json.loads(os.environ["AUTH_ROLES_MAPPING"])
            except ValueError:
                raise ConfigurationError(
                    'AUTH_ROLES_MAPPING must be JSON, e.g. {"cn=admins,ou=groups,dc=example,dc=com": '
                    '["Admin"]}.'
                ) from None

    def _read_oidc(self) -> None:
        """OpenID Connect sign-in (docs/authentication.md); off unless MSSP_OIDC_ISSUER is set."""
        self.MSSP_OIDC_ISSUER = (os.environ.get("MSSP_OIDC_ISSUER") or "").strip() or None
        self.MSSP_OIDC_DISCOVERY_URL = (os.environ.get("MSSP_OIDC_DISCOVERY_URL") or "").strip() or None
        self.MSSP_OIDC_CLIENT_ID = os.environ.get("MSSP_OIDC_CLIENT_ID") or None
        self.MSSP_OIDC_CLIENT_SECRET = os.environ.get("MSSP_OIDC_CLIENT_SECRET") or None
        self.MSSP_OIDC_SCOPES = os.environ.get("MSSP_OIDC_SCOPES") or "openid email profile"
        self.MSSP_OIDC_GROUPS_CLAIM = os.environ.get("MSSP_OIDC_GROUPS_CLAIM") or "groups"
        self.MSSP_OIDC_EMAIL_CLAIM = os.environ.get("MSSP_OIDC_EMAIL_CLAIM") or "email"
        self.MSSP_OIDC_REQUIRE_VERIFIED_EMAIL = env_bool("MSSP_OIDC_REQUIRE_VERIFIED_EMAIL", True)
        self.MSSP_OIDC_PROVIDER_NAME = os.environ.get("MSSP_OIDC_PROVIDER_NAME") or "single sign-on"
        self.MSSP_OIDC_TIMEOUT_SECONDS = env_number("MSSP_OIDC_TIMEOUT_SECONDS", 10)
        raw_map = os.environ.get("MSSP_OIDC_ROLE_MAP")
        try:
            self.MSSP_OIDC_ROLE_MAP = json.loads(raw_map) if raw_map else {}
        except ValueError:
            raise ConfigurationError(
                'MSSP_OIDC_ROLE_MAP must be JSON, e.g. {"soc-managers": "Manager"}.'
            ) from None

    def _validate_oidc(self) -> None:
        if self.MSSP_SSO_ONLY and not self.MSSP_OIDC_ISSUER:
            raise ConfigurationError("AUTH_TYPE=oidc needs MSSP_OIDC_ISSUER (the provider's issuer URL).")
        if not self.MSSP_OIDC_ISSUER:
            return
        needed = ("MSSP_OIDC_CLIENT_ID", "MSSP_OIDC_CLIENT_SECRET")
        missing = [name for name in needed if not getattr(self, name)]
        if missing:
            raise ConfigurationError(f"Single sign-on needs {' and '.join(missing)}.")
        role_map = self.MSSP_OIDC_ROLE_MAP
        if not isinstance(role_map, dict) or not role_map or not all(
            map(_role_names_ok, role_map.values())
        ):
            raise ConfigurationError(
                'MSSP_OIDC_ROLE_MAP must map groups to role names, e.g. {"soc-managers": "Manager", '
                '"mssp-admins": ["Admin"]}; nobody is given a role without it.'
            )

    def validate(self) -> None:
        """Raise ConfigurationError when a setting makes this environment unsafe."""
        self._validate_oidc()
        if self.AUTH_TYPE == AUTH_TYPES["ldap"] and not getattr(self, "AUTH_LDAP_SERVER", None):
            raise ConfigurationError(
                "AUTH_TYPE=ldap needs AUTH_LDAP_SERVER (e.g. ldaps://ldap.example.com:636)."
            )
        if self.TRUSTED_HOSTS_REQUIRED and not self.MSSP_TRUSTED_HOSTS:
            raise ConfigurationError(
                "MSSP_TRUSTED_HOSTS must name the host names the app is served under "
                "(comma separated, e.g. mssp.example.com); requests with any other Host "
                "header are refused. Use * to accept any host (not recommended)."
            )


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
    SCHEDULER_WORKERS_DEFAULT = 0
    EMBEDDED_DATABASE_DEFAULT = "mssp_test"
    # Cheap hashing keeps the suite fast; the production method is asserted separately.
    FAB_PASSWORD_HASH_METHOD = "argon2id:1:64:1"  # the production method's code path, cheap
    # Tiny retry waits keep the sync tests fast; the policy itself is the same.
    HTTP_MAX_ATTEMPTS = 3
    HTTP_BACKOFF_INITIAL = 0.01
    HTTP_BACKOFF_MAX = 0.05
    HTTP_RETRY_BUDGET_SECONDS = 10.0
    # The limiter stays on, with a limit no ordinary test reaches; the rate-limit
    # tests lower it on their own.
    LOGIN_RATE_LIMIT_DEFAULT = "10000 per minute"


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SECURE_COOKIES_DEFAULT = True
    TRUSTED_HOSTS_REQUIRED = True

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
        super().validate()


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
