"""CacheStore: challenges in a Django cache, normally Redis.

This is the store for several processes and several machines. Any cache alias works; the
two Redis backends (django-redis's and Django's own) are the ones to use in production.
Redis Sentinel and Cluster come from django-redis's own client options; nothing here
changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.cache import BaseCache, caches
from django.core.checks import CheckMessage
from django.http import HttpRequest

from django_captcha_guard.storage.base import BaseStore, Entry, StoreUnavailable, site_namespace
from django_captcha_guard.storage.redis_async import async_redis_commands
from django_captcha_guard.storage.redis_commands import redis_commands

if TYPE_CHECKING:
    from django_captcha_guard.storage.counters import Counter

_CLIENT_BACKENDS: tuple[type, ...]
try:
    from django_redis.cache import RedisCache  # type: ignore[import-untyped]
except ImportError:  # django-redis is optional
    _CLIENT_BACKENDS = ()
else:
    _CLIENT_BACKENDS = (RedisCache,)

__all__ = ["CacheStore", "raw_cache"]


class CacheStore(BaseStore):
    """Entries under ``KEY_PREFIX``, the site's namespace and the key in the cache ``ALIAS``.

    On the two Redis backends the store sends its own commands (redis_commands.py): storing
    is ``SET NX EX``, done in one script with the rate-limit count when ``RATE_LIMIT_CACHE``
    is this alias, and ``pop`` is ``GETDEL``, which hands a value to exactly one of any
    number of concurrent callers, in any process. On any other cache ``pop`` reads the
    entry and keeps it only if its own delete removed the key (LocMemCache's delete is
    locked, so it too reports a removal once).

    The async methods (``asave_counted``, ``aget_counted``, ``apop``, for the async views)
    send the same commands over redis-py's asyncio connections (redis_async.py); on any
    other cache, or a connection with no asyncio twin, they run the sync methods in a thread.

    Fails closed: any error from the cache becomes :class:`StoreUnavailable`, and a write the
    cache does not confirm does too. django-redis's ``IGNORE_EXCEPTIONS`` would turn an outage
    into "no such key" (indistinguishable from a wrong answer or, on issuing, a silently lost
    challenge), so the store always talks below that option.
    """

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[CheckMessage]:
        from django_captcha_guard.checks import stores  # imported late: the checks import every store

        return stores.cache_problems(options)

    def __init__(self, *, ALIAS: str = "default", KEY_PREFIX: str = "captcha_guard:", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not (isinstance(ALIAS, str) and isinstance(KEY_PREFIX, str)):
            raise ValueError(f"CacheStore ALIAS and KEY_PREFIX must be strings, not {ALIAS!r} and {KEY_PREFIX!r}.")
        self.alias = ALIAS
        self.key_prefix = KEY_PREFIX

    @property
    def cache(self) -> BaseCache:
        """The configured cache (Django keeps one instance per thread)."""
        return caches[self.alias]

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        self.save_counted(request, key, entry, timeout, None)

    def save_counted(self, request: HttpRequest, key: str, entry: Entry, timeout: int, counter: Counter | None) -> bool:
        cache = self.cache
        commands = redis_commands(cache)
        if counter is not None and (commands is None or counter.alias != self.alias):
            # The count lives elsewhere: spend it first, then store on its own.
            if not counter.spend():
                return False
            counter = None
        if commands is None:
            return self._confirm(lambda: raw_cache(cache).add(self._key(key), _value(entry), timeout))
        if counter is None:
            return self._confirm(lambda: commands.set(self._key(key), _value(entry).encode(), timeout))
        try:
            count, stored = commands.count_and_set(
                counter.key, counter.timeout, counter.limit, self._key(key), _value(entry).encode(), timeout
            )
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while storing a challenge: {exc}") from exc
        return self._counted_store(counter, count, stored)

    def _counted_store(self, counter: Counter, count: int, stored: bool) -> bool:
        """What COUNT_AND_SET's reply means: refused (False), stored (True) or not confirmed."""
        if not counter.allows(count):
            return False
        if not stored:
            raise StoreUnavailable(f"Cache {self.alias!r} did not confirm storing a challenge.")
        return True

    async def asave_counted(
        self, request: HttpRequest, key: str, entry: Entry, timeout: int, counter: Counter | None
    ) -> bool:
        """:meth:`save_counted` in one asyncio round trip on Redis; in a thread on anything else."""
        commands = async_redis_commands(self.alias)
        if commands is None or (counter is not None and counter.alias != self.alias):
            return await super().asave_counted(request, key, entry, timeout, counter)
        value = _value(entry).encode()
        try:
            if counter is None:
                return self._confirmed(await commands.set(self._key(key), value, timeout))
            count, stored = await commands.count_and_set(
                counter.key, counter.timeout, counter.limit, self._key(key), value, timeout
            )
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while storing a challenge: {exc}") from exc
        return self._counted_store(counter, count, stored)

    def _confirm(self, write: Callable[[], Any]) -> bool:
        """Run ``write``; True once it reports the value stored, StoreUnavailable otherwise."""
        try:
            # add / SET NX, not set: they report whether the value was stored, on every backend.
            stored = write()
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while storing a challenge: {exc}") from exc
        return self._confirmed(stored)

    def _confirmed(self, stored: object) -> bool:
        if not stored:
            raise StoreUnavailable(f"Cache {self.alias!r} did not confirm storing a challenge.")
        return True

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        cache = self.cache
        commands = redis_commands(cache)
        try:
            value = commands.get(self._key(key)) if commands else raw_cache(cache).get(self._key(key))
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while reading a challenge: {exc}") from exc
        entry = _parse(value)
        return entry if self.is_live(entry) else None

    def get_counted(self, request: HttpRequest, key: str, counter: Counter) -> tuple[Entry | None, bool]:
        commands = redis_commands(self.cache)
        if commands is None or counter.alias != self.alias:
            return super().get_counted(request, key, counter)
        try:
            value, count = commands.get_and_count(self._key(key), counter.key, counter.timeout)
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while reading a challenge: {exc}") from exc
        return self._counted_entry(value, count, counter)

    def _counted_entry(self, value: Any, count: int, counter: Counter) -> tuple[Entry | None, bool]:
        """What GET_AND_COUNT's reply means: the live entry or None, and whether the count allowed it."""
        entry = _parse(value)
        if not self.is_live(entry):
            return None, True
        return entry, counter.allows(count)

    async def aget_counted(self, request: HttpRequest, key: str, counter: Counter) -> tuple[Entry | None, bool]:
        """:meth:`get_counted` in one asyncio round trip on Redis; in a thread on anything else."""
        commands = async_redis_commands(self.alias)
        if commands is None or counter.alias != self.alias:
            return await super().aget_counted(request, key, counter)
        try:
            value, count = await commands.get_and_count(self._key(key), counter.key, counter.timeout)
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while reading a challenge: {exc}") from exc
        return self._counted_entry(value, count, counter)

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        cache, cache_key = self.cache, self._key(key)
        commands = redis_commands(cache)
        try:
            if commands is not None:
                return _parse(commands.pop(cache_key))
            operations = raw_cache(cache)
            value = operations.get(cache_key)
            if value is None:
                return None
            removed = operations.delete(cache_key)
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while consuming a challenge: {exc}") from exc
        # Of all callers that read the value, only the one whose delete removed it may use it.
        return _parse(value) if removed else None

    async def apop(self, request: HttpRequest, key: str) -> Entry | None:
        """:meth:`pop` as one asyncio GETDEL on Redis; in a thread on anything else."""
        commands = async_redis_commands(self.alias)
        if commands is None:
            return await super().apop(request, key)
        try:
            return _parse(await commands.pop(self._key(key)))
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while consuming a challenge: {exc}") from exc

    def _key(self, key: str) -> str:
        return f"{self.key_prefix}{site_namespace()}:{key}"


def raw_cache(cache: BaseCache) -> Any:
    """What to call ``add``/``get``/``delete`` on: django-redis's client, else the cache.

    django-redis's client has the cache's signatures and raises on connection errors
    whatever ``IGNORE_EXCEPTIONS`` says; its ``delete`` returns the number of keys removed.
    """
    return cache.client if isinstance(cache, _CLIENT_BACKENDS) else cache  # type: ignore[attr-defined]


def _value(entry: Entry) -> str:
    return f"{entry.digest} {entry.expires_at!r}"


def _parse(value: Any) -> Entry | None:
    if isinstance(value, bytes):  # from Redis directly
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:  # not ours (e.g. a pickle written before this version)
            return None
    if not isinstance(value, str):
        return None
    digest, _, expires_at = value.partition(" ")
    try:
        return Entry(digest, float(expires_at))
    except ValueError:
        return None
