"""Store benchmark, run by hand: operations per second and bytes per outstanding challenge.

    python -m benchmarks.stores [--sizes 1000,10000,100000] [--ops 2000] [--stores memory,cache-django-redis]

For each store and each number of outstanding challenges it fills the store, then times
``--ops`` rounds of ``core.issue`` + ``core.verify`` (the right answer, so every round is
a full success path; drawing the answer is not timed). Session stores also load and save
the visitor's session around each call, as two real requests would. At the largest size it
reports bytes per outstanding challenge: Redis ``INFO memory`` ``used_memory`` delta (and a
``MEMORY USAGE`` sample) on a private ``redis-server`` started for the run, so nothing else
shares it; process RSS and tracemalloc deltas for the memory store, measured in a fresh
subprocess; the stored session data for database sessions. Figures are printed, not judged.
"""

from __future__ import annotations

import argparse
import gc
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from importlib import import_module
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.processes import PrivateRedis

STORES = ["memory", "cache-django-redis", "cache-django-builtin-redis", "cache-locmem", "session-db", "session-cache"]
STORE_SETTINGS: dict[str, dict[str, Any]] = {
    "memory": {"BACKEND": "memory", "OPTIONS": {"MAXSIZE": 1_000_000}},
    "cache-django-redis": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_redis"}},
    "cache-django-builtin-redis": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_builtin_redis"}},
    "cache-locmem": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "default"}},
    "session-db": {"BACKEND": "session"},
    "session-cache": {"BACKEND": "session"},
}
BATCHES = 10
REDIS_DBS = {"django_redis": 0, "django_builtin_redis": 1, "sessions": 2}


def configure(redis_port: int, db_path: str) -> None:
    import django
    from django.conf import settings

    location = f"redis://127.0.0.1:{redis_port}"
    settings.configure(
        SECRET_KEY="benchmark-only",
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.sessions", "django_captcha_guard"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 10**6}},
            "django_redis": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"{location}/0"},
            "django_builtin_redis": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"{location}/1",
            },
            "sessions": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"{location}/2"},
        },
        SESSION_CACHE_ALIAS="sessions",
        CAPTCHA_GUARD={},
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def use_store(name: str) -> None:
    from django.conf import settings
    from django.core.signals import setting_changed

    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{'cache' if name == 'session-cache' else 'db'}"
    # No RATE_LIMIT: one visitor issues thousands of challenges here; the limit has its own tests.
    settings.CAPTCHA_GUARD = {"STORE": STORE_SETTINGS[name], "RATE_LIMIT": None}
    for setting in ("CAPTCHA_GUARD", "SESSION_ENGINE"):
        setting_changed.send(sender=None, setting=setting, value=getattr(settings, setting), enter=True)


def fake_entry_value(key: str) -> tuple[str, float]:
    from django_captcha_guard import core

    return core.digest(key, secrets.token_hex(3)), time.time() + 300


def fill(name: str, count: int) -> None:
    """``count`` outstanding challenges, written the fastest way the backend allows."""
    from django.contrib.sessions.backends.db import SessionStore as DatabaseSession
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.http import HttpRequest
    from django.utils import timezone

    from django_captcha_guard import core
    from django_captcha_guard.storage import Entry, get_storage
    from django_captcha_guard.storage.session import SESSION_KEY

    if name.startswith("session"):
        # One visitor per challenge: the worst case for the session backend's size.
        rows = {
            secrets.token_hex(16): {SESSION_KEY: {(k := core.new_key()): list(fake_entry_value(k))}}
            for _ in range(count)
        }
        if name == "session-db":
            expire = timezone.now() + timezone.timedelta(days=14)
            encode = DatabaseSession().encode
            Session.objects.bulk_create(
                (Session(session_key=s, session_data=encode(d), expire_date=expire) for s, d in rows.items()),
                batch_size=2000,
            )
        else:
            prefix = import_module("django.contrib.sessions.backends.cache").KEY_PREFIX
            caches["sessions"].set_many({prefix + s: d for s, d in rows.items()}, timeout=300)
        return
    store, request = get_storage(), HttpRequest()
    for _ in range(count):
        key = core.new_key()
        digest, expires_at = fake_entry_value(key)
        store.save(request, key, Entry(digest, expires_at), 300)


