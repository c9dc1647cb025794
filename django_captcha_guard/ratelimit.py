"""Counters in ``RATE_LIMIT_CACHE``: new challenges per client, and renders per picture.

A fixed one-minute window per client: cheap (one increment per request),
shared between processes when that cache is, and self-cleaning because each counter
expires with its window. A client may spend at most twice the limit across a window
boundary; for something as cheap to ask for as a picture that bound is good enough and
needs no sliding log. Every challenge is counted, however it was asked for (a page's
widget, a form field, ``captcha/new/``), so a client holds at most
:func:`most_outstanding` live challenges in any store.

Each picture may be drawn :data:`RENDERS_PER_KEY` times (the 1x and 2x copies and a few
reloads): drawing costs a millisecond of CPU, and without a bound one live key would let a
client buy as many of those as it can send requests.

Both are :class:`~django_captcha_guard.storage.counters.Counter` objects handed to the
store, which spends them in the same Redis round trip as its own work when the counter's
cache is the store's (one round trip per issue, per picture, per refusal). Both fail
closed: when the counter's cache cannot be reached, or is a ``DummyCache`` while ``DEBUG``
is off, spending raises StoreUnavailable.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest

from django_captcha_guard.clients import client_ip
from django_captcha_guard.conf import get_config
from django_captcha_guard.storage.base import site_namespace
from django_captcha_guard.storage.counters import Counter

__all__ = [
    "RENDERS_PER_KEY",
    "WINDOW",
    "Limit",
    "client_bucket",
    "issuing_limit",
    "known_refused",
    "most_outstanding",
    "remember_refused",
    "render_allowed",
    "render_counter",
    "retry_after",
]

WINDOW = 60  # seconds; RATE_LIMIT counts challenges per minute
RENDERS_PER_KEY = 6


def client_bucket(request: HttpRequest) -> str:
    """Who is counted: the client address, or its /64 network for IPv6.

    One IPv6 subscriber usually holds a whole /64, so counting single addresses would
    let one client rotate through billions of them.
    """
    return _bucket(client_ip(request))


def _bucket(address: str) -> str:
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


class Limit(NamedTuple):
    """This client's count of new challenges in the current window, and when the window ends."""

    counter: Counter
    retry_after: int  # seconds until the window ends, for a 429's Retry-After


def issuing_limit(request: HttpRequest, clock: Callable[[], float] = time.time) -> Limit | None:
    """The counter one new challenge for this client spends, or None when ``RATE_LIMIT`` is off.

    Not spent here: the store spends it, in the same round trip as storing the challenge
    when it can (see ``BaseStore.save_counted``).
    """
    config = get_config()
    if config.rate_limit is None:
        return None
    now = clock()
    window = int(now // WINDOW)
    key = f"captcha_guard:{site_namespace()}:rate:{_hashed_bucket(client_ip(request))}:{window}"
    counter = Counter(config.rate_limit_cache, key, WINDOW + 1, config.rate_limit)
    return Limit(counter, max(1, math.ceil((window + 1) * WINDOW - now)))


@functools.lru_cache(maxsize=4096)
def _hashed_bucket(address: str) -> str:
    """The client's bucket, hashed so that any address (or forged header, if proxies are
    misconfigured) makes a short key every cache backend accepts.

    Cached: parsing the address and hashing it cost as much as the rest of the count, and
    a client asks again and again (an attacker rotating addresses only churns 4,096 slots).
    """
    return hashlib.sha256(_bucket(address).encode()).hexdigest()[:32]


# Counters this process saw refuse, by (alias, key, limit). A window's counter only grows,
# so once it refused it refuses until the window (part of the key) ends: a flood from one
# client then costs no round trip, no drawing and no digest. Cleared whenever the window
# moves on, so it holds at most the clients that went over the limit in one window.
_REFUSED: dict[tuple[str, str, int], int] = {}
_REFUSED_WINDOW = [0]


def known_refused(limit: Limit) -> bool:
    """Whether this process already saw ``limit``'s counter refuse in this window."""
    counter = limit.counter
    return (counter.alias, counter.key, counter.limit) in _REFUSED


def remember_refused(limit: Limit, now: float | None = None) -> None:
    """Note that ``limit``'s counter refused, for :func:`known_refused`."""
    window = int((time.time() if now is None else now) // WINDOW)
    if window != _REFUSED_WINDOW[0]:
        _REFUSED.clear()
        _REFUSED_WINDOW[0] = window
    counter = limit.counter
    _REFUSED[(counter.alias, counter.key, counter.limit)] = window


@receiver(setting_changed)
def _forget_refusals(*, setting: str, **kwargs: Any) -> None:
    if setting in {"CAPTCHA_GUARD", "CACHES"}:  # another limit, or another cache to count in
        _REFUSED.clear()


def retry_after(request: HttpRequest, clock: Callable[[], float] = time.time) -> int | None:
    """Spend one of this client's challenges now; the seconds to wait if over the limit, else None.

    For the entry points that count towards ``RATE_LIMIT`` without storing a challenge (the
    audio view); issuing hands the counter to the store instead (:func:`issuing_limit`).
    """
    limit = issuing_limit(request, clock)
    if limit is None or limit.counter.spend():
        return None
    return limit.retry_after


def render_counter(key: str, kind: str = "renders") -> Counter:
    """The counter one drawing of the picture (``kind="audio"``: one mix of the audio) for ``key`` spends.

    It refuses after :data:`RENDERS_PER_KEY`; the picture and the audio each have their own.
    """
    config = get_config()
    return Counter(
        config.rate_limit_cache, f"captcha_guard:{site_namespace()}:{kind}:{key}", config.timeout, RENDERS_PER_KEY
    )


def render_allowed(key: str, kind: str = "renders") -> bool:
    """Spend one of ``render_counter(key, kind)``; False once it has had its share."""
    return render_counter(key, kind).spend()
