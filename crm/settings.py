"""Settings, read from the environment.

DATABASE_URL          database (default: SQLite file db.sqlite3 in the project folder)
DJANGO_SECRET_KEY     required when debug is off
DJANGO_DEBUG          "true" for development (default off)
DJANGO_ALLOWED_HOSTS  comma-separated host names (default: localhost names)
DJANGO_SECURE_SSL_REDIRECT, DJANGO_HSTS_SECONDS, DJANGO_HSTS_PRELOAD
                      HTTPS settings when debug is off (defaults: on, one year, off)
DJANGO_CSRF_TRUSTED_ORIGINS
                      comma-separated origins (https://crm.example.com) a proxy
                      in front may present
DJANGO_CONN_MAX_AGE   seconds a database connection is kept (default 600)
DJANGO_PGBOUNCER      "true" behind PgBouncer in transaction mode (no
                      server-side cursors)
DJANGO_LOG_LEVEL      the log level (default INFO)
DJANGO_LOG_STREAM     "stdout" to log there (the production server does), else
                      standard error
DJANGO_SIGNIN_ADDRESS_LIMIT
                      failed sign-ins from one address that pause it (30)
DJANGO_PROXY_COUNT    proxies in front that set X-Forwarded-For (default 0)
DJANGO_API_RATE       API requests per token (default 600/minute)
DJANGO_LEAD_SALESPERSON
                      salesperson code for incoming leads whose company names none
DJANGO_HTTPS          "false" to serve plain HTTP on 127.0.0.1 (load tests, trials)
CRM_IMPORT_UPLOAD_DIR the import page's private folder for uploads (default:
                      crm-imports in the system's temporary folder)
CRM_IMPORT_MAX_LINES, CRM_IMPORT_MAX_BYTES
                      the largest file the import page takes (20000 data lines,
                      10 MB); larger ones go through import_data
"""

import datetime
import importlib.util
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DJANGO_DEBUG=true for development."
        )
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get(
        "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]"
    ).split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "bootstrap",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crm",
    "contacts",
    "salescycles",
    "opportunities",
    "api",
]
# The development tooling (crm/devtools/) is left out of the built package, so
# a production install runs without it and without the test extra it needs.
if importlib.util.find_spec("crm.devtools") is not None:
    INSTALLED_APPS.append("crm.devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself, compressed and cached for a year.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crm.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend with permissions cached a minute (crm/permissions.py).
    "crm.permissions.CachedPermissionsBackend",
]
# Per process: nothing the app keeps there must outlive a restart or be
# shared between servers (the permissions cache is bounded to a minute).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

ROOT_URLCONF = "crm.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% number_url %} on every page that links a number.
            "builtins": ["crm.templatetags.numbers"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Widgets may use the project's templates (e.g. the contact picker).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "crm.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections, checked before each request reuses one.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", 600)),
        conn_health_checks=True,
    )
}
if os.environ.get("DJANGO_PGBOUNCER", "").lower() == "true":
    # A server-side cursor lives across transactions, which transaction
    # pooling hands to different server connections.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
SILENCED_SYSTEM_CHECKS = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # An index's included columns (the list's totals on PostgreSQL) are left
    # out on SQLite, which has none: the index still serves its key columns.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The language when the browser asks for none we have, and of the commands.
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fi", _("Finnish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Helsinki")
USE_I18N = True
USE_TZ = True
# Numbers shown and typed the local way: 1 234,50 in Finnish, 1,234.50 in English.
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["crm.formats"]
# The browser's language unless the user picked one; the pick lasts a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
# ISO 4217 code of the currency all amounts are in.
CRM_CURRENCY = os.environ.get("CRM_CURRENCY", "EUR")

# The import page in the admin (crm/import_pages.py). Uploads wait between the
# dry run and the confirm in a private folder (never under static or media
# files; removed after a day); larger files go through `manage.py import_data`.
CRM_IMPORT_UPLOAD_DIR = Path(
    os.environ.get("CRM_IMPORT_UPLOAD_DIR", "")
    or Path(tempfile.gettempdir()) / "crm-imports"
)
CRM_IMPORT_MAX_LINES = int(os.environ.get("CRM_IMPORT_MAX_LINES", 20_000))
CRM_IMPORT_MAX_BYTES = int(os.environ.get("CRM_IMPORT_MAX_BYTES", 10 * 1024 * 1024))

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cached for ever) and gzip/brotli copies, by collectstatic.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# One line per record, for the service manager: on standard output under the
# production server (crm/gunicorn.conf.py sets DJANGO_LOG_STREAM=stdout), on
# standard error elsewhere, so that a command's own output (export_data to
# standard output) holds nothing else.
LOG_STREAM = "stdout" if os.environ.get("DJANGO_LOG_STREAM") == "stdout" else "stderr"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": f"ext://sys.{LOG_STREAM}",
            "formatter": "line",
        }
    },
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}

# Sign-in throttling (django-axes): five failures for a username from one
# address lock that pair out for 15 minutes; a success resets the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# And any usernames from one address: this many failures within the cool-off
# pause signing in from it (crm/signin.py); an office behind one address
# shares the allowance.
SIGNIN_FAILURES_PER_ADDRESS = int(os.environ.get("DJANGO_SIGNIN_ADDRESS_LIMIT", 30))
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no banner at every start; failures and lockouts still log
# The client's address: behind DJANGO_PROXY_COUNT proxies, from their
# X-Forwarded-For; otherwise the connection's (a forged header is ignored).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", 0)) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    if AXES_IPWARE_PROXY_COUNT
    else ["REMOTE_ADDR"]
)

# The API (/api/v1/, api/): personal tokens or the session, the same scope
# rules as the pages, a rate per token, services' refusals as 400/409.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("DJANGO_API_RATE", "600/minute")
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.handle",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "Opportunities, their sales cycles and history, contacts, "
    "tasks and interactions, and incoming leads. Sign in with a personal token: "
    "Authorization: Bearer crm_...",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a "type" or "status": each choice set its own name.
    "ENUM_NAME_OVERRIDES": {
        "ContactTypeEnum": "contacts.models.ContactType",
        "CloseReasonTypeEnum": "opportunities.choices.CloseReasonType",
        "OpportunityStatusEnum": "opportunities.choices.Status",
        "TaskStatusEnum": "opportunities.choices.TaskStatus",
        "TaskTypeEnum": "salescycles.models.ActivityStepType",
    },
}
# The salesperson (code) an incoming lead goes to when its company names none.
CRM_LEAD_SALESPERSON = os.environ.get("DJANGO_LEAD_SALESPERSON", "")

# Content Security Policy (django-csp): only the app's own scripts, styles,
# images and requests; no inline script or style anywhere, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: pages carry the token themselves.
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Served over HTTPS (a TLS-terminating proxy in front) unless DJANGO_HTTPS is
# false, which is for trying the production server on 127.0.0.1 only.
if not DEBUG and env_bool("DJANGO_HTTPS", True):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment for the whole domain, made by its owner
        # with DJANGO_HSTS_PRELOAD, not a default of ours.
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# E-mail (the daily task reminders, send_reminders): printed to the console
# unless an SMTP server is named.
if os.environ.get("DJANGO_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["DJANGO_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", 587))
    EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_TLS", "true").lower() == "true"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "crm@localhost")
