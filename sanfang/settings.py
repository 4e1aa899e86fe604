"""One settings file, driven by the environment, failing loudly (DESIGN habit 12)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("SANFANG_VAR", PROJECT_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, not {value!r}")


def secret(name: str) -> str:
    """A secret from the environment, else from the file ``var/<name>`` (``make demo`` writes
    both keys there once, so every command on this checkout agrees on them)."""
    value = os.environ.get(name, "")
    key_file = VAR_DIR / name.lower()
    if not value and key_file.is_file():
        value = key_file.read_text().strip()
    return value


DEBUG = envbool("DEBUG", False)
SECRET_KEY = secret("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key"
    else:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (environment or var/secret_key)")

# ID numbers are stored as a keyed hash. The key must never change once people are recorded
# (every match would fail), so it is its own setting and rotating SECRET_KEY can't touch it.
PERSON_ID_KEY = secret("PERSON_ID_KEY")
if not PERSON_ID_KEY:
    if DEBUG or envbool("SANFANG_TESTING", False):
        PERSON_ID_KEY = "insecure-development-person-key"
    else:
        raise ImproperlyConfigured(
            "PERSON_ID_KEY is required when DEBUG is off (the key of the ID-number hash; environment or var/person_id_key)"
        )

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "sanfang.core",
    "sanfang.places",
    "sanfang.orgs",
    "sanfang.accounts",
    "sanfang.registry",
    "sanfang.tickets",
    "sanfang.voting",
    "sanfang.meetings",
    "sanfang.demo",
    "sanfang.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The live progress read of a poll with a bearer token, answered from the cached snapshot
    # before the rest of the stack (WORKLOADS: ≥ 2,000 reads/s); anything else passes on.
    "sanfang.voting.middleware.LiveProgressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sanfang.core.middleware.RefuseNulMiddleware",
    "sanfang.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sanfang.urls"
WSGI_APPLICATION = "sanfang.wsgi.application"

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
                "sanfang.accounts.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sanfang.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
# The hottest reads run as statements prepared once per connection (accounts.models.
# prepared_rows); off behind a pooler that shares server connections between clients
# (PgBouncer in transaction mode), where a statement prepared on one may be missing on another.
PREPARED_STATEMENTS = envbool("PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo server and a management command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["sanfang.accounts.backends.UsernameOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Lock-out after repeated failures (accounts.backends).
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not envbool("SANFANG_TESTING", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG or envbool("SANFANG_TESTING", False)

# The registry workbook upload; a 100,000-unit district is ~6 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
REGISTRY_UPLOAD_MAX_BYTES = int(os.environ.get("REGISTRY_UPLOAD_MAX_BYTES", str(60 * 1024 * 1024)))
REGISTRY_BULK_FK_THRESHOLD = int(os.environ.get("REGISTRY_BULK_FK_THRESHOLD", "100000"))  # registry/bulk.py

# API lists: a page holds at most this many rows (django-ninja's LimitOffsetPagination).
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_PER_PAGE = 50

# Cases: who sends notifications by email or SMS (tickets.notify), and the size of a photo.
TICKET_SENDER = os.environ.get("TICKET_SENDER", "sanfang.tickets.notify.ConsoleSender")
TICKET_ATTACHMENT_MAX_BYTES = int(os.environ.get("TICKET_ATTACHMENT_MAX_BYTES", str(8 * 1024 * 1024)))

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # The console sender's messages (phone codes, notifications) are the demo's SMS gateway.
    "loggers": {"sanfang.notify": {"level": os.environ.get("NOTIFY_LOG_LEVEL", "INFO")}},
}
