"""SessionStore: challenges in the visitor's Django session.

A challenge issued in one session cannot be answered from another. The entry (digest and
expiry) lives in the session, but the session alone cannot make it single use: Django
sessions have no locking, so parallel requests with one cookie each load their own copy,
and ``SessionMiddleware`` saves nothing when the view answers 5xx. So ``pop`` also claims
the key in the database (a row with a unique key in ``captcha_guard_spent_key``, living
until the challenge would have expired), at check time: of any number of requests, in any
number of processes, exactly one claim succeeds, whatever happens to the session later.

The session is saved as soon as a challenge is added or removed, so a session backend
that cannot write (a database gone read-only, a full Redis) fails closed with 503 at
that moment instead of a 500 when the response leaves.
"""

from __future__ import annotations

import threading
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.cache import SessionStore as CacheSession
from django.core.checks import CheckMessage
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest

from django_captcha_guard.storage.base import BaseStore, Entry, StoreUnavailable, site_namespace
from django_captcha_guard.storage.cache import raw_cache
from django_captcha_guard.storage.ledger import SPENT_KEYS, Ledger

__all__ = ["SESSION_KEY", "SessionStore"]

SESSION_KEY = "_captcha_guard"


class SessionStore(BaseStore):
    """Entries under one session key, as ``{key: [digest, expires_at]}`` (JSON-serialisable).

    At most ``MAX_PER_SESSION`` challenges are outstanding per session (default 10, enough
    for several tabs); issuing one more drops the oldest, and expired ones are dropped on
    every write, so the session cannot grow without bound. Spent keys are claimed on the
    database ``USING`` (default ``"default"``; run ``manage.py migrate``).
    """

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[CheckMessage]:
        from django_captcha_guard.checks import stores  # imported late: the checks import every store

        return stores.session_problems(options)

    def __init__(self, *, MAX_PER_SESSION: int = 10, USING: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(MAX_PER_SESSION, int) or isinstance(MAX_PER_SESSION, bool) or MAX_PER_SESSION < 1:
            raise ValueError(f"SessionStore MAX_PER_SESSION must be a positive whole number, not {MAX_PER_SESSION!r}.")
        if not isinstance(USING, str):
            raise ValueError(f"SessionStore USING must be a database alias, not {USING!r}.")
        self.max_per_session = MAX_PER_SESSION
        self.spent = Ledger(SPENT_KEYS, USING, cull_every=100)
        # Serialises threads that share one session object; across requests, the claim decides.
        self._lock = threading.Lock()

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        session = _loaded(request)
        with self._lock:
            entries = {k: v for k, v in _entries(session).items() if self.is_live(_entry(v))}
            entries[key] = [entry.digest, entry.expires_at]
            # Dicts keep insertion order (and so does the JSON round trip): the first are the oldest.
            for oldest in list(entries)[: max(0, len(entries) - self.max_per_session)]:
                del entries[oldest]
            _write(session, entries)

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        entry = _entry(_entries(_loaded(request)).get(key))
        return entry if self.is_live(entry) else None

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        session = _loaded(request)
        with self._lock:
            value = _entries(session).get(key)
        if value is None:
            return None
        entry = _entry(value)
        # The claim first: saving a database session writes in the request's transaction, and
        # on SQLite a claim made after that would have to wait for (and roll back with) it.
        claimed = entry is not None and self.spent.insert(f"{site_namespace()}:{key}", entry.expires_at, self.clock())
        with self._lock:
            _write(session, {k: v for k, v in _entries(session).items() if k != key})
        # False: another request, in this process or another, has spent it already.
        return entry if claimed else None


def _loaded(request: HttpRequest) -> SessionBase:
    """The request's session, loaded now: the lock then guards only in-memory work, not I/O."""
    session: SessionBase | None = getattr(request, "session", None)
    if session is None:
        raise ImproperlyConfigured(
            "The session captcha store needs request.session: add django.contrib.sessions to INSTALLED_APPS "
            "and SessionMiddleware to MIDDLEWARE, or configure another CAPTCHA_GUARD['STORE']."
        )
    _entries(session)
    return session


def _entries(session: SessionBase) -> dict[str, list[Any]]:
    """The stored entries; loading the session may hit its database or cache."""
    loading, key = not hasattr(session, "_session_cache"), session.session_key
    try:
        entries = session.get(SESSION_KEY, {})
        if loading and key and session.session_key is None and isinstance(session, CacheSession):
            _probe(session, key)
    except Exception as exc:
        # The session backend's own errors (database, cache) vary; all of them fail closed.
        raise StoreUnavailable(f"The session backend could not be read: {exc}") from exc
    return entries if isinstance(entries, dict) else {}


def _probe(session: CacheSession, key: str) -> None:
    """Tell a cache that is down from a session that is gone; raise if the cache is down.

    Django's cache backend reads a failing cache as "no such session" and drops the key, so
    ``SessionMiddleware`` would delete the visitor's cookie on the way out, and every later
    request would look like a new visitor. Ask the cache itself, below ``IGNORE_EXCEPTIONS``,
    and keep the key if it fails: the session stays the visitor's, and is neither saved nor
    deleted, until the cache is back.
    """
    try:
        raw_cache(session._cache).get(session.cache_key_prefix + key)  # type: ignore[attr-defined]
    except Exception:
        session._session_key = key
        raise


def _write(session: SessionBase, entries: dict[str, list[Any]]) -> None:
    """Store ``entries`` and save the session now; on failure leave it as it was, unsaved.

    Restoring it matters: ``SessionMiddleware`` would otherwise try the same failing write
    when the response leaves, and turn the clean 503 into a 500.
    """
    before, modified = session.get(SESSION_KEY), session.modified
    session[SESSION_KEY] = entries  # assigning marks the session modified, so the middleware sets the cookie
    try:
        session.save()
    except Exception as exc:
        if before is None:
            del session[SESSION_KEY]
        else:
            session[SESSION_KEY] = before
        session.modified = modified
        raise StoreUnavailable(f"The session backend could not be written: {exc}") from exc


def _entry(value: Any) -> Entry | None:
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        return Entry(value[0], float(value[1]))
    return None
