"""The storage contract every challenge store fulfils.

A store keeps, per outstanding challenge, only an :class:`Entry`: a keyed digest of the
answer and the moment it stops being valid. It never sees the plaintext answer.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from asgiref.sync import sync_to_async
from django.core.checks import CheckMessage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

__all__ = ["BaseStore", "Entry", "StoreUnavailable", "site_namespace"]

if TYPE_CHECKING:
    from django_captcha_guard.storage.counters import Counter


class Entry(NamedTuple):
    digest: str  # urlsafe base64 of HMAC(answer), bound to the key and scope
    expires_at: float  # Unix time, from the store's clock


class StoreUnavailable(Exception):
    """The store cannot be reached or did not confirm a write.

    Callers fail closed on it: issuing and the image view answer 503, verification fails
    with reason ``unavailable``. Backends raise it instead of their own exceptions so the
    rest of the package handles one error.
    """


class BaseStore:
    """Base class for challenge stores; subclasses implement ``save``, ``get`` and ``pop``.

    ``clock`` returns the current Unix time; tests inject a fake one to exercise expiry
    without sleeping. Options from ``CAPTCHA_GUARD["STORE"]["OPTIONS"]`` arrive as keyword
    arguments; a subclass takes the ones it knows and passes ``clock`` on.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[CheckMessage]:
        """This store's problems in this project, reported by ``manage.py check``.

        ``options`` are ``CAPTCHA_GUARD["STORE"]["OPTIONS"]``. A store that depends on other
        settings (a cache alias, a database, the session engine) overrides this, as the
        built-in stores do, so its mistakes show before the first request, not under load.
        """
        return []

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        """Keep ``entry`` under ``key`` for at most ``timeout`` seconds.

        Raises StoreUnavailable when the entry may not have been stored.
        """
        raise NotImplementedError("subclasses of BaseStore must provide a save() method")

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        """The live entry under ``key``, or None; never consumes it (the image view)."""
        raise NotImplementedError("subclasses of BaseStore must provide a get() method")

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        """Remove and return the entry under ``key``.

        Of any number of concurrent callers for one key, at most one receives the entry;
        the others get None. This is what makes a challenge single-use.
        """
        raise NotImplementedError("subclasses of BaseStore must provide a pop() method")

    def save_counted(self, request: HttpRequest, key: str, entry: Entry, timeout: int, counter: Counter | None) -> bool:
        """Spend ``counter`` (the client's issuing limit), then :meth:`save` only if it allowed it.

        False when the limit refused: nothing was stored. A store whose cache also holds the
        counter overrides this to do both in one round trip.
        """
        if counter is not None and not counter.spend():
            return False
        self.save(request, key, entry, timeout)
        return True

    def get_counted(self, request: HttpRequest, key: str, counter: Counter) -> tuple[Entry | None, bool]:
        """:meth:`get`, spending ``counter`` (the picture's renders) only when there is a live entry.

        Returns the live entry or None, and whether the counter allowed one more; an unknown
        key spends nothing. Overridden like :meth:`save_counted`.
        """
        entry = self.get(request, key)
        if not self.is_live(entry):
            return None, True
        return entry, counter.spend()

    # The async twins, for the async views (urls_async.py), named as Django names its async
    # cache API. By default each runs its sync method through ``sync_to_async``, thread-sensitive
    # as Django runs a sync view, so a store on the database or the session keeps working
    # exactly as it does there (one thread hop, as a sync view costs under ASGI). CacheStore
    # on Redis overrides them with native asyncio round trips.

    async def asave_counted(
        self, request: HttpRequest, key: str, entry: Entry, timeout: int, counter: Counter | None
    ) -> bool:
        """:meth:`save_counted` for async code; the same contract."""
        return await sync_to_async(self.save_counted)(request, key, entry, timeout, counter)

    async def aget_counted(self, request: HttpRequest, key: str, counter: Counter) -> tuple[Entry | None, bool]:
        """:meth:`get_counted` for async code; the same contract."""
        return await sync_to_async(self.get_counted)(request, key, counter)

    async def apop(self, request: HttpRequest, key: str) -> Entry | None:
        """:meth:`pop` for async code; the same contract (at most one caller gets the entry)."""
        return await sync_to_async(self.pop)(request, key)

    def is_live(self, entry: Entry | None) -> bool:
        """Whether ``entry`` exists and has not expired by this store's clock."""
        return entry is not None and entry.expires_at > self.clock()


@functools.cache
def site_namespace() -> str:
    """A short tag derived from ``SECRET_KEY`` that shared stores put in front of every key.

    Two sites sharing one Redis (or one database) each see only their own challenges, so one
    cannot consume (or flood) the other's. Rotating ``SECRET_KEY`` changes the tag, which
    only retires the challenges outstanding at that moment.
    """
    return salted_hmac("captcha_guard.site", "", algorithm="sha256").hexdigest()[:12]


@receiver(setting_changed)
def _new_namespace(*, setting: str, **kwargs: Any) -> None:
    if setting == "SECRET_KEY":
        site_namespace.cache_clear()
