"""Settings, read from the environment (django-environ).

DATABASE_URL  PostgreSQL (postgres://...) in production; an SQLite file by default.
SECRET_KEY    required unless DEBUG is on.
DEBUG         off unless set.
ALLOWED_HOSTS comma-separated.
EMAIL_URL     e.g. smtp+tls://user:pass@host:587; console by default.
MEDIA_ROOT    where built exports are stored (default storage); BASE_DIR/media by default.
HSTS_INCLUDE_SUBDOMAINS, HSTS_PRELOAD
              on by default; sent with HSTS, which BEHIND_TLS_PROXY switches on.
SESSION_IDLE_TIMEOUT_MINUTES  30 by default: a session unused this long ends.
SESSION_ABSOLUTE_HOURS        8 by default: a session ends this long after signing in.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: it is required when DEBUG is off.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SERVICE_NAME = env("SERVICE_NAME", default="Share safely")
ORGANISATION_NAME = env("ORGANISATION_NAME", default="Northshire Safeguarding Partnership")
GUIDANCE_CONTENT_DIR = Path(
    env("GUIDANCE_CONTENT_DIR", default=str(BASE_DIR / "guidance" / "content"))
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "pgtrigger",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "crispy_forms",
    "crispy_forms_gds",
    # Sign-in throttling and two-factor (before records, whose admin unregisters otp's).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "records",
    "decisions",
    "guidance",
    "exports",
    "insight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, taking the user read with the session (records/sessions.py).
    "records.sessions.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, with a cheaper read of the session's device.
    "records.mfa_middleware.DeviceMiddleware",
    # Managers, auditors and staff verify a second factor before any other page.
    "records.mfa_middleware.MFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 403s and 404s on a record's URLs, for signed-in users: one audit event each.
    "records.middleware.AccessDeniedAuditMiddleware",
    # Last, as django-axes asks: turns a locked sign-in into our lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.service",
            ],
            # {% url %} remembering constant names' URLs (config/template_urls.py).
            "builtins": ["config.template_urls"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Reliability: connections. Each process keeps its connection for CONN_MAX_AGE seconds (0
# opens one per request) and, with CONN_HEALTH_CHECKS, tests a kept one before reusing it, so
# after the database restarts the next request reconnects instead of failing on a dead one.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# PostgreSQL: the statements every page runs are prepared once per connection (records.rows).
# Off behind a pooler that shares server sessions between clients (pgbouncer in transaction
# mode), where a statement prepared on one session is not there on the next.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two writers (gunicorn workers, the export worker) on one SQLite file: a transaction takes
    # the write lock when it starts and waits up to 20 s for it, instead of failing with
    # "database is locked" when both try to upgrade a read lock; WAL lets reads go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "records.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# AxesStandaloneBackend refuses a locked username-and-IP pair before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with a cheaper read of the signed-in user (records/rows.py).
    "records.backends.UserBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Built exports (bulk ZIPs) are written here by the worker and served only through the app's
# download view, which checks who is asking: never put MEDIA_ROOT behind a public URL.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Background jobs (bulk exports): queued in the database, run by `manage.py db_worker`
# (django-tasks-db). Several workers may share the queue on PostgreSQL.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
CRISPY_GDS_FRONTEND_VERSION = "5.8.0"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@share-safely.invalid")
# The address e-mails link to (they carry a reference and a link, never personal details).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Working days (England and Wales) a manager has before an item is overdue.
APPROVAL_OVERDUE_WORKING_DAYS = env.int("APPROVAL_OVERDUE_WORKING_DAYS", default=1)
REVIEW_OVERDUE_WORKING_DAYS = env.int("REVIEW_OVERDUE_WORKING_DAYS", default=2)
# Years a submitted record is kept after its decision (retain-until), unless on legal hold;
# `manage.py apply_retention` then deletes it, leaving an audit event with its reference.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=6)
# Days a draft is kept after the day it was last changed; `apply_retention` then deletes it,
# leaving an audit event with its reference. 0 keeps drafts until submitted or discarded.
DRAFT_KEEP_DAYS = env.int("DRAFT_KEEP_DAYS", default=90)
# Management information (/insight/): beyond a single team, counts below this are shown as
# "fewer than N" and others rounded to a multiple of it (insight/suppression.py).
SMALL_NUMBER_THRESHOLD = env.int("SMALL_NUMBER_THRESHOLD", default=5)

# Django's database sessions, naming their user and device in columns read with them
# (records/sessions.py).
SESSION_ENGINE = "records.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
# Only for trying production settings on this machine over plain HTTP (README, "Deploying"):
# the session and CSRF cookies lose their secure-only flag, so browsers and scripts that keep
# secure cookies off plain HTTP can sign in. Refused behind a proxy or for another host.
INSECURE_LOCAL_HTTP = env.bool("INSECURE_LOCAL_HTTP", default=False)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
if INSECURE_LOCAL_HTTP and BEHIND_TLS_PROXY:
    raise ImproperlyConfigured(
        "INSECURE_LOCAL_HTTP is for a trial on this machine over plain HTTP: unset it when "
        "BEHIND_TLS_PROXY is on."
    )
if INSECURE_LOCAL_HTTP and not set(ALLOWED_HOSTS) <= set(LOOPBACK_HOSTS):
    raise ImproperlyConfigured(
        "INSECURE_LOCAL_HTTP is for a trial on this machine: ALLOWED_HOSTS may hold only "
        f"{', '.join(LOOPBACK_HOSTS)}."
    )
SESSION_COOKIE_SECURE = not DEBUG and not INSECURE_LOCAL_HTTP
CSRF_COOKIE_SECURE = not DEBUG and not INSECURE_LOCAL_HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # A liveness probe talks to gunicorn directly, over plain HTTP: no redirect for it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31536000

# Hardening: CSP, HSTS, sessions
# HSTS (sent only with BEHIND_TLS_PROXY) covers subdomains and asks for the browsers' preload
# list by default; set either to false if a subdomain must still answer over plain HTTP.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=True)
# Every page: scripts, styles, images, fonts and fetches only from this origin (charts are SVG
# images, some PDFs' images data: URLs); no inline script or style, no framing, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
INSTALLED_APPS += ["csp"]
# CSP outermost, so the error pages get it too; the session timeouts need the user and the
# messages; no-store is decided once the view has signed someone in or out.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "config.middleware.SessionTimeoutMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("config.middleware.SessionTimeoutMiddleware") + 1,
    "config.middleware.NoStoreMiddleware",
)
# A signed-in session ends after this many minutes without a request, and this many hours
# after signing in whatever happens (config/middleware.py; each is an audit event).
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=8)

# Hardening: sign-in throttling and two-factor
# django-axes locks one username from one address after AXES_FAILURE_LIMIT failures, for
# AXES_COOLOFF_MINUTES; a success resets the count, and failures during a lock do not extend
# it (the lock stays finite). Behind the TLS proxy the address is the last X-Forwarded-For entry
# (the one our proxy appended); otherwise REMOTE_ADDR (records.utils.client_ip).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "records.utils.client_ip"
AXES_USERNAME_CALLABLE = "records.utils.sign_in_username"  # at most 150 characters
AXES_LOCKOUT_CALLABLE = "records.throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner at start-up
# Successful sign-ins are already in the audit trail: no second log of them.
AXES_DISABLE_ACCESS_LOG = True
# Shown on the lockout page and the two-factor pages: whom to ask for help.
SIGN_IN_HELP_CONTACT = env(
    "SIGN_IN_HELP_CONTACT",
    default="your manager or the person who looks after this service in your organisation",
)
# Two-factor (django-otp, TOTP with single-use backup codes) for managers, auditors, staff and
# superusers: on unless DEBUG is on (the demo), or as REQUIRE_MFA says.
REQUIRE_MFA = env.bool("REQUIRE_MFA", default=not DEBUG)
OTP_TOTP_ISSUER = SERVICE_NAME
# Wrong codes wait 1, 2, 4, 8... seconds before the next try (per device).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs each step of every PDF at INFO: thousands of lines per bulk export.
    # django-axes logs every sign-in at INFO (masked, but a line each); locks are audit events.
    "loggers": {"weasyprint": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
