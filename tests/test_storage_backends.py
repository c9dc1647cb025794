"""What the cache and memory stores promise beyond the shared contract."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.test import RequestFactory

from django_captcha_guard import core
from django_captcha_guard.storage import CacheStore, MemoryStore, get_storage
from tests.stores import FakeClock, Harness, answer_for, configure, redis_client


@pytest.mark.redis
def test_redis_entries_expire_on_the_server_too(redis_store: Harness) -> None:
    """Every entry carries the challenge's timeout in Redis, so nothing outlives it."""
    key = core.issue(redis_store.request())
    client = redis_client(redis_store.store.alias)  # type: ignore[attr-defined]
    [stored] = list(client.scan_iter(match=f"*{redis_store.prefix}*:{key}"))
    assert 0 < client.ttl(stored) <= 300


@pytest.mark.redis
def test_ignore_exceptions_does_not_hide_a_working_redis(settings: Any) -> None:
    """With IGNORE_EXCEPTIONS the store still uses django-redis normally while Redis is up."""
    redis_cache = {**settings.CACHES["django_redis"], "OPTIONS": {"IGNORE_EXCEPTIONS": True}}
    settings.CACHES = {**settings.CACHES, "ignoring": redis_cache}
    harness = Harness("cache-django-redis", FakeClock())
    configure(settings, "cache-django-redis", harness.clock, harness.prefix, ALIAS="ignoring")
    request = harness.request()
    key = core.issue(request)
    assert core.verify(request, key, answer_for(key)).ok  # and the verified entry is gone: nothing to clean


def test_the_default_alias_and_prefix(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "cache"}}
    store = get_storage()
    assert isinstance(store, CacheStore)
    assert (store.alias, store.key_prefix) == ("default", "captcha_guard:")


def test_one_memory_store_per_process(settings: Any) -> None:
    """get_storage() is built once, so every thread (and request) shares the same memory."""
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}}
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(get_storage())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert isinstance(seen[0], MemoryStore)
    assert all(store is get_storage() for store in seen)


def test_memory_store_keeps_compact_values(settings: Any) -> None:
    """A 24-byte value per challenge (digest and expiry), not a tuple of str and float."""
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory", "OPTIONS": {"MAXSIZE": 5}}}
    store = get_storage()
    request = RequestFactory().post("/")
    keys = [core.issue(request) for _ in range(7)]
    assert len(store) == 5  # type: ignore[arg-type]
    assert [len(value) for value in store._values.values()] == [24] * 5  # type: ignore[attr-defined]
    assert core.verify(request, keys[-1], answer_for(keys[-1])).ok
    assert len(store) == 4  # type: ignore[arg-type]


def test_memory_store_follows_the_timeout_setting(settings: Any) -> None:
    clock = FakeClock()
    settings.CAPTCHA_GUARD = {"TIMEOUT": 60, "STORE": {"BACKEND": "memory", "OPTIONS": {"clock": clock}}}
    request = RequestFactory().post("/")
    key = core.issue(request)
    clock.advance(59)
    core.issue(request)
    assert len(get_storage()) == 2  # type: ignore[arg-type]
    clock.advance(2)
    core.issue(request)  # every write drops the challenges that have expired
    assert len(get_storage()) == 2  # type: ignore[arg-type]
    assert core.verify(request, key, answer_for(key)).reason is core.Reason.EXPIRED


def test_memory_store_order_stays_bounded_while_challenges_are_verified(settings: Any) -> None:
    """Verified keys wait in the expiry order until it is rebuilt, at twice MAXSIZE at most."""
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory", "OPTIONS": {"MAXSIZE": 5}}, "RATE_LIMIT": None}
    store = get_storage()
    request = RequestFactory().post("/")
    for _ in range(50):
        key = core.issue(request)
        assert core.verify(request, key, answer_for(key)).ok
    assert len(store) == 0  # type: ignore[arg-type]
    assert 0 < len(store._order) <= 10  # type: ignore[attr-defined]
