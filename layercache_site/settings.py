"""LayerCache settings, all driven by the environment (see README "Configuration").

Readers in `env.py` fail loudly on malformed values. With no DATABASE_URL the entry points
start the embedded Postgres (see embedded_postgres.py) and export its URL before Django
configures itself; with no REDIS_URL reachable, `serve` sets LAYERCACHE_REDIS_URL="" and
the app runs degraded (in-memory channel layer, local cache, filesystem Celery broker).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from layercache_site.embedded_postgres import embedded_url
from layercache_site.env import (
    database_from_url,
    envbool,
    envint,
    envparsed,
    envpath,
    envsecret,
    envstr,
)
from proxy.verifier_spec import DEFAULT_VERIFIER, parse_verifier_spec

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", False)
LAYERCACHE_DATA_DIR = envpath("LAYERCACHE_DATA_DIR", BASE_DIR / ".data")


def _secret_key() -> str:
    key = envsecret("SECRET_KEY")
    if key:
        return key
    # Written once by the entry points (layercache_site.bootstrap) so that API-key hashes,
    # which are keyed with it, survive restarts of a local install.
    key_file = LAYERCACHE_DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if envstr("DATABASE_URL"):
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DATABASE_URL is")
    # A local install whose entry point has not written a key yet (e.g. the test suite):
    # a per-process key is safe because nothing hashed with it outlives the process.
    return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
# API keys are stored as HMAC-SHA256 under this key; rotate it only with all API keys.
LAYERCACHE_KEY_HASH_SECRET = envsecret("LAYERCACHE_KEY_HASH_SECRET") or SECRET_KEY

ALLOWED_HOSTS = [h.strip() for h in envstr("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in envstr("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "django_celery_beat",
    "channels",
    "proxy",
    "templates_registry",
    "semantic_cache",
    "analytics",
]

MIDDLEWARE = [
    "layercache_site.middleware.WireErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "layercache_site.urls"
ASGI_APPLICATION = "layercache_site.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "layercache_site" / "templates"],
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

# Without DATABASE_URL: the embedded Postgres under the data dir, which the entry points
# (manage.py, the test suite) start before connecting.
DATABASES = {"default": database_from_url(envstr("DATABASE_URL") or embedded_url(LAYERCACHE_DATA_DIR))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker, Channels layer, hot cache for auth/limits/single-flight.
# An empty value means "run degraded without Redis" (set by `serve` when none answers).
REDIS_URL = envstr("LAYERCACHE_REDIS_URL", envstr("REDIS_URL", "redis://127.0.0.1:6379/0"))

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: tasks are thin wrappers; the schedule lives in layercache_site/schedule.py.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
# The filesystem broker's folders (used without Redis); `serve` creates them before any
# worker starts, because kombu lists the queue folder without creating it.
LAYERCACHE_CELERY_QUEUE_DIR = LAYERCACHE_DATA_DIR / "celery-queue"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(LAYERCACHE_CELERY_QUEUE_DIR),
        "data_folder_out": str(LAYERCACHE_CELERY_QUEUE_DIR),
        "processed_folder": str(LAYERCACHE_CELERY_QUEUE_DIR / "processed"),
        "store_processed": False,
        # kombu's default is "control" relative to the working directory, i.e. the checkout.
        "control_folder": str(LAYERCACHE_CELERY_QUEUE_DIR / "control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 540, minimum=1)
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = LAYERCACHE_DATA_DIR / "static"
LOGIN_URL = "/admin/login/"

# LayerCache's own knobs.
LAYERCACHE_CONFIG = envpath("LAYERCACHE_CONFIG", BASE_DIR / "docs" / "layercache.example.yaml")
LAYERCACHE_MAX_BODY_BYTES = envint("LAYERCACHE_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024)
# Django refuses bodies above this itself; keep it in step so both limits agree.
DATA_UPLOAD_MAX_MEMORY_SIZE = LAYERCACHE_MAX_BODY_BYTES
# Exact answers kept in each gateway process for hits without SQL (semantic_cache/hot.py); 0 = off.
LAYERCACHE_HOT_CACHE_ENTRIES = envint("LAYERCACHE_HOT_CACHE_ENTRIES", 2000, minimum=0)
LAYERCACHE_EMBEDDING_MODEL = envstr("LAYERCACHE_EMBEDDING_MODEL", "sentence-transformers/all-MiniLM-L6-v2")
# The semantic cache's verifier chain (proxy/verifier_spec.py), for routes that name none.
LAYERCACHE_SEMANTIC_VERIFIER = envparsed("LAYERCACHE_SEMANTIC_VERIFIER", DEFAULT_VERIFIER, parse_verifier_spec)
LAYERCACHE_RECORD_FLUSH_SECONDS = float(envint("LAYERCACHE_RECORD_FLUSH_MS", 500, minimum=10)) / 1000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        # LiteLLM logs request bodies and headers at debug level; keep secrets out of logs.
        "LiteLLM": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
    },
}
