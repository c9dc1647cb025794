"""Per-client limit on issuing new challenges (the JSON endpoint).

A fixed one-minute window counted in a Django cache (``RATE_LIMIT_CACHE``): cheap (one
``add`` and one ``incr`` per request), shared between processes when that cache is, and
self-cleaning because each counter expires with its window. A client may spend at most
twice the limit across a window boundary; for a limit on something as cheap to ask for
as a picture, that bound is good enough and needs no sliding log.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable

from django.core.cache import caches
from django.http import HttpRequest

from django_captcha_guard.clients import client_ip
from django_captcha_guard.conf import get_settings
from django_captcha_guard.storage import StoreUnavailable

logger = logging.getLogger("django_captcha_guard")

WINDOW = 60  # seconds; RATE_LIMIT counts challenges per minute


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


def retry_after(request: HttpRequest, clock: Callable[[], float] = time.time) -> int | None:
    """Count one issue for this client; return the seconds to wait if over the limit, else None.

    Raises StoreUnavailable when the counter's cache cannot be reached: without a count
    the limit cannot be enforced, so issuing fails closed like any other store outage.
    """
    config = get_settings()
    limit = config["RATE_LIMIT"]
    if limit is None:
        return None
    now = clock()
    window = int(now // WINDOW)
    # Hashed so that any address (or forged header, if proxies are misconfigured) makes a
    # short key every cache backend accepts.
    bucket = hashlib.sha256(client_bucket(request).encode()).hexdigest()[:32]
    cache_key = f"captcha_guard:rate:{bucket}:{window}"
    cache = caches[config["RATE_LIMIT_CACHE"]]
    try:
        cache.add(cache_key, 0, timeout=WINDOW + 1)
        count = cache.incr(cache_key)
    except ValueError:
        # The counter expired between add() and incr(): this is the first hit of a window.
        count = 1
    except Exception as exc:  # any backend error (connection refused, timeout, ...)
        logger.error("Captcha rate-limit cache %r unavailable", config["RATE_LIMIT_CACHE"], exc_info=True)
        raise StoreUnavailable(str(exc)) from exc
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * WINDOW - now))
