"""Shared atomic counters in ``RATE_LIMIT_CACHE``, for progressive challenges and subject limits.

Each counter is one cache key created by ``add`` with its lifetime and moved by the
cache's ``incr``/``decr``, which Redis (and LocMemCache, under its lock) apply atomically:
of fifty parallel increments each caller sees a different count, in any process. That is
what bounds how many parallel requests can slip under a threshold.

Every error fails closed: an unreachable cache, or a ``DummyCache`` (which counts nothing)
while ``DEBUG`` is off, raises :class:`CountersUnavailable`. Callers decide what closed
means for them (ask for a captcha, refuse the action).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from django_captcha_guard.conf import get_config
from django_captcha_guard.storage.base import site_namespace
from django_captcha_guard.storage.cache import raw_cache

logger = logging.getLogger("django_captcha_guard")


class CountersUnavailable(Exception):
    """The counters' cache cannot count (down, a DummyCache, or per-process on several processes)."""


def key(*parts: str) -> str:
    """A cache key in this site's namespace; ``parts`` must already be short and key-safe."""
    return ":".join(("captcha_guard", site_namespace(), *parts))


def increment(cache_key: str, timeout: int) -> int:
    """Add one to the counter (created with ``timeout`` seconds to live); the new count."""
    operations = _operations()
    try:
        operations.add(cache_key, 0, timeout=timeout)
        count = operations.incr(cache_key)
    except ValueError:
        # The counter expired between add() and incr(): this is its first count.
        return 1
    except Exception as exc:
        raise _unavailable(exc) from exc
    return _checked(count)


def decrement(cache_key: str) -> None:
    """Take one back (a reservation that became a counted failure); nothing if it has expired."""
    operations = _operations()
    try:
        operations.decr(cache_key)
    except ValueError:
        pass  # expired: nothing left to take back
    except Exception as exc:
        raise _unavailable(exc) from exc


def value(cache_key: str) -> int:
    """The current count, 0 when the counter does not exist."""
    operations = _operations()
    try:
        count = operations.get(cache_key)
    except Exception as exc:
        raise _unavailable(exc) from exc
    return 0 if count is None else _checked(count)


def _operations() -> Any:
    from django_captcha_guard.checks.deployment import worker_processes

    alias = get_config().rate_limit_cache
    cache = caches[alias]
    if not settings.DEBUG:
        # The system checks (E028, E029) report these too, but servers never run checks:
        # refused here, where counting nothing would switch the protection off.
        if isinstance(cache, DummyCache):
            logger.error("Captcha counters: RATE_LIMIT_CACHE %r is a DummyCache, which counts nothing", alias)
            raise CountersUnavailable(f"RATE_LIMIT_CACHE {alias!r} is a DummyCache.")
        processes = worker_processes()
        if isinstance(cache, LocMemCache) and processes is not None and processes > 1:
            logger.error("Captcha counters: RATE_LIMIT_CACHE %r counts per process, %d processes", alias, processes)
            raise CountersUnavailable(f"RATE_LIMIT_CACHE {alias!r} is per process.")
    # Below django-redis's IGNORE_EXCEPTIONS, which would turn an outage into "no count".
    return raw_cache(cache)


def _checked(count: object) -> int:
    if not isinstance(count, int) or isinstance(count, bool):
        logger.error("Captcha counters: RATE_LIMIT_CACHE returned %r instead of a count", count)
        raise CountersUnavailable("The counters' cache did not count.")
    return count


def _unavailable(exc: Exception) -> CountersUnavailable:
    logger.error("Captcha counters: RATE_LIMIT_CACHE %r unavailable", get_config().rate_limit_cache, exc_info=True)
    return CountersUnavailable(str(exc))
