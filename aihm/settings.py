"""AIHM settings: one module, driven by the environment (see .env.example).

With no variables at all the product runs on embedded defaults: SQLite, a filesystem broker,
a local media folder, console email, the offline AI and telephony. `ENVIRONMENT=production`
turns on the production checks: it refuses to start with DEBUG on, an insecure secret, or on an
embedded default (SQLite, the in-process cache, console email, local media) that ALLOW_SINGLE_HOST
does not allow by name.
"""

import json
import re
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

ENVIRONMENT = env.str("ENVIRONMENT", default="development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DEBUG", default=False)
VAR_DIR = Path(env.str("AIHM_VAR_DIR", default=str(BASE_DIR / "var")))


def _development_secret(name):
    """A random secret kept in var/ so that development sessions survive a restart."""
    path = VAR_DIR / f"{name}.txt"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _is_insecure_secret(value):
    return not value or len(value) < 50 or len(set(value)) < 10 or "insecure" in value.lower() or value.startswith("change")


# Production never invents a secret: a missing one is refused below.
SECRET_KEY = env.str("SECRET_KEY", default="") or ("" if PRODUCTION else _development_secret("secret_key"))
JWT_SECRET_KEY = env.str("JWT_SECRET_KEY", default="") or ("" if PRODUCTION else _development_secret("jwt_secret_key"))

if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("DEBUG must be off in production")
    if _is_insecure_secret(env.str("SECRET_KEY", default="")):
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if _is_insecure_secret(env.str("JWT_SECRET_KEY", default="")):
        problems.append("JWT_SECRET_KEY must be set to a random value of at least 50 characters")
    elif JWT_SECRET_KEY == SECRET_KEY:
        problems.append("JWT_SECRET_KEY must differ from SECRET_KEY")
    if problems:
        raise ImproperlyConfigured("Refusing to start: " + "; ".join(problems))

def _origin_list(value):
    """Origins written comma-separated, or as a JSON list (the earlier implementation's form)."""
    value = value.strip()
    if value.startswith("["):
        try:
            origins = json.loads(value)
        except ValueError as error:
            raise ImproperlyConfigured(f"A list of origins is not valid JSON: {error}") from None
    else:
        origins = value.split(",")
    return [str(origin).strip() for origin in origins if str(origin).strip()]


ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
FRONTEND_URL = env.str("FRONTEND_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = _origin_list(env.str("CSRF_TRUSTED_ORIGINS", default="")) or [FRONTEND_URL]

INSTALLED_APPS = [
    "aihm",
    "accounts",
    "recruiting",
    "consent",
    "interviews",
    "analytics",
    "aihm.apps.StaffAdminConfig",  # django.contrib.admin with the audited staff site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "corsheaders",
    "django_celery_beat",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aihm.languages.LocaleMiddleware",  # the API answers in English unless Accept-Language asks otherwise
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aihm.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aihm.urls"
WSGI_APPLICATION = "aihm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aihm.context_processors.product",
            ],
        },
    },
]

# --- Database: the runtime role (no superuser, no BYPASSRLS) and the privileged owner ---
_SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _database(url):
    """A database URL as Django wants it. One written for SQLAlchemy (`postgresql+asyncpg://`,
    `postgresql+psycopg://`: the earlier implementation's form) names the same PostgreSQL server;
    asyncpg's `ssl=` option is libpq's `sslmode=`."""
    if re.match(r"postgres(ql)?\+\w+://", url):
        url = "postgres://" + url.split("://", 1)[1]
        url = re.sub(r"([?&])ssl=", r"\1sslmode=", url)
    return env.db_url_config(url)


_sqlite_url = f"sqlite:///{VAR_DIR / 'aihm.sqlite3'}"
_default_db = _database(env.str("DATABASE_URL", default=_sqlite_url))
_privileged_db = _database(env.str("DATABASE_PRIVILEGED_URL", default="") or env.str("DATABASE_URL", default=_sqlite_url))
POSTGRESQL_ENGINES = ("django.db.backends.postgresql", "aihm.database")
for _db in (_default_db, _privileged_db):
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        _db["OPTIONS"] = dict(_SQLITE_OPTIONS)
    else:
        # Connections are reused (checked before reuse); the tenant key never outlives its
        # request on one (aihm.tenancy.tenant_key_wrapper, tests/test_pooled_connections.py).
        _db.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
        _db["CONN_HEALTH_CHECKS"] = True
        # No JIT compilation: PostgreSQL compiles a query whose estimated cost passes
        # `jit_above_cost`, which cost the analytics overview 146 ms of compiling for 11 ms of
        # work at 2,400 candidates (EXPLAIN ANALYZE). The product runs short queries only.
        _options = _db.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
