"""The cache store's Redis commands for async views: the same scripts on redis-py's asyncio connections.

Under an ASGI server an async view that called the sync commands (redis_commands.py) would
block the event loop for every round trip, and one that ran them through ``sync_to_async``
would pay the thread hop a sync view already pays. So the async path opens asyncio
connections to the same server with the same options (address, credentials, database,
TLS, timeouts), read from the redis-py pool the cache built, and sends the very same
commands: the Lua scripts and ``GETDEL`` are what make counting and storing, reading and
counting, and consuming atomic, so each guarantee of the sync path holds here too.

Only plain TCP, TLS and Unix-socket connections are translated. Anything else (a Sentinel
pool, whose connections find their primary by asking the sentinels; a credential provider;
TLS options asyncio's connection does not take) has no faithful asyncio twin here, and the
store then falls back to its sync methods run in a thread (``BaseStore``'s defaults).

Like the sync commands these skip redis-py's client (``redis.asyncio.Redis``): its
per-command machinery costs more CPU than the round trip it wraps.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Any

from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

try:
    import redis as redis_py
except ImportError:  # without redis-py, redis_commands() finds nothing and nothing here runs
    redis_py = None  # type: ignore[assignment]

from django_captcha_guard.storage.redis_commands import (
    _SHA1,
    COUNT,
    COUNT_AND_SET,
    GET_AND_COUNT,
    RedisCommands,
    redis_commands,
)

__all__ = ["AsyncRedisCommands", "aclose_idle", "async_redis_commands"]

# Options every connection class takes, with the same meaning in redis.asyncio.
_COMMON = ("db", "username", "password", "socket_timeout", "socket_connect_timeout", "client_name", "protocol")
_OPTIONS: dict[str, tuple[str, ...]] = {
    "Connection": (*_COMMON, "host", "port", "socket_keepalive", "socket_keepalive_options"),
    "SSLConnection": (
        *_COMMON,
        *("host", "port", "socket_keepalive", "socket_keepalive_options", "ssl_keyfile", "ssl_certfile"),
        *("ssl_cert_reqs", "ssl_ca_certs", "ssl_ca_data", "ssl_ca_path", "ssl_check_hostname", "ssl_min_version"),
        *("ssl_ciphers", "ssl_password"),
    ),
    "UnixDomainSocketConnection": (*_COMMON, "path"),
}
# Options whose value, when set, the translation would drop: such a pool keeps the fallback.
_UNTRANSLATED = ("credential_provider", "redis_connect_func", "ssl_validate_ocsp", "ssl_validate_ocsp_stapled")
# Idle connections kept per event loop and server; more are opened under a burst and closed after it.
MOST_IDLE = 32


class AsyncRedisCommands:
    """``count``, ``count_and_set``, ``set``, ``get``, ``get_and_count`` and ``pop`` as coroutines.

    Each call takes an idle connection of the running loop for that server (or opens one),
    writes its commands at once, reads one reply each and puts the connection back. One
    connection serves one coroutine at a time; concurrent requests use several. A call
    that fails or is cancelled half-way drops its connection (it may be out of step), so a
    Redis outage fails the request (the store answers StoreUnavailable) and the next call
    reconnects.
    """

    def __init__(self, commands: RedisCommands, connection_class: type, options: dict[str, Any]) -> None:
        self._commands = commands  # make_key, and whether the server has GETDEL
        self._connection_class = connection_class
        self._options = options
        self._server = repr(sorted(options.items(), key=lambda item: item[0]))

    async def count(self, key: str, timeout: int) -> int:
        return int(await self._script(COUNT, [key], [timeout]))

    async def count_and_set(
        self, counter: str, window: int, limit: int, key: str, value: bytes, timeout: int
    ) -> tuple[int, bool]:
        count, stored = await self._script(COUNT_AND_SET, [counter, key], [window, limit, value, timeout])
        return int(count), bool(stored)

    async def set(self, key: str, value: bytes, timeout: int) -> bool:
        [reply] = await self._send(("SET", self._commands.make_key(key), value, "EX", timeout, "NX"))
        return reply is not None

    async def get(self, key: str) -> bytes | None:
        [value] = await self._send(("GET", self._commands.make_key(key)))
        return value  # type: ignore[no-any-return]

    async def get_and_count(self, key: str, counter: str, timeout: int) -> tuple[bytes | None, int]:
        value, count = await self._script(GET_AND_COUNT, [key, counter], [timeout])
        return value, int(count)

    async def pop(self, key: str) -> bytes | None:
        """The value, deleted in the same step (GETDEL, or MULTI/GET/DEL/EXEC before Redis 6.2)."""
        cache_key = self._commands.make_key(key)
        if self._commands.has_getdel:
            try:
                [value] = await self._send(("GETDEL", cache_key))
                return value  # type: ignore[no-any-return]
            except redis_py.ResponseError as exc:
                if "unknown command" not in str(exc).lower():
                    raise
                self._commands.has_getdel = False
        replies = await self._send(("MULTI",), ("GET", cache_key), ("DEL", cache_key), ("EXEC",))
        return replies[-1][0]  # type: ignore[no-any-return]

    async def _script(self, script: str, keys: list[str], args: list[Any]) -> Any:
        names = [self._commands.make_key(key) for key in keys]
        try:
            [reply] = await self._send(("EVALSHA", _SHA1[script], len(names), *names, *args))
        except redis_py.exceptions.NoScriptError:
            [reply] = await self._send(("EVAL", script, len(names), *names, *args))
        return reply

    async def _send(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Write ``commands`` at once and read one reply each: one round trip."""
        idle = _idle(self._server)
        connection = idle.pop() if idle else self._connection_class(**self._options)
        # At EOF while idle means the server closed it (a restart, an idle timeout): reconnect.
        reader = getattr(connection, "_reader", None)
        if reader is not None and reader.at_eof():
            await connection.disconnect(nowait=True)
        try:
            await connection.send_packed_command(connection.pack_commands(commands), check_health=False)
            replies: list[Any] = []
            for _ in commands:  # every reply is read, so an error reply leaves the connection in step
                try:
                    replies.append(await connection.read_response())
                except redis_py.ResponseError as exc:
                    replies.append(exc)
        except BaseException:
            # Cancelled or failed mid-way: replies may still be on their way, so never reuse it.
            with contextlib.suppress(Exception):  # the error to report is the one above
                await asyncio.shield(connection.disconnect(nowait=True))
            raise
        if len(idle) < MOST_IDLE:
            idle.append(connection)
        else:
            await connection.disconnect(nowait=True)
        for reply in replies:
            if isinstance(reply, redis_py.ResponseError):
                raise reply
        return replies


