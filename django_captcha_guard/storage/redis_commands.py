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

import hashlib
import os
import threading
import weakref
from typing import Any

from django.core.cache import BaseCache

try:
    import redis
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

_SHA1 = {s: hashlib.sha1(s.encode(), usedforsecurity=False).hexdigest() for s in (COUNT, COUNT_AND_SET, GET_AND_COUNT)}


class RedisCommands:
    """The commands, on this thread's connection to the cache's pool; built once per cache instance.

    redis-py's client spends 60-80 µs of CPU around each command (checking a connection
    out of the pool and back, retry, event and metrics hooks, response callbacks), more
    than the round trip and as much as an empty Django view's whole request on this stack.
    So each thread keeps one connection per pool (made by the pool: its address,
    credentials, database, TLS and timeouts; a Sentinel pool's connection finds the
    primary) and writes each step as one packed request. Per thread and pool, not per
    cache instance: under ASGI Django makes a cache instance per request. Before each use
    a poll tells whether the server closed the connection (a restart, an idle timeout), and
    then it reconnects, as the pool does; any other connection error is raised at once
    (the connection reconnects on its next use): the caller fails closed.
    """

    def __init__(self, cache: BaseCache, client: redis.Redis) -> None:
        # The cache's key function, not its bound make_key: that would keep the cache (the
        # key of the table below) alive for as long as this entry, that is for ever.
        self._key_func, self._prefix, self._version = cache.key_func, cache.key_prefix, cache.version
        self._pool: Any = client.connection_pool
        self.has_getdel = True  # until the server says otherwise (Redis < 6.2)

    def make_key(self, key: str) -> str:
        """The key as the cache writes it (``KEY_PREFIX``, ``VERSION``, ``KEY_FUNCTION``)."""
        return str(self._key_func(key, self._prefix, self._version))

    def count(self, key: str, timeout: int) -> int:
        return int(self._script(COUNT, [key], [timeout]))

    def count_and_set(
        self, counter: str, window: int, limit: int, key: str, value: bytes, timeout: int
    ) -> tuple[int, bool]:
        """Count one on ``counter``; store ``value`` under ``key`` only if the count is within ``limit``."""
        count, stored = self._script(COUNT_AND_SET, [counter, key], [window, limit, value, timeout])
        return int(count), bool(stored)

    def set(self, key: str, value: bytes, timeout: int) -> bool:
        [reply] = self._send(("SET", self.make_key(key), value, "EX", timeout, "NX"))
        return reply is not None

    def get(self, key: str) -> bytes | None:
        [value] = self._send(("GET", self.make_key(key)))
        return value  # type: ignore[no-any-return]

    def get_and_count(self, key: str, counter: str, timeout: int) -> tuple[bytes | None, int]:
        value, count = self._script(GET_AND_COUNT, [key, counter], [timeout])
        return value, int(count)

    def pop(self, key: str) -> bytes | None:
        """The value, deleted in the same step: of concurrent callers, one gets it."""
        cache_key = self.make_key(key)
        if self.has_getdel:
            try:
                [value] = self._send(("GETDEL", cache_key))
                return value  # type: ignore[no-any-return]
            except redis.ResponseError as exc:
                if "unknown command" not in str(exc).lower():
                    raise
                self.has_getdel = False
        replies = self._send(("MULTI",), ("GET", cache_key), ("DEL", cache_key), ("EXEC",))
        return replies[-1][0]  # type: ignore[no-any-return]

    def _script(self, script: str, keys: list[str], args: list[Any]) -> Any:
        """EVALSHA, or EVAL (which also caches it) the first time a server sees the script."""
        names = [self.make_key(key) for key in keys]
        try:
            [reply] = self._send(("EVALSHA", _SHA1[script], len(names), *names, *args))
        except redis.exceptions.NoScriptError:
            [reply] = self._send(("EVAL", script, len(names), *names, *args))
        return reply

    def _send(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Write ``commands`` at once and read one reply each: one round trip."""
        connection = _connection(self._pool)
        connection.send_packed_command(connection.pack_commands(commands), check_health=False)
        replies: list[Any] = []
        for _ in commands:  # every reply is read, so an error leaves the connection in step
            try:
                replies.append(connection.read_response())
            except redis.ResponseError as exc:
                replies.append(exc)
        for reply in replies:
            if isinstance(reply, redis.ResponseError):
                raise reply
        return replies


def _connection(pool: Any) -> Any:
    """This thread's connection of ``pool``, kept on the pool so that it goes with the pool.

    A thread ident is reused only once its thread has ended, so one connection is never
    used by two threads at once.

    (A redis-py connection refers to its pool, so a table of connections by pool would
    keep every pool alive; Django's own Redis backend makes a pool per cache instance.)
    """
    # By thread ident in a plain dict: a threading.local's per-thread data sits outside what
    # the garbage collector can follow, so the pool <-> connection cycle would never be freed.
    held: dict[int, tuple[int, Any]] = pool.__dict__.setdefault("_captcha_guard_held", {})
    thread, pid = threading.get_ident(), os.getpid()
    mine = held.get(thread)
    if mine is None or mine[0] != pid:  # after a fork the parent's socket is not ours
        connection = pool.make_connection()
        held[thread] = (pid, connection)
        return connection
    connection = mine[1]
    try:
        # Readable while idle means the server closed it (a restart, an idle timeout).
        if connection._sock is not None and connection.can_read():
            connection.disconnect()
    except (redis.ConnectionError, OSError):
        connection.disconnect()  # the send reconnects, or raises for the caller to fail closed
    return connection


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
