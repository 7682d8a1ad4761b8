"""Settings, read from the environment (django-environ).

DATABASE_URL  PostgreSQL (postgres://...) in production; an SQLite file by default.
SECRET_KEY    required unless DEBUG is on.
DEBUG         off unless set.
ALLOWED_HOSTS comma-separated.
EMAIL_URL     e.g. smtp+tls://user:pass@host:587; console by default.
MEDIA_ROOT    where built exports are stored (default storage); BASE_DIR/media by default.
"""

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
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 403s and 404s on a record's URLs, for signed-in users: one audit event each.
    "records.middleware.AccessDeniedAuditMiddleware",
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
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "records.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
# Management information (/insight/): beyond a single team, counts below this are shown as
# "fewer than N" and others rounded to a multiple of it (insight/suppression.py).
SMALL_NUMBER_THRESHOLD = env.int("SMALL_NUMBER_THRESHOLD", default=5)

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs each step of every PDF at INFO: thousands of lines per bulk export.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}
