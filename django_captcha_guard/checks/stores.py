"""Whether the configured challenge store can work in this project (E020-E026, W020, W021, W024, W025).

Each mistake here would otherwise show only under load or in production: a session the
client can replay, a cache that forgets everything, a store each worker has its own copy
of. :func:`store_problems` asks the store class itself through :meth:`BaseStore.check`,
so a third-party store reports its own problems; the built-in stores' checks are below.
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

from django_captcha_guard.checks.deployment import cache_backend, per_process
from django_captcha_guard.conf import DEFAULTS, STORE_ALIASES, problems, user_settings
from django_captcha_guard.ratelimit import most_outstanding
from django_captcha_guard.storage.base import BaseStore

__all__ = ["cache_problems", "database_problems", "memory_problems", "session_problems", "store_problems"]


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
    return _options(store_class, options) + store_class.check(options)


def database_problems(options: dict[str, Any]) -> list[checks.CheckMessage]:
    """DatabaseStore: the database alias must exist (E026)."""
    alias = options.get("USING", "default")
    if alias in settings.DATABASES:
        return []
    return [
        checks.Error(
            f"The captcha store uses the database alias {alias!r}, which is not in DATABASES.",
            hint="Set CAPTCHA_GUARD['STORE']['OPTIONS']['USING'] to one of: "
            f"{', '.join(map(repr, settings.DATABASES))}.",
            id="captcha_guard.E026",
        )
    ]


def session_problems(options: dict[str, Any]) -> list[checks.CheckMessage]:
    """SessionStore: a server-side session, its middleware, and claims that hold (E020-E022, E026, W025)."""
    alias = options.get("USING", "default")
    return database_problems(options) + _session() + _session_claims(alias)


def cache_problems(options: dict[str, Any]) -> list[checks.CheckMessage]:
    """CacheStore: a cache every process shares (E023, E024, W020)."""
    alias = options.get("ALIAS", "default")
    if alias not in settings.CACHES:
        return [
            checks.Error(
                f"The captcha cache store uses the cache alias {alias!r}, which is not in CACHES.",
                hint=f"Add it to CACHES or set CAPTCHA_GUARD['STORE']['OPTIONS']['ALIAS'] to one of: "
                f"{', '.join(map(repr, settings.CACHES))}.",
                id="captcha_guard.E023",
            )
        ]
    backend = cache_backend(alias)
    if backend is None:
        return []
    if issubclass(backend, DummyCache):
        return [
            checks.Error(
                f"The captcha cache store uses {alias!r}, a DummyCache, which stores nothing: no answer could verify.",
                hint="Use Redis (django-redis or django.core.cache.backends.redis.RedisCache).",
                id="captcha_guard.E024",
            )
        ]
    if issubclass(backend, (LocMemCache, FileBasedCache)):
        return per_process(
            f"The captcha cache store uses {alias!r}, a {backend.__name__}, which is not shared between "
            "processes or hosts: a challenge issued by one worker may be unknown to the next.",
            "Use Redis in production; LocMemCache is fine for one process and for tests.",
            warning_id="captcha_guard.W020",
        )
    return []


def memory_problems(options: dict[str, Any]) -> list[checks.CheckMessage]:
    """MemoryStore: one process only (W021), with room for more than one client (W024)."""
    return per_process(
        "The memory captcha store keeps challenges in each process: a challenge issued by one worker "
        "cannot be verified by another.",
        "Fine with one process (runserver, a single-worker server). Otherwise use the default 'database' "
        "store, or the 'cache' store on Redis.",
        warning_id="captcha_guard.W021",
    ) + _memory_room(options.get("MAXSIZE", 10_000))


def _memory_room(maxsize: object) -> list[checks.CheckMessage]:
    """W024: one client alone may fill the memory store, pushing out everyone else's challenges."""
    config = {**DEFAULTS, **user_settings()}
    if problems() or not isinstance(maxsize, int) or config["RATE_LIMIT"] is None:
        return []
    one_client = most_outstanding(config["RATE_LIMIT"], config["TIMEOUT"])
    if maxsize >= one_client:
        return []
    return [
        checks.Warning(
            f"The memory captcha store holds {maxsize} challenges, but one client may hold {one_client} "
            "(RATE_LIMIT a minute, for TIMEOUT): a single client could push out every other visitor's challenge.",
            hint=f"Raise CAPTCHA_GUARD['STORE']['OPTIONS']['MAXSIZE'] to at least {one_client} (many times that "
            "for many visitors), or lower RATE_LIMIT or TIMEOUT.",
            id="captcha_guard.W024",
        )
    ]


def _session_claims(alias: Any) -> list[checks.CheckMessage]:
    """W025: on SQLite with ATOMIC_REQUESTS, a rollback of the view can undo the session store's claim."""
    database = settings.DATABASES.get(alias, {})
    if not (database.get("ATOMIC_REQUESTS") and str(database.get("ENGINE", "")).endswith("sqlite3")):
        return []
    return [
        checks.Warning(
            "The session captcha store claims keys on SQLite inside ATOMIC_REQUESTS transactions: SQLite's "
            "one writer must wait for the view, so the claim runs in the view's transaction, and a view "
            "that raises after acting rolls it back (the same answer then passes again).",
            hint="Use the default 'database' store, check with CaptchaGuardMiddleware (PROTECTED_ROUTES runs "
            "before the view's transaction), or use PostgreSQL.",
            id="captcha_guard.W025",
        )
    ]


def _options(store_class: type[BaseStore], options: dict[str, Any]) -> list[checks.CheckMessage]:
    if problems():  # building a store reads the settings, which must be valid first
        return []
    try:
        store_class(**options)
    except (TypeError, ValueError) as exc:
        return [
            checks.Error(
                f"CAPTCHA_GUARD['STORE']['OPTIONS'] do not suit {store_class.__name__}: {exc}",
                hint="DatabaseStore takes USING and CULL_EVERY; CacheStore takes ALIAS and KEY_PREFIX; "
                "SessionStore takes MAX_PER_SESSION and USING; MemoryStore takes MAXSIZE.",
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
