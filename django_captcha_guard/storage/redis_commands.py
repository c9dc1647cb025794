"""The Redis commands under the cache store and the counters: one round trip for each step.

Django's cache API takes two or three round trips for what a captcha does per request
(``add`` then ``incr`` to count, ``get`` then ``delete`` to consume) and has no "count,
and store only while under the limit". On the two Redis backends (django-redis's and
Django's own) the store and the counters talk to the redis-py client below the cache
instead: a short Lua script counts and stores in one call, ``GETDEL`` consumes (a
``MULTI``/``EXEC`` of GET and DEL on servers older than 6.2, also one round trip and
just as atomic). Keys are the cache's own (``KEY_PREFIX``, ``VERSION``, ``KEY_FUNCTION``);
values are plain bytes, and counters plain integers as both backends already keep them.
"""

from __future__ import annotations

import weakref
from typing import Any

from django.core.cache import BaseCache

try:
    import redis
    from redis.commands.core import Script
except ImportError:  # redis-py comes with the Redis backends; without it there is nothing to talk to
    redis = None  # type: ignore[assignment]

_DJANGO_REDIS_CLIENTS: tuple[type, ...] = ()
_SHARDED: tuple[type, ...] = ()
try:
    from django_redis.client import DefaultClient, ShardClient  # type: ignore[import-untyped]
except ImportError:  # django-redis is optional
    pass
else:
    # The default client and its Sentinel and herd variants talk to one primary; the shard
    # client spreads keys over servers by its own rule, so it keeps the generic path.
    _DJANGO_REDIS_CLIENTS, _SHARDED = (DefaultClient,), (ShardClient,)

# KEYS[1] the counter, ARGV[1] its lifetime. INCR creates a missing counter at 1; only then
# does it get its lifetime, so a window's counter never outlives the window.
COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# COUNT, then KEYS[2] = ARGV[3] for ARGV[4] seconds only while the count is within ARGV[2]:
# a refused request stores nothing. Returns {count, 1 if stored}.
COUNT_AND_SET = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count > tonumber(ARGV[2]) then return {count, 0} end
local stored = redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4], 'NX')
return {count, stored and 1 or 0}
"""
# The value of KEYS[1] and, when there is one, COUNT on KEYS[2] (renders of that picture):
# an unknown key costs one read and counts nothing. Returns {value, count} or {false, 0}.
GET_AND_COUNT = """
local value = redis.call('GET', KEYS[1])
if not value then return {false, 0} end
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return {value, count}
"""


class RedisCommands:
    """The commands, on one cache's redis-py client; built once per cache instance."""

    def __init__(self, cache: BaseCache, client: redis.Redis) -> None:
        self.make_key = cache.make_key
        # Any: redis-py's stubs type replies as bytes | str, whatever decode_responses says.
        self.client: Any = client
        self._count = client.register_script(COUNT)
        self._count_and_set = client.register_script(COUNT_AND_SET)
        self._get_and_count = client.register_script(GET_AND_COUNT)
        self.has_getdel = True  # until the server says otherwise (Redis < 6.2)

    def count(self, key: str, timeout: int) -> int:
        return int(self._run(self._count, [key], [timeout]))

    def count_and_set(
        self, counter: str, window: int, limit: int, key: str, value: bytes, timeout: int
    ) -> tuple[int, bool]:
        """Count one on ``counter``; store ``value`` under ``key`` only if the count is within ``limit``."""
        count, stored = self._run(self._count_and_set, [counter, key], [window, limit, value, timeout])
        return int(count), bool(stored)

    def set(self, key: str, value: bytes, timeout: int) -> bool:
        return bool(self.client.set(self.make_key(key), value, ex=timeout, nx=True))

    def get(self, key: str) -> bytes | None:
        value: bytes | None = self.client.get(self.make_key(key))
        return value

    def get_and_count(self, key: str, counter: str, timeout: int) -> tuple[bytes | None, int]:
        value, count = self._run(self._get_and_count, [key, counter], [timeout])
        return value, int(count)

    def pop(self, key: str) -> bytes | None:
        """The value, deleted in the same step: of concurrent callers, one gets it."""
        cache_key = self.make_key(key)
        if self.has_getdel:
            try:
                value: bytes | None = self.client.getdel(cache_key)
                return value
            except redis.ResponseError as exc:
                if "unknown command" not in str(exc).lower():
                    raise
                self.has_getdel = False
        pipe = self.client.pipeline(transaction=True)
        value, _deleted = pipe.get(cache_key).delete(cache_key).execute()
        return value

    def _run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        return script(keys=[self.make_key(key) for key in keys], args=args)


_COMMANDS: weakref.WeakKeyDictionary[BaseCache, RedisCommands | None] = weakref.WeakKeyDictionary()


def redis_commands(cache: BaseCache) -> RedisCommands | None:
    """The commands for ``cache`` when it is one of the two Redis backends on a plain client, else None.

    None means the generic cache API (LocMemCache, a sharded or cluster client, ...), which
    keeps every guarantee with more round trips.
    """
    try:
        return _COMMANDS[cache]
    except KeyError:
        pass
    client = _client(cache)
    commands = RedisCommands(cache, client) if client is not None else None
    _COMMANDS[cache] = commands
    return commands


def _client(cache: BaseCache) -> redis.Redis | None:
    if redis is None:
        return None
    from django.core.cache.backends.redis import RedisCache

    client: Any = None
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
    elif isinstance(django_redis := getattr(cache, "client", None), _DJANGO_REDIS_CLIENTS) and not isinstance(
        django_redis, _SHARDED
    ):
        client = django_redis.get_client(write=True)  # type: ignore[attr-defined]
    return client if isinstance(client, redis.Redis) else None