def rounds(name: str, ops: int) -> tuple[float, float]:
    """Issue+verify rounds per second, (median, best) of the batches.

    One visitor; session stores load and save the session around each call. On a shared
    machine the best batch is the closest to the store's own cost, the median to what a
    busy host sees.
    """
    from django.conf import settings
    from django.http import HttpRequest

    engine = import_module(settings.SESSION_ENGINE).SessionStore
    visitor: dict[str, str | None] = {"session_key": None}

    def request() -> HttpRequest:
        req = HttpRequest()
        req.method = "POST"
        req.session = engine(visitor["session_key"])
        return req

    def finish(req: HttpRequest) -> None:
        if name.startswith("session") and req.session.modified:
            req.session.save()
            visitor["session_key"] = req.session.session_key

    rates = []
    for _ in range(BATCHES):
        rates.append(_batch(ops // BATCHES, request, finish))
    return statistics.median(rates), max(rates)


def _batch(ops: int, request: Callable[[], Any], finish: Callable[[Any], None]) -> float:
    from django_captcha_guard import core
    from django_captcha_guard.challenges import challenge_for

    elapsed = 0.0
    for _ in range(ops):
        started = time.perf_counter()
        issuing = request()
        key = core.issue(issuing)
        finish(issuing)
        elapsed += time.perf_counter() - started
        answer = challenge_for(key)[0].answer
        started = time.perf_counter()
        verifying = request()
        assert core.verify(verifying, key, answer).ok
        finish(verifying)
        elapsed += time.perf_counter() - started
    return ops / elapsed


def reset(name: str, redis_port: int) -> None:
    import redis
    from django.contrib.sessions.models import Session

    from django_captcha_guard.storage import get_storage

    get_storage.cache_clear()
    Session.objects.all().delete()
    redis.Redis(port=redis_port).flushall()
    gc.collect()


def redis_bytes(name: str, redis_port: int, count: int) -> str:
    import redis

    client = redis.Redis(
        port=redis_port, db=REDIS_DBS["sessions" if name == "session-cache" else name[6:].replace("-", "_")]
    )
    before = int(client.info("memory")["used_memory"])
    fill(name, count)
    delta = int(client.info("memory")["used_memory"]) - before
    sample = [client.memory_usage(k) or 0 for k in client.scan_iter(count=1000)][:200]
    return f"used_memory Δ {delta / count:.0f} B/challenge; MEMORY USAGE {sum(sample) / len(sample):.0f} B/key"


def session_db_bytes(count: int) -> str:
    from django.contrib.sessions.models import Session
    from django.db import connection

    fill("session-db", count)
    with connection.cursor() as cursor:
        cursor.execute("SELECT avg(length(session_data)) FROM django_session")
        (average,) = cursor.fetchone()
    return f"session_data {average:.0f} B/session with one challenge ({Session.objects.count()} rows)"


def memory_footprint(count: int, traced: bool) -> str:
    """Run in a fresh process: RSS growth, or (``traced``) tracemalloc growth, for ``count`` challenges.

    Separate runs, because tracemalloc's own bookkeeping would inflate the RSS figure.
    """

    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    from django_captcha_guard.storage import get_storage

    get_storage()  # built before measuring, as in a running server
    gc.collect()
    if traced:
        tracemalloc.start()
        fill("memory", count)
        return f"tracemalloc {tracemalloc.get_traced_memory()[0] / count:.0f} B/challenge"
    before = rss()
    fill("memory", count)
    gc.collect()
    return f"RSS Δ {(rss() - before) / count:.0f} B/challenge"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--stores", default=",".join(STORES))
    parser.add_argument("--memory-footprint", type=int, help=argparse.SUPPRESS)  # the subprocess mode
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--redis-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    # tmpfs where there is one: database sessions are measured without the disk's fsync.
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        if args.memory_footprint:
            configure(args.redis_port, os.path.join(tmp, "db.sqlite3"))
            use_store("memory")
            print(memory_footprint(args.memory_footprint, args.traced))
            return 0
        server = PrivateRedis()
        server.start()
        try:
            configure(server.port, os.path.join(tmp, "db.sqlite3"))
            for name in args.stores.split(","):
                run_store(name, sizes, args.ops, server.port)
        finally:
            server.stop()
    return 0


def footprint(count: int, redis_port: int, traced: bool) -> str:
    command = [
        sys.executable,
        "-m",
        "benchmarks.stores",
        f"--memory-footprint={count}",
        f"--redis-port={redis_port}",
    ]
    output = subprocess.run([*command, "--traced"] if traced else command, check=True, capture_output=True, text=True)
    return output.stdout.strip()


def run_store(name: str, sizes: list[int], ops: int, redis_port: int) -> None:
    use_store(name)
    for size in sizes:
        reset(name, redis_port)
        fill(name, size)
        median, best = rounds(name, ops)
        print(f"{name:28} {size:>7} outstanding: {median:8.0f} issue+verify/s median, {best:8.0f} best", flush=True)
    largest = max(sizes)
    reset(name, redis_port)
    measures: dict[str, Callable[[], str]] = {
        "memory": lambda: "; ".join(footprint(largest, redis_port, traced) for traced in (False, True)),
        "session-db": lambda: session_db_bytes(largest),
        "cache-locmem": lambda: "(process memory; not measured)",
    }
    measure = measures.get(name, lambda: redis_bytes(name, redis_port, largest))
    print(f"{name:28} {largest:>7} outstanding: {measure()}", flush=True)
    reset(name, redis_port)


if __name__ == "__main__":
    sys.exit(main())
