"""CacheStore: challenges in a Django cache, normally Redis.

This is the store for several processes and several machines. Any cache alias works; the
two Redis backends (django-redis's and Django's own) are the ones to use in production.
Redis Sentinel and Cluster come from django-redis's own client options; nothing here
changes.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import BaseCache, caches
from django.core.checks import CheckMessage
from django.http import HttpRequest

from django_captcha_guard.storage.base import BaseStore, Entry, StoreUnavailable, site_namespace

_CLIENT_BACKENDS: tuple[type, ...]
try:
    from django_redis.cache import RedisCache  # type: ignore[import-untyped]
except ImportError:  # django-redis is optional
    _CLIENT_BACKENDS = ()
else:
    _CLIENT_BACKENDS = (RedisCache,)


class CacheStore(BaseStore):
    """Entries under ``KEY_PREFIX``, the site's namespace and the key in the cache ``ALIAS``.

    Single use comes from the cache's delete: ``pop`` reads the entry and keeps it only if
    its own delete removed the key. Redis's DEL (and LocMemCache's locked delete) report a
    removal to exactly one of any number of concurrent callers, in any process.

    Fails closed: any error from the cache becomes :class:`StoreUnavailable`, and a write the
    cache does not confirm does too. django-redis's ``IGNORE_EXCEPTIONS`` would turn an outage
    into "no such key" (indistinguishable from a wrong answer or, on issuing, a silently lost
    challenge), so with django-redis the store talks to its client object, below that option.
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
        value = f"{entry.digest} {entry.expires_at!r}"
        try:
            # add, not set: it returns whether the value was stored, on every backend.
            stored = raw_cache(self.cache).add(self._key(key), value, timeout)
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while storing a challenge: {exc}") from exc
        if not stored:
            raise StoreUnavailable(f"Cache {self.alias!r} did not confirm storing a challenge.")

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        try:
            value = raw_cache(self.cache).get(self._key(key))
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while reading a challenge: {exc}") from exc
        entry = _parse(value)
        return entry if self.is_live(entry) else None

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        operations, cache_key = raw_cache(self.cache), self._key(key)
        try:
            value = operations.get(cache_key)
            if value is None:
                return None
            removed = operations.delete(cache_key)
        except Exception as exc:
            raise StoreUnavailable(f"Cache {self.alias!r} failed while consuming a challenge: {exc}") from exc
        # Of all callers that read the value, only the one whose delete removed it may use it.
        return _parse(value) if removed else None

    def _key(self, key: str) -> str:
        return f"{self.key_prefix}{site_namespace()}:{key}"


def raw_cache(cache: BaseCache) -> Any:
    """What to call ``add``/``get``/``delete`` on: django-redis's client, else the cache.

    django-redis's client has the cache's signatures and raises on connection errors
    whatever ``IGNORE_EXCEPTIONS`` says; its ``delete`` returns the number of keys removed.
    """
    return cache.client if isinstance(cache, _CLIENT_BACKENDS) else cache  # type: ignore[attr-defined]


def _parse(value: Any) -> Entry | None:
    if not isinstance(value, str):
        return None
    digest, _, expires_at = value.partition(" ")
    try:
        return Entry(digest, float(expires_at))
    except ValueError:
        return None
