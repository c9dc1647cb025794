"""Settings for the benchmark site; the store under test comes from ``BENCH_STORE``.

``BENCH_STORE`` is one of ``memory``, ``session-db``, ``session-cache`` or ``cache``.
Redis-backed runs use database 11 on the local server, which the runner flushes before
and after each run. With a Redis store the rate limit counts in Redis as a production site's
would, but its limit (``BENCH_RATE_LIMIT``) is far above what the load generator, one
client address, can ask for, except in the refusal phases, which set it low on purpose.
"""

import os

STORE = os.environ.get("BENCH_STORE", "cache")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
USE_TZ = True
ROOT_URLCONF = "bench_site.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django_captcha_guard",
]

# The same stack as the incumbent's site, plus the bench-only answer header (see solver.py).
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "bench_site.solver.AnswerHeaderMiddleware",
]

# WAL and IMMEDIATE transactions keep two workers' writes from failing with "database is
# locked"; the incumbent's site uses the same options.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("BENCH_DB", "bench.sqlite3"),
        # Persistent connections, as a production gunicorn setup would have.
        "CONN_MAX_AGE": 600,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "bench_redis": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL},
}

STORES = {
    "memory": {"BACKEND": "memory", "OPTIONS": {}},
    "session-db": {"BACKEND": "session", "OPTIONS": {}},
    "session-cache": {"BACKEND": "session", "OPTIONS": {}},
    "cache": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "bench_redis"}},
}
if STORE == "session-cache":
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "bench_redis"

REDIS_STORES = {"cache", "session-cache"}
CAPTCHA_GUARD = {
    "STORE": STORES[STORE],
    # The stores without Redis have nothing to count in across workers: no limit there.
    "RATE_LIMIT": int(os.environ.get("BENCH_RATE_LIMIT", 10**9)) if STORE in REDIS_STORES else None,
    "RATE_LIMIT_CACHE": "bench_redis" if STORE in REDIS_STORES else "default",
}
# The runner serves the memory store with a single worker, the one setup it is meant for.
SILENCED_SYSTEM_CHECKS = ["captcha_guard.W021", "captcha_guard.W023"]  # W023: no limit on the stores without Redis

# Server errors go to gunicorn's stderr, so a failing phase shows why.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
