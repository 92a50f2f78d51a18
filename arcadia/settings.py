"""Settings, all from the environment (README, "Configuration").

Defaults suit a developer machine with Postgres and Redis on loopback, except that DEBUG
is off unless asked for (`bin/up` asks) and, with it off, Arcadia expects HTTPS through a
TLS-terminating proxy (README, "Running it in production"). Production mode (DEBUG off)
never uses the development SECRET_KEY.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from arcadia.log_config import logging_config
from arcadia.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-insecure-arcadia-secret-key-change-me"
# Debug pages list the URL patterns and show tracebacks and settings: only when asked for.
DEBUG = env_bool("DEBUG", False)
# The development key only with DEBUG on. With DEBUG off and no SECRET_KEY the key is empty:
# Django refuses anything that would sign with it and arcadia.wsgi refuses to start, while
# tools that sign nothing (migrate, collectstatic, mypy's Django plugin) still run.
SECRET_KEY = os.environ.get("SECRET_KEY") or (DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# --- Security (README, "Running it in production") -------------------------------------
# With DEBUG off Arcadia is served over HTTPS by a TLS-terminating proxy that sets
# X-Forwarded-Proto (and drops a client's own). ARCADIA_HTTPS=false serves plain HTTP
# (a laptop, compose on localhost); DEBUG on implies it.
HTTPS = env_bool("ARCADIA_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
# Liveness/readiness probes and Prometheus speak plain HTTP to the pod.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/ready$", r"^metrics$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading commits the whole domain to HTTPS in every browser for months: the domain
# owner's decision (SECURE_HSTS_PRELOAD=true), so the check that asks for it is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: no inline or third-party script anywhere (Swagger UI's start-up script is
# a file, arcadia.urls). Inline <style> stays allowed: the admin's change list, Swagger
# UI and DRF's browsable API carry small inline style blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Where a login without `next` lands (the API's login page, `/api/v1/auth/login/`).
LOGIN_URL = "/api/v1/auth/login/"
LOGIN_REDIRECT_URL = "/api/v1/me"

INSTALLED_APPS = [
    # Django admin with Arcadia's site (the dashboard home, domain apps first).
    "console.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "pgtrigger",
    "arcadia",
    "tenants",
    "inventory",
    "drift",
    "provisioning",
    "billing",
    "webhooks",
    "demo",
    "portal",
    "do_simulator",
]

MIDDLEWARE = [
    # First: every later middleware's log lines, and every response, carry the request id.
    "arcadia.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429.
    "axes.middleware.AxesMiddleware",
]

# Password guessing on both login pages (the console's and the API's) is stopped by
# django-axes before Django's own backend checks the password (README, "Throttles").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("ARCADIA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ARCADIA_LOGIN_COOLOFF_MINUTES", "15")))
# A guesser is one address trying one username: a user locked out by somebody else's
# guesses from another address could otherwise never log in.
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tenants.auth.locked_out"
# Proxies in front of Arcadia (a TLS terminator: 1). Throttles and lockouts count the
# address the outermost proxy saw, never what a client wrote into X-Forwarded-For.
ARCADIA_PROXY_COUNT = int(os.environ.get("ARCADIA_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "tenants.auth.client_address"
AXES_VERBOSE = False

ROOT_URLCONF = "arcadia.urls"
WSGI_APPLICATION = "arcadia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "arcadia" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/arcadia"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
# The owning role, for `manage.py migrate` only (arcadia/db_roles.py, README "Database roles");
# web, worker and beat connect as DATABASE_URL's role, which owns nothing. Unset: migrate
# connects as DATABASE_URL too.
DATABASE_MIGRATE_URL = os.environ.get("DATABASE_MIGRATE_URL", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenants.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# The cache holds the API's throttle counters: in Redis, so every gunicorn worker (and
# every machine) counts one caller's requests together.
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "arcadia",
    }
}

# DigitalOcean. With no token the embedded simulator is the API (README, "The simulator").
SIMULATOR_TOKEN = "sim-token"
DO_USING_SIMULATOR = not os.environ.get("DO_API_TOKEN")
# The simulator's own commands (do_simulator, do_simulator_ctl) follow this too.
DO_API_BASE_URL = os.environ.get(
    "DO_API_BASE_URL", f"http://127.0.0.1:{os.environ.get('SIMULATOR_PORT', '8765')}"
)
DO_API_TOKEN = os.environ.get("DO_API_TOKEN") or SIMULATOR_TOKEN
DO_API_TIMEOUT_SECONDS = float(os.environ.get("DO_API_TIMEOUT_SECONDS", "10"))
DO_API_MAX_RETRIES = int(os.environ.get("DO_API_MAX_RETRIES", "5"))
DO_API_BACKOFF_BASE_SECONDS = float(os.environ.get("DO_API_BACKOFF_BASE_SECONDS", "0.5"))
# DO's limits per token (description.yml, "Rate Limit"): every process using a token shares
# one limiter in Redis (do_client/limiter.py) and keeps under both windows. Scale them for
# an account with other limits, or in tests.
DO_API_BURST_LIMIT = int(os.environ.get("DO_API_BURST_LIMIT", "250"))
DO_API_BURST_WINDOW_SECONDS = float(os.environ.get("DO_API_BURST_WINDOW_SECONDS", "60"))
DO_API_RATE_LIMIT = int(os.environ.get("DO_API_RATE_LIMIT", "5000"))
DO_API_RATE_WINDOW_SECONDS = float(os.environ.get("DO_API_RATE_WINDOW_SECONDS", "3600"))
# The share of each window kept for a purpose: no other purpose (a sync) may fill it. At
# DO's limits 10 and 5 requests a minute (200 and 100 an hour): a saga step or an invoice
# page never waits behind a sync, and a sync alone still fills 94% of each window.
DO_API_RESERVE = {"provisioning": 0.04, "billing": 0.02}
# A freed slot is reused this much later than DO frees it: requests reach DO a little
# after they take their slot.
DO_API_RATE_MARGIN_SECONDS = float(os.environ.get("DO_API_RATE_MARGIN_SECONDS", "1"))
DO_API_RATE_LIMIT_REDIS_URL = os.environ.get("DO_API_RATE_LIMIT_REDIS_URL", CACHE_URL)
# How often a droplet sync reads every backup policy in full; in between it carries the
# stored ones forward (inventory/kinds/backup_policies.py). A plan change shows this late.
INVENTORY_BACKUP_POLICIES_REFRESH_SECONDS = float(
    os.environ.get("INVENTORY_BACKUP_POLICIES_REFRESH_SECONDS", str(6 * 3600))
)
# Off: no shared limiter (DO's 429s and the client's retries only).
DO_API_PACING = os.environ.get("DO_API_PACING", "true").lower() not in ("0", "false", "no")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.auth.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per token/user, and per address for anonymous callers; a wrong token also counts
    # against its address (tenants.auth). Rates are "N/s|min|hour|day".
    "DEFAULT_THROTTLE_CLASSES": [
        "tenants.auth.AnonThrottle",
        "tenants.auth.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("ARCADIA_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("ARCADIA_THROTTLE_USER", "1200/min"),
        "failed_token": os.environ.get("ARCADIA_THROTTLE_FAILED_TOKEN", "20/min"),
    },
    # 0 is REMOTE_ADDR; None would take the whole X-Forwarded-For, which a client writes.
    "NUM_PROXIES": ARCADIA_PROXY_COUNT,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "arcadia.api.StrictFilterBackend",
        "arcadia.api.StrictSearchFilter",
        "arcadia.api.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "arcadia.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "arcadia.api.exception_handler",
    # JSON only, bounded in size and depth (arcadia.parsers); APIClient sends JSON too.
    "DEFAULT_PARSER_CLASSES": ["arcadia.parsers.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# API tokens (django-rest-knox): only a SHA-512 digest is stored, a token is shown once
# when it is issued, and it expires.
TOKEN_TTL_DAYS = int(os.environ.get("ARCADIA_TOKEN_TTL_DAYS", "30"))
if TOKEN_TTL_DAYS < 1:  # knox reads a lifetime of None as "never expires"; 0 as "expired"
    raise ImproperlyConfigured("ARCADIA_TOKEN_TTL_DAYS must be a whole number of days, 1 or more.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Arcadia API",
    "DESCRIPTION": "Inventory, drift, provisioning and billing on DigitalOcean.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Served from the sidecar package: the UI works with no CDN reachable.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "arcadia.api.canonical_paths",
        "arcadia.api.document_errors",
    ],
}

# Celery: one queue per DO token purpose.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# Routing by task name: each app's tasks run on its token purpose's queue.
CELERY_TASK_ROUTES = {
    "inventory.*": {"queue": "cloud_sync_full"},
    "drift.*": {"queue": "drift"},
    "provisioning.*": {"queue": "provisioning"},
    "billing.*": {"queue": "billing"},
    # Receivers' speed never holds up a sync, a sweep or an invoice run.
    "webhooks.*": {"queue": "webhooks"},
}

# `/metrics` (arcadia.metrics): Prometheus presents this as `Authorization: Bearer ...`;
# empty, only platform admins (API token or console session) may read it.
ARCADIA_METRICS_TOKEN = os.environ.get("ARCADIA_METRICS_TOKEN", "")

# JSON lines (arcadia.log_config; README, "Logs"); LOG_FORMAT=plain for a terminal.
LOGGING = logging_config(
    os.environ.get("LOG_LEVEL", "INFO"), os.environ.get("LOG_FORMAT", "json").strip().lower()
)
# Celery keeps its hands off the logging above (arcadia.celery connects `setup_logging`).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Errors to Sentry when SENTRY_DSN is set (arcadia.sentry: tokens scrubbed).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "")
SENTRY_TRACES_SAMPLE_RATE = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0"))
if SENTRY_DSN:
    init_sentry(SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces=SENTRY_TRACES_SAMPLE_RATE)
