"""Whether ``RATE_LIMIT_CACHE`` can count for every process (E027, E028, E029, W022, W023).

It counts the issuing rate limit and ``PROGRESSIVE``'s failures, so it is checked when
either is on.

A limit counted per process, or not at all, is no limit: n workers allow n times
``RATE_LIMIT``, and a ``DummyCache`` counts nothing. Issuing refuses the latter at run
time too (with ``DEBUG`` off), since servers never run checks.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from django_captcha_guard.checks.deployment import cache_backend, per_process
from django_captcha_guard.conf import DEFAULTS, problems, user_settings

__all__ = ["rate_limit_problems"]

PER_PROCESS_CACHES = (LocMemCache,)


def rate_limit_problems() -> list[checks.CheckMessage]:
    if problems():
        return []  # E015 reports a malformed RATE_LIMIT or RATE_LIMIT_CACHE
    config = {**DEFAULTS, **user_settings()}
    found: list[checks.CheckMessage] = []
    if config["RATE_LIMIT"] is None:
        found.append(
            checks.Warning(
                "CAPTCHA_GUARD['RATE_LIMIT'] is None: a client may ask for as many challenges as it likes.",
                hint="Keep a limit (the default is 60 a minute per client) unless a proxy in front limits "
                "requests to the captcha URLs and to pages that show one.",
                id="captcha_guard.W023",
            )
        )
        if not config["PROGRESSIVE"]:
            return found  # nothing else counts in RATE_LIMIT_CACHE (PROGRESSIVE's failures do)
    return found + _counting_cache(config["RATE_LIMIT_CACHE"])


def _counting_cache(alias: str) -> list[checks.CheckMessage]:
    """E027, E028, W022/E029: whether ``alias`` can count for every process."""
    if alias not in settings.CACHES:
        return [
            checks.Error(
                f"CAPTCHA_GUARD['RATE_LIMIT_CACHE'] is {alias!r}, which is not in CACHES.",
                hint=f"Use one of: {', '.join(map(repr, settings.CACHES))}.",
                id="captcha_guard.E027",
            )
        ]
    backend = cache_backend(alias)
    if backend is not None and issubclass(backend, DummyCache):
        return [
            checks.Error(
                f"CAPTCHA_GUARD['RATE_LIMIT_CACHE'] {alias!r} is a DummyCache, which counts nothing: "
                "the rate limit would be off (with DEBUG off, issuing fails instead).",
                hint="Count in Redis (django-redis or Django's RedisCache), or in LocMemCache for one process.",
                id="captcha_guard.E028",
            )
        ]
    if backend is not None and issubclass(backend, PER_PROCESS_CACHES):
        return per_process(
            f"CAPTCHA_GUARD['RATE_LIMIT_CACHE'] {alias!r} is a {backend.__name__}: each process counts on its "
            "own, so n workers allow n times RATE_LIMIT.",
            "Count in Redis (django-redis or Django's RedisCache) when the site runs several processes.",
            warning_id="captcha_guard.W022",
        )
    return []
