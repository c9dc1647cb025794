"""Counters in a Django cache (``RATE_LIMIT_CACHE``), which ratelimit.py builds and stores spend.

A :class:`Counter` is handed to the store rather than spent beforehand, so a store whose
cache is the counter's cache can count and store (or read and count) in one Redis round
trip; any other store spends it first with :meth:`Counter.spend`.

Counting fails closed: when the cache cannot be reached, or is a ``DummyCache`` (which
counts nothing) while ``DEBUG`` is off, it raises StoreUnavailable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache

from django_captcha_guard.storage.base import StoreUnavailable
from django_captcha_guard.storage.cache import raw_cache
from django_captcha_guard.storage.redis_async import async_redis_commands
from django_captcha_guard.storage.redis_commands import redis_commands

logger = logging.getLogger("django_captcha_guard")


@dataclass(frozen=True)
class Counter:
    """One count: ``key`` in the cache ``alias``, living ``timeout`` seconds, allowing ``limit``."""

    alias: str
    key: str
    timeout: int
    limit: int

    @property
    def cache(self) -> BaseCache:
        return counting_cache(self.alias)

    def spend(self) -> bool:
        """Count one; whether the count is still within the limit."""
        return self.allows(count(self.cache, self.alias, self.key, self.timeout))

    async def aspend(self) -> bool:
        """:meth:`spend` for async code: one asyncio round trip on Redis, else the sync count in a thread."""
        commands = async_redis_commands(self.alias)  # a Redis cache, so never a DummyCache
        if commands is None:
            return await sync_to_async(self.spend)()
        try:
            value = await commands.count(self.key, self.timeout)
        except Exception as exc:
            logger.error("Captcha rate-limit cache %r unavailable", self.alias, exc_info=True)
            raise StoreUnavailable(str(exc)) from exc
        return self.allows(value)

    def allows(self, value: int) -> bool:
        """Whether a count of ``value`` is within the limit; anything but a whole number fails closed."""
        if not isinstance(value, int) or isinstance(value, bool):
            logger.error("Captcha rate-limit cache %r returned %r instead of a count", self.alias, value)
            raise StoreUnavailable(f"Cache {self.alias!r} did not count.")
        return value <= self.limit


def count(cache: BaseCache, alias: str, cache_key: str, timeout: int) -> int:
    """Add one to ``cache_key`` (created for ``timeout`` seconds); the new count."""
    try:
        commands = redis_commands(cache)
        if commands is not None:
            return commands.count(cache_key, timeout)
        # Below django-redis's IGNORE_EXCEPTIONS, which would turn an outage into "no count".
        operations = raw_cache(cache)
        operations.add(cache_key, 0, timeout=timeout)
        value: int = operations.incr(cache_key)
        return value
    except ValueError:
        # The counter expired between add() and incr(): this is the first hit of a window.
        return 1
    except Exception as exc:  # any backend error (connection refused, timeout, ...)
        logger.error("Captcha rate-limit cache %r unavailable", alias, exc_info=True)
        raise StoreUnavailable(str(exc)) from exc


def counting_cache(alias: str) -> BaseCache:
    cache = caches[alias]
    if isinstance(cache, DummyCache) and not settings.DEBUG:
        # E028 reports it too, but servers never run checks: refuse it where it would switch the limit off.
        logger.error("Captcha RATE_LIMIT_CACHE %r is a DummyCache, which counts nothing: refusing to issue", alias)
        raise StoreUnavailable(f"RATE_LIMIT_CACHE {alias!r} is a DummyCache.")
    return cache
