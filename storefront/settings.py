"""Settings for every environment, read from environment variables.

`.env.example` lists the variables. Production defaults are the safe ones: DEBUG is off and
cookies are HTTPS-only unless the environment says otherwise. Tests override a few values in
`storefront/settings_test.py` and nothing else.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_count(name: str, default: int, *, why: str, least: int = 1) -> int:
    """A whole number of at least `least` (ASCII digits: "²" passes str.isdigit but not int())."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]+", raw) or int(raw) < least:
        raise ImproperlyConfigured(f"{name}={raw!r} must be a whole number of at least {least} ({why}).")
    return int(raw)


# PostgreSQL's timeouts are whole milliseconds up to 2**31 - 1 (about 24.8 days).
POSTGRES_MOST_TIMEOUT_SECONDS = (2**31 - 1) / 1000


def env_timeout(name: str, default: float) -> float:
    """Seconds for a PostgreSQL timeout: 0 (none), or from 1 ms (what it counts in; less rounds to
    0, no limit at all) to POSTGRES_MOST_TIMEOUT_SECONDS (more is refused, so every connection would
    fail)."""
    most = POSTGRES_MOST_TIMEOUT_SECONDS
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (seconds == 0 or 0.001 <= seconds <= most):  # NaN fails both
        raise ImproperlyConfigured(
            f"{name}={raw!r} must be 0 (no limit) or a number of seconds from 0.001 to {most:g}."
        )
    return seconds


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# The value .env.example shows is public: a copy of the example left unedited must not sign the
# shop's cookies with it (check --deploy only warns, and only when someone runs it).
EXAMPLE_SECRET_KEY = "change-me-to-50-random-characters"  # noqa: S105 (the placeholder refused below)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if SECRET_KEY == EXAMPLE_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is still the placeholder from .env.example. Set it to 50 or more random characters, "
        "e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
if not SECRET_KEY:
    if not DEBUG and not env_bool("ALLOW_INSECURE_SECRET_KEY", False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (see .env.example); "
            "`make demo` and `make test` set a throwaway one for you."
        )
    # Public, so named as Django's own throwaway keys are: check --deploy then refuses it (W009),
    # where it passed this key, and a deploy run with the demo's environment went unnoticed.
    SECRET_KEY = "django-insecure-development-key-" + "x" * 40

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
# Set when a reverse proxy of ours (nginx, a load balancer) terminates TLS in front of the app: its
# X-Forwarded-Proto and the client address it appended to X-Forwarded-For (NUM_PROXIES below) are
# then trusted.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
# How many proxies of ours each request passes, each appending the address it saw to
# X-Forwarded-For: a load balancer in front of nginx on each web machine is 2. The client is the
# address the farthest of them appended; counted from the end at 1, every shopper would be the load
# balancer, sharing one count in every limit.
if os.environ.get("NUM_PROXIES") and not BEHIND_PROXY:
    raise ImproperlyConfigured("NUM_PROXIES is read only behind proxies of ours: set BEHIND_PROXY=1 too.")
NUM_PROXIES = env_count("NUM_PROXIES", 1, why="proxies in front of the app") if BEHIND_PROXY else 0
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "storefront.csrf_failure.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "catalog",
    "accounts",
    "recommendations",
    "workers",
]

MIDDLEWARE = [
    # First, so that it takes the body off the finished answer to a HEAD request.
    "storefront.head_requests.EmptyHeadBodies",
    "django.middleware.security.SecurityMiddleware",
    "storefront.content_security.ContentSecurityPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 400 for %00 in an address: PostgreSQL text cannot hold NUL, and no view should meet one.
    "storefront.api_errors.RejectNulCharacters",
    # 503 "busy, try again" for a web request that gave up waiting for a lock (storefront.db_locks).
    "storefront.db_locks.AnswerBusyWhenLocked",
    # 503 "try again in a minute" for a request that could not reach PostgreSQL, not a 500.
    "storefront.database_unavailable.AnswerUnavailableWithoutDatabase",
    # The 500 page, and one log line naming the timeout, for a query the statement timeout ended.
    "storefront.web_connections.LogStatementTimeouts",
    # No shared cache keeps an answer that sets a cookie (a visitor's CSRF token, a session).
    "storefront.private_responses.PrivateWhenSettingCookies",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # No cache keeps an answer to a signed-in caller: it may hold their own data.
    "storefront.private_responses.NeverCacheSignedIn",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "storefront.urls"
WSGI_APPLICATION = "storefront.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "catalog.context_processors.navigation",
            ],
        },
    },
]

