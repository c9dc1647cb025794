"""SessionStore: challenges in the visitor's Django session (the default store).

Needs no new service: with Django's database or cache session engines it works across
processes and hosts. A challenge issued in one session cannot be answered from another.

Concurrency limit: Django sessions have no locking. Each request loads the session when it
first reads it and writes it back when the response leaves. Two requests *of the same
session* that are in flight at the same moment can therefore both load an entry before
either has saved its removal, and both verify. The store guarantees that:

* a verified (or failed) challenge is gone for every request that loads the session after
  the verifying request has saved it, so sequential replays always fail;
* threads sharing one session object (one request) get the entry at most once;
* other sessions never see the entry at all.

Where parallel replays from one session matter (an SMS or payment endpoint), use the cache
store on Redis, whose ``pop`` is atomic across processes.
"""

from __future__ import annotations

import threading
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from django_captcha_guard.storage.base import BaseStore, Entry, StoreUnavailable

SESSION_KEY = "_captcha_guard"


class SessionStore(BaseStore):
    """Entries under one session key, as ``{key: [digest, expires_at]}`` (JSON-serialisable).

    At most ``MAX_PER_SESSION`` challenges are outstanding per session (default 10, enough
    for several tabs); issuing one more drops the oldest, and expired ones are dropped on
    every write, so the session cannot grow without bound.
    """

    def __init__(self, *, MAX_PER_SESSION: int = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(MAX_PER_SESSION, int) or isinstance(MAX_PER_SESSION, bool) or MAX_PER_SESSION < 1:
            raise ValueError(f"SessionStore MAX_PER_SESSION must be a positive whole number, not {MAX_PER_SESSION!r}.")
        self.max_per_session = MAX_PER_SESSION
        # Only serialises threads that share one session object; see the module docstring.
        self._lock = threading.Lock()

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        session = _loaded(request)
        with self._lock:
            entries = {k: v for k, v in _entries(session).items() if self.is_live(_entry(v))}
            entries[key] = [entry.digest, entry.expires_at]
            # Dicts keep insertion order (and so does the JSON round trip): the first are the oldest.
            for oldest in list(entries)[: max(0, len(entries) - self.max_per_session)]:
                del entries[oldest]
            session[SESSION_KEY] = entries  # assigning marks the session modified, so it is saved

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        entry = _entry(_entries(_loaded(request)).get(key))
        return entry if self.is_live(entry) else None

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        session = _loaded(request)
        with self._lock:
            entries = _entries(session)
            if key not in entries:
                return None
            entries = dict(entries)
            value = entries.pop(key)
            session[SESSION_KEY] = entries
        return _entry(value)


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
    try:
        entries = session.get(SESSION_KEY, {})
    except Exception as exc:
        # The session backend's own errors (database, cache) vary; all of them fail closed.
        raise StoreUnavailable(f"The session backend could not be read: {exc}") from exc
    return entries if isinstance(entries, dict) else {}


def _entry(value: Any) -> Entry | None:
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        return Entry(value[0], float(value[1]))
    return None
