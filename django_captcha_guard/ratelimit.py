"""Counters in ``RATE_LIMIT_CACHE``: new challenges per client, and renders per picture.

A fixed one-minute window per client: cheap (one ``add`` and one ``incr`` per request),
shared between processes when that cache is, and self-cleaning because each counter
expires with its window. A client may spend at most twice the limit across a window
boundary; for something as cheap to ask for as a picture that bound is good enough and
needs no sliding log. Every challenge is counted, however it was asked for (a page's
widget, a form field, ``captcha/new/``), so a client holds at most
:func:`most_outstanding` live challenges in any store.

Each picture may be drawn :data:`RENDERS_PER_KEY` times (the 1x and 2x copies and a few
reloads): drawing costs a millisecond of CPU, and without a bound one live key would let a
client buy as many of those as it can send requests.

Both fail closed: when the counter's cache cannot be reached, or is a ``DummyCache`` (which
counts nothing) while ``DEBUG`` is off, they raise StoreUnavailable.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.http import HttpRequest

from django_captcha_guard.clients import client_ip
from django_captcha_guard.conf import get_config
from django_captcha_guard.storage import StoreUnavailable
from django_captcha_guard.storage.base import site_namespace
from django_captcha_guard.storage.cache import raw_cache

logger = logging.getLogger("django_captcha_guard")

WINDOW = 60  # seconds; RATE_LIMIT counts challenges per minute
RENDERS_PER_KEY = 6


def client_bucket(request: HttpRequest) -> str:
    """Who is counted: the client address, or its /64 network for IPv6.

    One IPv6 subscriber usually holds a whole /64, so counting single addresses would
    let one client rotate through billions of them.
    """
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:1.2.3.4 is the IPv4 client 1.2.3.4
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def most_outstanding(rate_limit: int, timeout: int) -> int:
    """The most live challenges one client can hold: RATE_LIMIT a window, for as many windows as TIMEOUT spans."""
    return rate_limit * (math.ceil(timeout / WINDOW) + 1)


def retry_after(request: HttpRequest, clock: Callable[[], float] = time.time) -> int | None:
    """Count one new challenge for this client; the seconds to wait if over the limit, else None."""
    limit = get_config().rate_limit
    if limit is None:
        return None
    now = clock()
    window = int(now // WINDOW)
    # Hashed so that any address (or forged header, if proxies are misconfigured) makes a
    # short key every cache backend accepts.
    bucket = hashlib.sha256(client_bucket(request).encode()).hexdigest()[:32]
    if _count(f"captcha_guard:{site_namespace()}:rate:{bucket}:{window}", WINDOW + 1) <= limit:
        return None
    return max(1, math.ceil((window + 1) * WINDOW - now))


def render_allowed(key: str, kind: str = "renders") -> bool:
    """Count one drawing of the picture (or, with ``kind="audio"``, one mix of the audio) for ``key``.

    False once it has had its share; the picture and the audio each have their own.
    """
    timeout = get_config().timeout
    return _count(f"captcha_guard:{site_namespace()}:{kind}:{key}", timeout) <= RENDERS_PER_KEY


def _count(cache_key: str, timeout: int) -> int:
    alias = get_config().rate_limit_cache
    cache = _counting_cache(alias)
    # Below django-redis's IGNORE_EXCEPTIONS, which would turn an outage into "no count".
    operations = raw_cache(cache)
    try:
        operations.add(cache_key, 0, timeout=timeout)
        count = operations.incr(cache_key)
    except ValueError:
        # The counter expired between add() and incr(): this is the first hit of a window.
        count = 1
    except Exception as exc:  # any backend error (connection refused, timeout, ...)
        logger.error("Captcha rate-limit cache %r unavailable", alias, exc_info=True)
        raise StoreUnavailable(str(exc)) from exc
    if not isinstance(count, int):
        logger.error("Captcha rate-limit cache %r returned %r instead of a count", alias, count)
        raise StoreUnavailable(f"Cache {alias!r} did not count.")
    return count


def _counting_cache(alias: str) -> BaseCache:
    cache = caches[alias]
    if isinstance(cache, DummyCache) and not settings.DEBUG:
        # E028 reports it too, but servers never run checks: refuse it where it would switch the limit off.
        logger.error("Captcha RATE_LIMIT_CACHE %r is a DummyCache, which counts nothing: refusing to issue", alias)
        raise StoreUnavailable(f"RATE_LIMIT_CACHE {alias!r} is a DummyCache.")
    return cache