# Postgres in every real deployment and in tests; a SQLite file only for the zero-setup demo.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection the server dropped (a restart, a failover) is replaced before a
        # request's, a task's or a finished training's first query, instead of failing it.
        conn_health_checks=True,
    )
}
# A database host that answers nothing (a failover under way, a firewall dropping packets) held
# each new connection, and with it a request, a task or gunicorn's start, for the system's TCP
# timeout (about two minutes). libpq gives up after this many seconds instead (2 at the least; 0
# waits as long as the system does); a connect_timeout in DATABASE_URL wins.
DATABASE_CONNECT_TIMEOUT_SECONDS = env_count(
    "DATABASE_CONNECT_TIMEOUT_SECONDS",
    10,
    why="seconds to wait for PostgreSQL to accept a connection, 0 for the system's own limit",
    least=0,
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_CONNECT_TIMEOUT_SECONDS:
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT_SECONDS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    # A new password longer than any login takes. validate_password runs every validator and
    # hashes nothing (nor does a form that fails it save one): first only so its message is first.
    {"NAME": "accounts.password_lengths.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "catalog:home"
# Failed logins allowed per client address and per username within the window, after which every
# login there is refused until the window ends (accounts/login_limits.py).
AUTHENTICATION_BACKENDS = [
    "accounts.login_limits.LoginLimitBackend",
    # Only for sessions begun before the limit existed (they name this backend): the first one
    # ends every login attempt itself, so this one never checks a password.
    "django.contrib.auth.backends.ModelBackend",
]
# How long a web request waits for a database lock (one an import holds) before answering 503;
# 0 waits for ever (the range: env_timeout).
WEB_LOCK_TIMEOUT_SECONDS = env_timeout("WEB_LOCK_TIMEOUT_SECONDS", 5.0)
# How long one query of a web request may run before PostgreSQL cancels it (the request answers
# 500); 0 turns it off. Nothing else frees a gthread worker's thread that waits on a query: gunicorn's
# timeout watches the worker's main loop, which goes on beating meanwhile.
WEB_STATEMENT_TIMEOUT_SECONDS = env_timeout("WEB_STATEMENT_TIMEOUT_SECONDS", 30)
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_FAILURES_PER_USERNAME = int(os.environ.get("LOGIN_FAILURES_PER_USERNAME", "10"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", str(15 * 60)))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# In production a web server or object storage serves MEDIA_ROOT; the demo lets Django do it.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
# How long a replaced or deleted article's photo files stay on disk before housekeeping removes
# them (catalog.retired_photos): pages, caches and apps that fetched the old addresses just before
# go on showing them for a while. A day covers the shop's own caches (minutes) and a browser's
# cached page (a session). 0: removed by the next sweep.
RETIRED_PHOTOS_GRACE_SECONDS = env_count(
    "RETIRED_PHOTOS_GRACE_SECONDS", 24 * 3600, why="seconds a replaced photo stays on disk", least=0
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Trained model artifacts (see recommendations/artifacts.py). A shared volume in production.
ARTIFACTS_ROOT = Path(os.environ.get("ARTIFACTS_ROOT", BASE_DIR / "var" / "artifacts"))
# Published versions kept per kind besides the active one, so that staff can roll back.
ARTIFACTS_KEEP = int(os.environ.get("ARTIFACTS_KEEP", "5"))
# Loading verifies every file's sha256 against the manifest (about 1 s per GB, once per version).
ARTIFACTS_VERIFY_CHECKSUMS = env_bool("ARTIFACTS_VERIFY_CHECKSUMS", True)
# Model kinds beyond recommendations.registry.KIND_MODULES (module paths defining KIND).
EXTRA_KIND_MODULES = env_list("EXTRA_KIND_MODULES", "")
# Web processes check which version is active at most this often (one cache read), and ask the
# database at most this often: when Redis is down or absent, or its key is gone (recommendations/serving.py).
SERVING_VERSION_CHECK_SECONDS = float(os.environ.get("SERVING_VERSION_CHECK_SECONDS", "2"))
SERVING_DB_FALLBACK_SECONDS = float(os.environ.get("SERVING_DB_FALLBACK_SECONDS", "2"))
# A running training run refreshes its heartbeat this often; one silent for TRAINING_STALE_SECONDS
# is taken for a killed worker and failed, which releases the lock on its kind.
TRAINING_HEARTBEAT_SECONDS = float(os.environ.get("TRAINING_HEARTBEAT_SECONDS", "10"))
TRAINING_STALE_SECONDS = float(os.environ.get("TRAINING_STALE_SECONDS", "60"))
# A run still queued after this long (no worker consumed it) is failed so its kind can train again.
TRAINING_QUEUED_TIMEOUT_SECONDS = float(os.environ.get("TRAINING_QUEUED_TIMEOUT_SECONDS", str(24 * 3600)))
# ... and after this long (queued, or waiting between its steps) when no worker is executing a
# training step and none ended a run in that time: no worker is busy, so none is running at all. An
# idle worker takes a run within seconds; 15 minutes covers a worker restarting during a deploy.
# The day above is for runs waiting behind a busy worker.
TRAINING_UNCLAIMED_SECONDS = float(os.environ.get("TRAINING_UNCLAIMED_SECONDS", str(15 * 60)))
# Celery time limits (workers/celery.py): a training run's finishing step and one chunk.
TRAINING_SOFT_TIME_LIMIT = int(os.environ.get("TRAINING_SOFT_TIME_LIMIT", str(6 * 3600)))
TRAINING_CHUNK_SOFT_TIME_LIMIT = int(os.environ.get("TRAINING_CHUNK_SOFT_TIME_LIMIT", str(30 * 60)))

# Redis is the Celery broker and the cache; without it tasks run in-process (the demo).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "storefront.cache_backends.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # Fail fast when Redis is unreachable: pages fall back instead of hanging on the cache.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL

# Content encoders (recommendations/encoders): "bundled" works offline; "clip" needs CLIP_MODEL.
CONTENT_ENCODER = os.environ.get("CONTENT_ENCODER", "bundled")
CLIP_MODEL = os.environ.get("CLIP_MODEL", "")
# The storefront's search blends in text-to-photo matches through this function (catalog never
# imports recommendations); empty turns the blend off.
SEARCH_SEMANTIC_MATCHES = os.environ.get(
    "SEARCH_SEMANTIC_MATCHES", "recommendations.content.search.semantic_matches"
)

# Uploads ("shop the look"): 10 MB is more than any phone photo needs.
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# A form's fields, files aside (Django counts an uploaded photo against the limit above, never this
# one): Django's default, 2.5 MB. Sized after the photo limit it was 11 MB, which let a login carry a
# 5 MB password to be parsed and checked (accounts/password_lengths.py refuses one unhashed).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024 // 2
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
# Photo searches one web process runs at once (recommendations/content/photo_search_slots.py); more
# are refused with 503 and Retry-After. Half of gunicorn's threads by default (WEB_THREADS, 4: set
# the threads with it, not with gunicorn's --threads, or this default will not follow), so that
# searching photos never takes more than half of them; uploads still arriving hold a thread each
# without a slot.
PHOTO_SEARCHES_PER_PROCESS = env_count(
    "PHOTO_SEARCHES_PER_PROCESS",
    max(1, int(os.environ.get("WEB_THREADS", "4")) // 2),
    why="0 would refuse every photo search",
)

REST_FRAMEWORK = {
    # Token first: an anonymous request then gets 401 with `WWW-Authenticate: Token` (DRF takes the
    # header from the first class; session authentication has none, and the answer would be 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "storefront.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "storefront.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "storefront.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    # Client IPs for throttling come from REMOTE_ADDR, or behind our proxies from the address the
    # farthest appended to X-Forwarded-For; unset, DRF would trust whatever X-Forwarded-For a client
    # sends.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "search_user": os.environ.get("SEARCH_THROTTLE_USER", "120/min"),
        "search_anon": os.environ.get("SEARCH_THROTTLE_ANON", "60/min"),
        "signup": os.environ.get("SIGNUP_THROTTLE", "20/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Storefront API",
    "DESCRIPTION": (
        "Catalogue, customers, recommendations and content search.\n\n"
        "Query parameters: an empty value (`?kind=`) is the same as leaving the parameter out, as "
        "HTML forms send their empty fields. Any other value a parameter does not accept (one "
        "outside its `enum`, below its `minimum` or above its `maximum`, not a whole number) is a "
        "400 whose body names the parameter and says what it accepts; nothing is silently cut to "
        "fit. A `page` that is not a whole number, below 1 or past the last page is a 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# HTTPS hardening: on unless the environment turns it off (the local demo serves plain HTTP).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# A load balancer probes its targets over plain HTTP: a redirect to HTTPS is not the 200 it wants.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"refused_requests": {"()": "storefront.log_filters.RefusedRequestsWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["refused_requests"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