if _default_db["ENGINE"] == "django.db.backends.postgresql":
    _default_db["ENGINE"] = "aihm.database"  # the runtime role's connection keeps the RLS key in step
# Tests create and migrate the database as the owner (tests/conftest.py); SQLite has one file.
_privileged_db["TEST"] = {"MIRROR": "default"} if _privileged_db["ENGINE"] == "django.db.backends.sqlite3" else {}
DATABASES = {"default": _default_db, "privileged": _privileged_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, files, email ---
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # While Redis is unreachable the cache (throttle and rate-limit counters) counts in each
    # process's memory instead of failing requests: aihm/cache.py.
    CACHES = {"default": {
        "BACKEND": "aihm.cache.FallbackRedisCache", "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
# A request that queues work after its commit waits at most a few seconds for a broker that is
# away; the work is then left to the database sweepers (aihm.tasks.TenantTask.delay_on_commit).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # The database is the durable queue: re-send CV scorings whose message or worker was lost
    # (a dead worker's claim expires after recruiting.scoring.SCORING_LEASE).
    "recruiting-requeue-stale-scoring": {"task": "recruiting.requeue_stale_scoring", "schedule": 30.0},
    "consent-reminders": {"task": "consent.send_due_reminders", "schedule": crontab(minute=5)},
    "retention-purge": {"task": "consent.apply_retention_policies", "schedule": crontab(hour=2, minute=30)},
    # Due interviews are found in the database (never a far-future Celery eta), claimed, dialled.
    "interviews-dial-due": {"task": "interviews.dial_due_interviews", "schedule": 30.0},
    # Attempts stuck in a live state past the call's time limit (a killed worker, a lost callback).
    "interviews-reconcile-stuck": {"task": "interviews.reconcile_stuck_attempts", "schedule": 300.0},
    # The text message a few minutes before a call (CallPolicy.heads_up_sms).
    "interviews-heads-up": {"task": "interviews.send_due_heads_ups", "schedule": 60.0},
}

# Transcription stays off the default queue: a long answer must not hold up dials and webhooks.
# The dashboard home's figures, per company and period, are computed at most once in this many
# seconds (analytics.dashboard.company_figures); 0 computes them on every page.
ANALYTICS_CACHE_SECONDS = env.int("ANALYTICS_CACHE_SECONDS", default=60)

CELERY_TASK_ROUTES = {"interviews.transcribe_answer": {"queue": "transcription"}}

# faster-whisper (interviews/transcription.py). WHISPER_MODEL: a CTranslate2 model folder; empty
# means the bundled multilingual base, assembled under VAR_DIR/whisper/base.
WHISPER_MODEL = env.str("WHISPER_MODEL", default="")
WHISPER_DEVICE = env.str("WHISPER_DEVICE", default="auto")  # auto: cuda when a GPU is seen, else cpu
WHISPER_COMPUTE_TYPE = env.str("WHISPER_COMPUTE_TYPE", default="")  # empty: int8 on cpu, float16 on cuda
WHISPER_CPU_THREADS = env.int("WHISPER_CPU_THREADS", default=2)
# Chosen by bench/transcription.py (bench/README.md): beam 5 with the initial prompt (the question
# and the position's skills) gave the lowest error in both languages on phone audio (fr 19.1 % at
# beam 1 without it, 11.7 % with both; en 9.5 % -> 8.1 %), at about 1.5 times the time of beam 1.
WHISPER_BEAM_SIZE = env.int("WHISPER_BEAM_SIZE", default=5)
WHISPER_INITIAL_PROMPT_LANGUAGES = env.list("WHISPER_INITIAL_PROMPT_LANGUAGES", default=["fr", "en"])

S3_BUCKET = env.str("S3_BUCKET", default="")
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Only production collects static files (and WhiteNoise serves that folder); elsewhere they are
# served from static/ and the apps, and a STATIC_ROOT that does not exist warns on every start.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
if S3_BUCKET:
    _files = {
        "BACKEND": "aihm.storage.MediaS3Storage",  # django-storages' S3; a refused write is a 503
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            # S3_ENDPOINT: the earlier implementation's name.
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or env.str("S3_ENDPOINT", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("S3_SECRET_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    _files = {"BACKEND": "aihm.storage.LocalMediaStorage", "OPTIONS": {"location": str(MEDIA_ROOT)}}
STORAGES = {
    "default": _files,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_PERMISSIONS = 0o640
CV_MAX_BYTES = env.int("CV_MAX_BYTES", default=5 * 1024 * 1024)
CSV_MAX_BYTES = env.int("CSV_MAX_BYTES", default=2 * 1024 * 1024)
MAX_UPLOAD_BYTES = max(CV_MAX_BYTES, CSV_MAX_BYTES)
FILE_UPLOAD_HANDLERS = [
    "aihm.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DEFAULT_PHONE_REGION = env.str("DEFAULT_PHONE_REGION", default="MA")

RESEND_API_KEY = env.str("RESEND_API_KEY", default="")
EMAIL_FROM = env.str("EMAIL_FROM", default="AIHM <no-reply@aihm.localhost>")
DEFAULT_FROM_EMAIL = EMAIL_FROM
SERVER_EMAIL = EMAIL_FROM
if RESEND_API_KEY:
    EMAIL_BACKEND = "anymail.backends.resend.EmailBackend"
    ANYMAIL = {"RESEND_API_KEY": RESEND_API_KEY}
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

# --- Production runs on real services, unless a single-host install allows a part by name ---
SINGLE_HOST_PARTS = ("database", "cache", "email", "media")
_DEVELOPMENT_EMAIL_BACKENDS = ("console", "locmem", "filebased", "dummy")


def development_parts_in_use():
    """{part: what to set instead} for each embedded default these settings run on."""
    parts = {}
    if _default_db["ENGINE"] not in POSTGRESQL_ENGINES:
        parts["database"] = "the database is SQLite: set DATABASE_URL (and DATABASE_PRIVILEGED_URL) to PostgreSQL"
    if not REDIS_URL:
        parts["cache"] = "the cache and the broker are in-process and on the local disk: set REDIS_URL"
    if EMAIL_BACKEND.rsplit(".", 2)[-2] in _DEVELOPMENT_EMAIL_BACKENDS:
        parts["email"] = "email is not sent (console or file backend): set RESEND_API_KEY or an SMTP EMAIL_BACKEND"
    if not S3_BUCKET:
        parts["media"] = "files are kept in a local folder: set S3_BUCKET (and S3_*)"
    return parts


# "true" or "all" allows every part; otherwise the parts by name, comma-separated.
_allowed_parts = {part.strip().lower() for part in env.str("ALLOW_SINGLE_HOST", default="").split(",") if part.strip()}
if _allowed_parts & {"true", "all", "yes", "1"}:
    _allowed_parts = set(SINGLE_HOST_PARTS)
if _allowed_parts - set(SINGLE_HOST_PARTS):
    raise ImproperlyConfigured(
        f"ALLOW_SINGLE_HOST names unknown parts {sorted(_allowed_parts - set(SINGLE_HOST_PARTS))}; "
        f"use true, or some of: {', '.join(SINGLE_HOST_PARTS)}"
    )
if PRODUCTION:
    _refused = {part: fix for part, fix in development_parts_in_use().items() if part not in _allowed_parts}
    if _refused:
        raise ImproperlyConfigured(
            "Refusing to start in production on development parts: " + "; ".join(_refused.values())
            + f". On a single host, allow them explicitly with ALLOW_SINGLE_HOST={','.join(_refused)}"
        )

# --- Providers (used by later stages of the pipeline) ---
ANTHROPIC_API_KEY = env.str("ANTHROPIC_API_KEY", default="")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="")
AI_MODEL = env.str("AI_MODEL", default="claude-sonnet-4-6")
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS", default=60.0)
AI_MAX_RETRIES = env.int("AI_MAX_RETRIES", default=3)
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
# TWILIO_PHONE_NUMBER: the earlier implementation's name.
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="") or env.str("TWILIO_PHONE_NUMBER", default="")
# The public base URL Twilio calls the webhooks on (https, the public host, any path prefix):
# signatures are checked against it, never against the Host header. Default: FRONTEND_URL.
TWILIO_WEBHOOK_BASE_URL = env.str("TWILIO_WEBHOOK_BASE_URL", default="").rstrip("/") or FRONTEND_URL
# Twilio's REST API (a stub on 127.0.0.1 in the tests); empty = Twilio's own.
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")

# --- Interviews (interviews/): the dialler and the call ---
# Calls created per second through the provider's account (Twilio's default is 1).
CALLS_PER_SECOND = env.float("CALLS_PER_SECOND", default=1.0)
# With the simulator as the telephony, calling hours are computed and shown but do not hold a
# simulated call back (the demo works at any hour), unless this is on.
SIMULATED_CALLS_KEEP_CALLING_HOURS = env.bool("SIMULATED_CALLS_KEEP_CALLING_HOURS", default=False)
# How long the phone rings before the attempt counts as unanswered.
CALL_RING_SECONDS = env.int("CALL_RING_SECONDS", default=25)

# --- Consent (consent/): links, reminders, calling hours, the public pages' rate limit ---
CONSENT_TOKEN_DAYS = env.int("CONSENT_TOKEN_DAYS", default=14)
CONSENT_REMINDER_DAYS = (2, 5)
CONSENT_PAGE_RATE = env.str("THROTTLE_CONSENT_PAGE", default="30/min")
# Calls happen only inside these hours, in the candidate's time zone (0 = Monday).
CALLING_HOURS = {
    "days": env.list("CALLING_DAYS", cast=int, default=[0, 1, 2, 3, 4, 5]),
    "start": env.str("CALLING_HOURS_START", default="09:00"),
    "end": env.str("CALLING_HOURS_END", default="19:00"),
}

# --- Accounts, authentication, lockout ---
AUTH_USER_MODEL = "accounts.User"
# Emails are unique case-insensitively, by a functional constraint that this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_TIMEOUT_DAYS = 7

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Sign-up, sign-in and password-reset pages, per client IP (the API's auth routes use THROTTLE_AUTH).
AUTH_PAGE_RATE = env.str("THROTTLE_AUTH_PAGES", default="10/min")
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.security.login_identifier"
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# --- API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["aihm.api.TenantJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "aihm.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "aihm.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "aihm.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "aihm.api.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("THROTTLE_AUTH", default="20/min"),
        "public": env.str("THROTTLE_PUBLIC", default="30/min"),
        "user": env.str("THROTTLE_USER", default="600/min"),
    },
    "DEFAULT_THROTTLE_CLASSES": ["aihm.api.UserThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # An access token dies with the password it was issued under (not only the refresh token).
    "CHECK_REVOKE_TOKEN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AIHM API",
    "DESCRIPTION": "AI telephone pre-screening for recruiters.",
    "VERSION": "1.0.0",
    # 3.1: a nullable object is `oneOf: [{$ref}, {type: null}]`, which validators read as meant
    # (3.0's `allOf` + `nullable` is refused by strict ones such as openapi-core).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several choice sets share a field name (`language`, `status`): name each after its TextChoices.
    "ENUM_NAME_OVERRIDES": {
        "AccountLanguageEnum": "accounts.models.Language",
        "InterviewLanguageEnum": "recruiting.models.InterviewLanguage",
        "PositionStatusEnum": "recruiting.models.PositionStatus",
        "PipelineStatusEnum": "recruiting.models.PipelineStatus",
        "ScoringStatusEnum": "recruiting.models.ScoringStatus",
        "CandidateConsentStateEnum": "recruiting.models.ConsentState",
        "InterviewStateEnum": "interviews.models.InterviewState",
    },
}
# The OpenAPI schema and Swagger UI: on the embedded default (development), never in production.
API_DOCS_ENABLED = not PRODUCTION

CORS_ALLOWED_ORIGINS = _origin_list(env.str("CORS_ORIGINS", default=""))
CORS_URLS_REGEX = r"^/api/.*$"

# --- Security headers ---
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sessions are read from the cache (Redis) and written through to the database: a page request
# costs no query for its session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it
SESSION_COOKIE_AGE = 60 * 60 * 12
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_REDIRECT_EXEMPT = [r"^health$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}

# --- Internationalisation ---
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("ar", _("Arabic"))]
DASHBOARD_LANGUAGES = ("fr", "en")
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["aihm.formats"]  # English dates day first, on a 24-hour clock
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging: no personal data; request bodies are never logged ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Secret links (consent, invitation, password reset) never reach a log line: aihm.access_log.
    "filters": {
        "redact_secret_links": {"()": "aihm.access_log.RedactSecretLinks"},
        "refusals_without_traceback": {"()": "aihm.observability.RefusalsWithoutTraceback"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secret_links"]},
        # runserver's access log (manage.py run), as Django configures it, plus the redaction.
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["redact_secret_links"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # A 403 is an answer, not a fault: one line, without the traceback Django attaches.
        "django.request": {"filters": ["refusals_without_traceback"]},
        "django.security.DisallowedHost": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # The Twilio SDK logs every request line and its headers at INFO: phone numbers included.
        "twilio.http_client": {"level": "WARNING"},
    },
}

# --- Errors: Sentry when a DSN is given, never with personal data ---
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default=ENVIRONMENT)
if SENTRY_DSN:
    from aihm.observability import init_sentry

    init_sentry(SENTRY_DSN, SENTRY_ENVIRONMENT)