# Idle connections by event loop, then by server: an asyncio connection belongs to the loop
# it was opened on. By server rather than by pool, because Django's own Redis backend makes
# a pool per cache instance, and under ASGI a cache instance per request.
_IDLE: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, list[Any]]] = weakref.WeakKeyDictionary()


def _idle(server: str) -> list[Any]:
    return _IDLE.setdefault(asyncio.get_running_loop(), {}).setdefault(server, [])


async def aclose_idle() -> None:
    """Close the running loop's idle connections, for a loop about to end.

    A server's loop lives as long as its process, so servers need not call this; a loop
    made for one block of work (``async_to_sync`` without a running loop, a test) should,
    or its connections are only closed when collected, with a ResourceWarning.
    """
    for connections in _IDLE.pop(asyncio.get_running_loop(), {}).values():
        for connection in connections:
            with contextlib.suppress(Exception):
                await connection.disconnect()


# By cache alias, not by cache instance: under ASGI Django makes a cache instance per request,
# and building the commands again (a redis-py client, a pool lookup) cost more CPU than the
# round trip. What they depend on is the alias's configuration, so a change of CACHES clears it.
_BY_ALIAS: dict[str, AsyncRedisCommands | None] = {}


def async_redis_commands(alias: str) -> AsyncRedisCommands | None:
    """The asyncio commands for the cache ``alias``, or None where the sync commands are all there is.

    None for any cache :func:`redis_commands` gives nothing for (LocMemCache, a sharded
    client, ...) and for connections without an asyncio twin (see the module docstring).
    """
    try:
        return _BY_ALIAS[alias]
    except KeyError:
        pass
    commands = redis_commands(caches[alias])
    translated = _translate(commands._pool) if commands is not None else None
    found = AsyncRedisCommands(commands, *translated) if commands is not None and translated is not None else None
    _BY_ALIAS[alias] = found
    return found


@receiver(setting_changed)
def _forget_commands(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHES":
        _BY_ALIAS.clear()


def _translate(pool: Any) -> tuple[type, dict[str, Any]] | None:
    """The asyncio connection class and options for ``pool``'s connections, when they mean the same."""
    from redis.asyncio import connection as asyncio_connection

    sync_class = pool.connection_class
    name = sync_class.__name__
    if sync_class is not getattr(redis_py.connection, name, None) or name not in _OPTIONS:
        return None  # a subclass (Sentinel's managed connection, a project's own) keeps its behaviour
    options: dict[str, Any] = dict(pool.connection_kwargs)
    if any(options.get(option) for option in _UNTRANSLATED):
        return None
    return getattr(asyncio_connection, name), {k: options[k] for k in _OPTIONS[name] if k in options}
