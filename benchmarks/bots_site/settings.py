"""Our site under the bot benchmark (``python -m benchmarks.bots``): the benchmark site plus the cost layers.

``BOTS_LAYERS`` is a comma-separated list of ``progressive``, ``pow`` and ``subject``;
empty means the package's defaults (``RATE_LIMIT`` 60 a minute per address, the database
store). The counters live in Redis, as they must with two worker processes.
"""

import os

from bench_site.settings import *  # noqa: F403 (the same stack as the other benchmarks)
from bench_site.settings import CACHES, REDIS_URL

LAYERS = set(filter(None, os.environ.get("BOTS_LAYERS", "").split(",")))
# A key and a counter prefix of each run: no count carries over from another site or run.
SECRET_KEY = os.environ.get("BOTS_SECRET_KEY", "bench-only-not-secret")

ROOT_URLCONF = "bots_site.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.sessions", "django_captcha_guard", "bots_site"]
CACHES = {
    **CACHES,
    "counters": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("BOTS_PREFIX", "bots"),
    },
}
STATIC_URL = "/static/"
CAPTCHA_GUARD = {"RATE_LIMIT_CACHE": "counters", "RATE_LIMIT": 60}
if "progressive" in LAYERS:
    CAPTCHA_GUARD["PROGRESSIVE"] = {"sms": {"THRESHOLD": 3, "WINDOW": 900, "SUBJECT": "mobile"}}
if "pow" in LAYERS:
    CAPTCHA_GUARD["PROOF_OF_WORK"] = True
PER_SUBJECT = ("mobile", "1/m") if "subject" in LAYERS else None
SILENCED_SYSTEM_CHECKS: list[str] = []
