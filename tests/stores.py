"""The parametrised store fixture: every store test runs against every store configuration.

Like django-redis's own suite, the contract tests take ``any_store`` and so run once per
entry of :data:`STORES`: the database store on SQLite and on PostgreSQL, the session store
on the database and on the cache session engine, the cache store on Redis through
django-redis, on Redis through Django's own backend and on LocMemCache, and the memory
store. Expiry goes through :class:`FakeClock`, never sleeps. Tests that take these
fixtures get real transactions (``transactional_db`` on every database, see conftest.py),
because the stores' guarantees are about what several connections see.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest
from django.test import RequestFactory

from django_captcha_guard.challenges import challenge_for
from django_captcha_guard.storage import BaseStore, Entry, get_storage

DB_SESSIONS = {"SESSION_ENGINE": "django.contrib.sessions.backends.db"}
CACHE_SESSIONS = {"SESSION_ENGINE": "django.contrib.sessions.backends.cache", "SESSION_CACHE_ALIAS": "django_redis"}
REDIS_DB = {"django_redis": 13, "django_builtin_redis": 14}

# name: (CAPTCHA_GUARD["STORE"] without the clock, other settings)
STORES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "database-sqlite": ({"BACKEND": "database"}, {}),
    "database-postgresql": ({"BACKEND": "database", "OPTIONS": {"USING": "postgresql"}}, {}),
    "session-db": ({"BACKEND": "session"}, DB_SESSIONS),
    "session-cache": ({"BACKEND": "session"}, CACHE_SESSIONS),
    "cache-django-redis": ({"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_redis"}}, {}),
    "cache-django-builtin-redis": ({"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_builtin_redis"}}, {}),
    "cache-locmem": ({"BACKEND": "cache", "OPTIONS": {"ALIAS": "default"}}, {}),
    "memory": ({"BACKEND": "memory"}, {}),
}
REDIS_STORES = ["cache-django-redis", "cache-django-builtin-redis"]
DATABASE_STORES = {"database-sqlite": "default", "database-postgresql": "postgresql"}


class FakeClock:
    """A clock the test moves by hand; stores read it as their timer."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Harness:
    """One store configuration plus one visitor whose requests share a session.

    ``request()`` builds a request with the visitor's session freshly loaded from the
    session backend, as another worker process would; ``finish()`` saves it as
    ``SessionMiddleware`` does when the response leaves.
    """

    name: str
    clock: FakeClock
    session_key: str | None = None
    prefix: str = field(default_factory=lambda: f"captcha_guard:test:{uuid.uuid4().hex}:")

    @property
    def store(self) -> BaseStore:
        return get_storage()

    def request(self) -> HttpRequest:
        request = RequestFactory().post("/")
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(self.session_key)
        return request

    def finish(self, request: HttpRequest) -> None:
        if request.session.modified:
            request.session.save()
            self.session_key = request.session.session_key

    def raw_values(self, request: HttpRequest | None = None) -> list[bytes]:
        """Everything the store keeps for this test, as the bytes that sit at rest."""
        store = self.store
        if self.name.startswith("session"):
            assert request is not None and self.session_key is not None
            engine = import_module(settings.SESSION_ENGINE)
            stored = engine.SessionStore(self.session_key)
            if self.name == "session-db":
                return [stored.model.objects.get(session_key=self.session_key).session_data.encode()]
            return [redis_client("django_redis").get(caches["django_redis"].make_key(stored.cache_key))]
        if self.name in REDIS_STORES:
            client = redis_client(store.alias)  # type: ignore[attr-defined]
            return [client.get(k) for k in client.scan_iter(match=f"*{self.prefix}*")]
        if self.name in DATABASE_STORES:
            with connections[DATABASE_STORES[self.name]].cursor() as cursor:
                cursor.execute("SELECT key, digest, expires_at FROM captcha_guard_challenge")
                return [" ".join(map(str, row)).encode() for row in cursor.fetchall()]
        if self.name == "cache-locmem":
            return [v for k, v in caches["default"]._cache.items() if self.prefix in k]  # type: ignore[attr-defined]
        return list(store._values.values())  # type: ignore[attr-defined]

    def cleanup(self) -> None:
        if self.name in REDIS_STORES:
            client = redis_client(self.store.alias)  # type: ignore[attr-defined]
            for key in client.scan_iter(match=f"*{self.prefix}*"):
                client.delete(key)
        if self.session_key is not None:
            import_module(settings.SESSION_ENGINE).SessionStore(self.session_key).delete()


def redis_client(alias: str) -> redis.Redis:
    """A plain redis-py client on the test database of ``alias``, to look at raw values."""
    return redis.Redis(host=settings.REDIS_HOST, port=settings.REDIS_PORT, db=REDIS_DB[alias])


def answer_for(key: str) -> str:
    return challenge_for(key)[0].answer


def configure(settings: Any, name: str, clock: FakeClock, prefix: str, **options: Any) -> None:
    """Point CAPTCHA_GUARD (and sessions) at store ``name`` with ``clock`` and extra options."""
    store, extra = STORES[name]
    for setting, value in extra.items():
        setattr(settings, setting, value)
    store_options = {**store.get("OPTIONS", {}), "clock": clock, **options}
    if store["BACKEND"] == "cache":
        store_options.setdefault("KEY_PREFIX", prefix)
    # No RATE_LIMIT: these tests issue hundreds of challenges a minute from one address.
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": store["BACKEND"], "OPTIONS": store_options}, "RATE_LIMIT": None}


@pytest.fixture(params=list(STORES))
def any_store(request: pytest.FixtureRequest, settings: Any) -> Iterator[Harness]:
    """Each store configuration in turn, on a fresh store with a fake clock."""
    name = request.param
    harness = Harness(name, FakeClock())
    configure(settings, name, harness.clock, harness.prefix)
    yield harness
    harness.cleanup()


@pytest.fixture(params=REDIS_STORES)
def redis_store(request: pytest.FixtureRequest, settings: Any) -> Iterator[Harness]:
    """The two Redis-backed configurations of the cache store."""
    harness = Harness(request.param, FakeClock())
    configure(settings, request.param, harness.clock, harness.prefix)
    yield harness
    harness.cleanup()


class SpyStore(BaseStore):
    """A store that records every call, to prove what never reaches a store."""

    calls: list[tuple[str, str]] = []

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        self.calls.append(("save", key))

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        self.calls.append(("get", key))
        return None

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        self.calls.append(("pop", key))
        return None
