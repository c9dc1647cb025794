"""Checks that the configured store can work in this project (E020-E025, W020-W021).

Each mistake here would otherwise show only under load or in production: a session the
client can replay, a cache that forgets everything, a store each worker has its own copy of.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSession
from django.contrib.sessions.backends.signed_cookies import SessionStore as SignedCookieSession
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import checks
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string

from django_captcha_guard.conf import DEFAULTS, STORE_ALIASES, problems, user_settings
from django_captcha_guard.storage.base import BaseStore
from django_captcha_guard.storage.cache import CacheStore
from django_captcha_guard.storage.memory import MemoryStore
from django_captcha_guard.storage.session import SessionStore


def store_problems() -> list[checks.CheckMessage]:
    """Problems with the configured store; nothing when the STORE setting itself is invalid (E011)."""
    store = user_settings().get("STORE", DEFAULTS["STORE"])
    try:
        store_class = import_string(STORE_ALIASES.get(store["BACKEND"], store["BACKEND"]))
        options: dict[str, Any] = dict(store.get("OPTIONS", {}))
    except Exception:
        return []
    if not (isinstance(store_class, type) and issubclass(store_class, BaseStore)):
        return []
    found = _options(store_class, options)
    if issubclass(store_class, SessionStore):
        found += _session()
    if issubclass(store_class, CacheStore):
        found += _cache(options.get("ALIAS", "default"))
    if issubclass(store_class, MemoryStore) and not settings.DEBUG:
        found.append(
            checks.Warning(
                "The memory captcha store keeps challenges in each process: with several workers, "
                "a challenge issued by one cannot be verified by another.",
                hint="Fine with one process (runserver, a single-worker server). Otherwise use the 'cache' store "
                "on Redis, or the default 'session' store.",
                id="captcha_guard.W021",
            )
        )
    return found


def _options(store_class: type[BaseStore], options: dict[str, Any]) -> list[checks.CheckMessage]:
    if problems():  # building a store reads the settings, which must be valid first
        return []
    try:
        store_class(**options)
    except (TypeError, ValueError) as exc:
        return [
            checks.Error(
                f"CAPTCHA_GUARD['STORE']['OPTIONS'] do not suit {store_class.__name__}: {exc}",
                hint="SessionStore takes MAX_PER_SESSION; CacheStore takes ALIAS and KEY_PREFIX; "
                "MemoryStore takes MAXSIZE.",
                id="captcha_guard.E025",
            )
        ]
    return []


def _session() -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    try:
        engine = import_module(settings.SESSION_ENGINE).SessionStore
    except (ImportError, AttributeError):
        return found  # Django's own session checks and imports report this
    if issubclass(engine, SignedCookieSession):
        found.append(
            checks.Error(
                "The session captcha store cannot be used with signed-cookie sessions: the browser holds "
                "the session, so it could read the entries and send an old cookie to replay a challenge.",
                hint="Use a server-side SESSION_ENGINE (db, cache, cached_db) or CAPTCHA_GUARD['STORE'] 'cache'.",
                id="captcha_guard.E020",
            )
        )
    if not any(_is_session_middleware(path) for path in settings.MIDDLEWARE):
        found.append(
            checks.Error(
                "The session captcha store needs SessionMiddleware, which is not in MIDDLEWARE.",
                hint="Add 'django.contrib.sessions.middleware.SessionMiddleware' to MIDDLEWARE, "
                "or configure another CAPTCHA_GUARD['STORE'].",
                id="captcha_guard.E021",
            )
        )
    if issubclass(engine, DatabaseSession) and not apps.is_installed("django.contrib.sessions"):
        found.append(
            checks.Error(
                "The session captcha store uses database sessions, but django.contrib.sessions is not installed.",
                hint="Add 'django.contrib.sessions' to INSTALLED_APPS, or use a cache SESSION_ENGINE.",
                id="captcha_guard.E022",
            )
        )
    return found


def _is_session_middleware(path: str) -> bool:
    try:
        middleware = import_string(path)
    except ImportError:
        return False
    return isinstance(middleware, type) and issubclass(middleware, SessionMiddleware)


def _cache(alias: Any) -> list[checks.CheckMessage]:
    if alias not in settings.CACHES:
        return [
            checks.Error(
                f"The captcha cache store uses the cache alias {alias!r}, which is not in CACHES.",
                hint=f"Add it to CACHES or set CAPTCHA_GUARD['STORE']['OPTIONS']['ALIAS'] to one of: "
                f"{', '.join(map(repr, settings.CACHES))}.",
                id="captcha_guard.E023",
            )
        ]
    try:
        backend = import_string(settings.CACHES[alias]["BACKEND"])
    except (ImportError, KeyError):
        return []  # Django's cache configuration errors report this
    if issubclass(backend, DummyCache):
        return [
            checks.Error(
                f"The captcha cache store uses {alias!r}, a DummyCache, which stores nothing: no answer could verify.",
                hint="Use Redis (django-redis or django.core.cache.backends.redis.RedisCache).",
                id="captcha_guard.E024",
            )
        ]
    if issubclass(backend, (LocMemCache, FileBasedCache)):
        return [
            checks.Warning(
                f"The captcha cache store uses {alias!r}, a {backend.__name__}, which is not shared between "
                "processes or hosts: a challenge issued by one worker may be unknown to the next.",
                hint="Use Redis in production; LocMemCache is fine for one process and for tests.",
                id="captcha_guard.W020",
            )
        ]
    return []
