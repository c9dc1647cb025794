"""The stores' async methods (``asave_counted``, ``aget_counted``, ``apop``) keep the sync contract.

Every store configuration runs through them: the cache store on both Redis backends takes
the native asyncio path (redis_async.py), every other store the thread fallback of
``BaseStore``. On Redis, many concurrent coroutines in one event loop must see exactly what
many threads see: one consumer per key, exactly ``limit`` challenges stored out of more
requests, nothing stored for a refused one. Connections over a Unix socket are translated
too; a Sentinel pool is not (it falls back), and a stopped Redis fails closed and is
reconnected to once it is back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from asgiref.sync import async_to_sync

from django_captcha_guard import core
from django_captcha_guard.storage import CacheStore, Entry, StoreUnavailable
from django_captcha_guard.storage.counters import Counter
from django_captcha_guard.storage.redis_async import _translate, aclose_idle, async_redis_commands
from tests.processes import PrivateRedis
from tests.stores import REDIS_STORES, Harness

pytestmark = pytest.mark.redis

T = TypeVar("T")
PARALLEL = 48
LIMIT = 16


def run(coroutine: Callable[[], Awaitable[T]]) -> T:
    """One event loop for the whole block, as an ASGI server keeps one for its requests."""

    async def block() -> T:
        try:
            return await coroutine()
        finally:
            await aclose_idle()  # the loop ends with the block

    return async_to_sync(block)()


def counter_for(harness: Harness, limit: int = LIMIT) -> Counter:
    """A fresh counter in the store's own cache when it has one (the one-round-trip case)."""
    alias = getattr(harness.store, "alias", "default")
    return Counter(alias, f"{harness.prefix}count:{uuid.uuid4().hex}", 60, limit)


DIGEST = core.digest("k" * 22, "answer")  # the real shape: the memory store packs 16 bytes


def entry(harness: Harness) -> Entry:
    return Entry(DIGEST, harness.clock() + 300)


def test_async_methods_keep_the_contract(any_store: Harness) -> None:
    store, request, counter = any_store.store, any_store.request(), counter_for(any_store)

    async def scenario() -> tuple[Any, ...]:
        stored = await store.asave_counted(request, "k" * 22, entry(any_store), 300, counter)
        read = await store.aget_counted(request, "k" * 22, counter_for(any_store))
        unknown = await store.aget_counted(request, "u" * 22, counter_for(any_store))
        first, second = await store.apop(request, "k" * 22), await store.apop(request, "k" * 22)
        return stored, read, unknown, first, second

    stored, read, unknown, first, second = run(scenario)
    any_store.finish(request)
    assert stored is True
    assert read == (entry(any_store), True)
    assert unknown == (None, True)
    assert (first, second) == (entry(any_store), None)


def test_async_refused_save_stores_nothing(any_store: Harness) -> None:
    store, request, counter = any_store.store, any_store.request(), counter_for(any_store, limit=1)

    async def scenario() -> list[bool]:
        return [await store.asave_counted(request, f"{n}" * 22, entry(any_store), 300, counter) for n in range(3)]

    assert run(scenario) == [True, False, False]
    assert store.get(request, "1" * 22) is None
    assert store.get(request, "0" * 22) == entry(any_store)


@pytest.mark.parametrize("name", REDIS_STORES)
def test_redis_takes_the_native_path(settings: Any, name: str) -> None:
    alias = {"cache-django-redis": "django_redis", "cache-django-builtin-redis": "django_builtin_redis"}[name]
    assert async_redis_commands(alias) is not None
    assert async_redis_commands("default") is None  # LocMemCache: the thread fallback


def test_concurrent_coroutines_consume_once_and_count_exactly(redis_store: Harness) -> None:
    store, request = redis_store.store, redis_store.request()
    counter = counter_for(redis_store)
    keys = [f"{n:022d}" for n in range(PARALLEL)]

    async def scenario() -> tuple[list[bool], list[Any]]:
        saves = [store.asave_counted(request, key, entry(redis_store), 300, counter) for key in keys]
        stored = list(await asyncio.gather(*saves))
        winner = keys[stored.index(True)]
        popped = list(await asyncio.gather(*(store.apop(request, winner) for _ in range(PARALLEL))))
        return stored, popped

    stored, popped = run(scenario)
    assert stored.count(True) == LIMIT
    # A refused request stored nothing: exactly LIMIT challenges sit in Redis.
    assert sum(store.get(request, key) is not None for key in keys) == LIMIT - 1  # one was popped
    assert [value for value in popped if value is not None] == [entry(redis_store)]


def test_a_unix_socket_is_translated(tmp_path: Path, settings: Any) -> None:
    socket = tmp_path / "redis.sock"
    server = PrivateRedis("--unixsocket", str(socket), "--unixsocketperm", "700")
    server.start()
    try:
        settings.CACHES = {
            **settings.CACHES,
            "unix": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"unix://{socket}?db=0"},
        }
        commands = async_redis_commands("unix")
        assert commands is not None and commands._connection_class.__name__ == "UnixDomainSocketConnection"
        store = CacheStore(ALIAS="unix")

        async def scenario() -> Any:
            assert await store.asave_counted(None, "s" * 22, Entry(DIGEST, 2e9), 60, None)  # type: ignore[arg-type]
            return await store.apop(None, "s" * 22)  # type: ignore[arg-type]

        assert run(scenario) == Entry(DIGEST, 2e9)
    finally:
        server.stop()


def test_a_sentinel_pool_falls_back() -> None:
    pool = redis.sentinel.Sentinel([("127.0.0.1", 1)]).master_for("primary").connection_pool
    assert _translate(pool) is None
    assert _translate(redis.Redis(host="127.0.0.1", port=1).connection_pool) is not None


def test_an_outage_fails_closed_and_recovers(private_redis: PrivateRedis, settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "private": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": private_redis.url(),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
    }
    store = CacheStore(ALIAS="private")
    counter = Counter("private", "count", 60, 10)

    async def save() -> bool:
        return await store.asave_counted(None, "o" * 22, Entry(DIGEST, 2e9), 60, counter)  # type: ignore[arg-type]

    async def scenario() -> list[object]:
        outcomes: list[object] = [await save()]
        await asyncio.to_thread(private_redis.stop)
        try:
            await save()
        except StoreUnavailable:
            outcomes.append("unavailable")
        await asyncio.to_thread(private_redis.start)  # the same port: the idle connection is stale
        await store.apop(None, "o" * 22)  # type: ignore[arg-type]
        outcomes.append(await save())
        return outcomes

    assert run(scenario) == [True, "unavailable", True]
