"""Settings of the test site, read from the environment that tests/servers.py sets.

- ``SITE_SECRET_KEY``: the test computes answers with the same key.
- ``SITE_DATABASE``: ``sqlite:///path/to/file`` or ``postgresql://host:port/name``.
- ``SITE_STORE``: ``database``, ``session``, ``cache`` (Redis) or ``memory``.
- ``SITE_STORE_DATABASE``: a second database for the database store alone (same URL form).
- ``SITE_SESSIONS``: ``db`` or ``cache`` (sessions in Redis).
- ``SITE_REDIS``: the Redis URL of the ``redis`` cache (cache store, cache sessions);
  ``SITE_CACHE_PREFIX``: the ``KEY_PREFIX`` of the Redis caches.
- ``SITE_RATE_LIMIT``: challenges per client and minute (empty: no limit);
  ``SITE_RATE_LIMIT_REDIS``: count them in Redis at that URL instead of in each process.
- ``SITE_ATOMIC``, ``SITE_DEBUG``: ``1`` switches ``ATOMIC_REQUESTS`` or ``DEBUG`` on;
  ``SITE_ENABLED=0`` sets ``CAPTCHA_GUARD["ENABLED"] = False``.
- ``SITE_COUNTER_REDIS``: where the acting views count what they did.
- ``SITE_PROGRESSIVE``: the ``PROGRESSIVE`` setting as JSON (empty: off).
- ``SITE_ASYNC_URLS=1``: ``captcha/`` from ``django_captcha_guard.urls_async`` (read by urls.py).
- ``SITE_COUNT_IN_STORE=1``: ``RATE_LIMIT_CACHE`` is the ``redis`` cache, as a production
  site on the cache store would count (issuing is then one round trip).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SECRET_KEY = os.environ["SITE_SECRET_KEY"]
DEBUG = os.environ.get("SITE_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1"]
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
ROOT_URLCONF = "tests.server_site.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"

INSTALLED_APPS = ["django.contrib.sessions", "django_captcha_guard"]

# No CsrfViewMiddleware: the tests post as scripts would, and CSRF is not under test here.
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_captcha_guard.middleware.CaptchaGuardMiddleware",
]


def database(url: str) -> dict[str, Any]:
    """A ``DATABASES`` entry from ``sqlite:///path`` or ``postgresql://host:port/name``.

    Django's defaults otherwise: ``CONN_MAX_AGE = 0`` opens a connection per request, so a
    database made read-only during a test is read-only for the next request.
    """
    parts = urlsplit(url)
    atomic = os.environ.get("SITE_ATOMIC") == "1"
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parts.path, "ATOMIC_REQUESTS": atomic}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": "postgres",
        "HOST": parts.hostname,
        "PORT": str(parts.port),
        "ATOMIC_REQUESTS": atomic,
        # A closed port must fail fast, not hang the request.
        "OPTIONS": {"connect_timeout": 2},
    }


DATABASES = {"default": database(os.environ["SITE_DATABASE"])}
if os.environ.get("SITE_STORE_DATABASE"):
    DATABASES["store"] = database(os.environ["SITE_STORE_DATABASE"])


def redis_cache(url: str, **options: Any) -> dict[str, Any]:
    # Short timeouts: a stopped server must answer the request quickly, with a 503.
    timeouts = {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2}
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        # The tests delete what the site left in the shared Redis by this prefix.
        "KEY_PREFIX": os.environ.get("SITE_CACHE_PREFIX", "server-site"),
        "OPTIONS": {**timeouts, **options},
    }


CACHES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": redis_cache(os.environ.get("SITE_REDIS", "redis://127.0.0.1:6379/12")),
}
if os.environ.get("SITE_RATE_LIMIT_REDIS"):
    # IGNORE_EXCEPTIONS, as a project does for a cache it can live without: the counter must
    # still fail closed (it once turned the None this returns into a TypeError and a 500).
    CACHES["counter"] = redis_cache(os.environ["SITE_RATE_LIMIT_REDIS"], IGNORE_EXCEPTIONS=True)

if os.environ.get("SITE_SESSIONS") == "cache":
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "redis"

STORES: dict[str, dict[str, Any]] = {
    "database": {"BACKEND": "database", "OPTIONS": {"USING": "store" if "store" in DATABASES else "default"}},
    "session": {"BACKEND": "session"},
    "cache": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "redis"}},
    "memory": {"BACKEND": "memory"},
}
CAPTCHA_GUARD: dict[str, Any] = {
    "STORE": STORES[os.environ.get("SITE_STORE", "database")],
    "RATE_LIMIT": int(os.environ["SITE_RATE_LIMIT"]) if os.environ.get("SITE_RATE_LIMIT") else None,
    "RATE_LIMIT_CACHE": (
        "redis" if os.environ.get("SITE_COUNT_IN_STORE") == "1" else "counter" if "counter" in CACHES else "default"
    ),
    "PROTECTED_ROUTES": ["/route/*"],
}
if os.environ.get("SITE_PROGRESSIVE"):
    CAPTCHA_GUARD["PROGRESSIVE"] = json.loads(os.environ["SITE_PROGRESSIVE"])
if os.environ.get("SITE_ENABLED") == "0":
    CAPTCHA_GUARD["ENABLED"] = False

COUNTER_REDIS = os.environ.get("SITE_COUNTER_REDIS", "redis://127.0.0.1:6379/12")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}

# The tests read the server's log: the app's errors and every 5xx, with the logger's name.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"named": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "named"}},
    "loggers": {
        "django_captcha_guard": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
