"""MemoryStore: challenges in this process's memory.

Zero setup and the fastest store, but each worker process has its own: a challenge issued
by one gunicorn worker cannot be verified by another. Right for development and for
single-process servers; a system check warns when it is used with ``DEBUG`` off.
"""

from __future__ import annotations

import base64
import struct
import threading
from collections import deque
from typing import Any

import cachetools
from django.core.checks import CheckMessage
from django.http import HttpRequest

from django_captcha_guard.storage.base import BaseStore, Entry

__all__ = ["MemoryStore"]

# 16 digest bytes and the expiry as a double: one 24-byte value per challenge, instead of
# a tuple holding a str and a float (about 100 bytes more per outstanding challenge).
_PACKING = struct.Struct("<16sd")


class MemoryStore(BaseStore):
    """A ``cachetools.Cache`` of packed values and a deque of keys in the order saved, behind one lock.

    Every challenge lives for the same ``TIMEOUT``, so the order saved is the order of
    expiry: each write drops the expired challenges from the front of the deque, and the
    cache's ``MAXSIZE`` bounds memory by dropping its first key, the oldest (verifying a
    dropped challenge fails as expired). A plain ``Cache`` keeps only a dict, and a deque
    slot is 8 bytes; ``cachetools.FIFOCache`` (used before) kept an ordered dict besides,
    about 100 bytes of links per challenge. A verified challenge leaves its key in the deque
    until the front reaches it; the deque is rebuilt from the live keys once it holds twice
    ``MAXSIZE``, so it stays bounded too.
    """

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[CheckMessage]:
        from django_captcha_guard.checks import stores  # imported late: the checks import every store

        return stores.memory_problems(options)

    def __init__(self, *, MAXSIZE: int = 10_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(MAXSIZE, int) or isinstance(MAXSIZE, bool) or MAXSIZE < 1:
            raise ValueError(f"MemoryStore MAXSIZE must be a positive whole number, not {MAXSIZE!r}.")
        self.maxsize = MAXSIZE
        self._values: cachetools.Cache[str, bytes] = cachetools.Cache(maxsize=MAXSIZE)
        self._order: deque[str] = deque()
        self._lock = threading.Lock()

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        value = _PACKING.pack(_decode(entry.digest), entry.expires_at)
        now = self.clock()
        with self._lock:
            self._drop_expired(now)
            self._values[key] = value  # when full, the cache drops its first key: the oldest
            self._order.append(key)
            if len(self._order) > 2 * self.maxsize:
                self._order = deque(k for k in self._order if k in self._values)

    def _drop_expired(self, now: float) -> None:
        # The oldest entry expires first, so this stops at the first live one (amortised O(1)).
        order, values = self._order, self._values
        while order:
            value = values.get(order[0])
            if value is not None and _PACKING.unpack(value)[1] > now:
                return
            values.pop(order.popleft(), None)

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        with self._lock:
            value = self._values.get(key)
        entry = _unpack(value)
        return entry if self.is_live(entry) else None

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        # The lock makes lookup and removal one step: of many threads, one gets the value.
        with self._lock:
            value = self._values.pop(key, None)
        return _unpack(value)

    def __len__(self) -> int:
        """Outstanding challenges (expired ones may be counted until the next write)."""
        with self._lock:
            return len(self._values)


def _decode(digest: str) -> bytes:
    raw = base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4))
    if len(raw) != 16:
        raise ValueError("MemoryStore keeps 16-byte digests (core.digest); got a digest of another size.")
    return raw


def _unpack(value: bytes | None) -> Entry | None:
    if value is None:
        return None
    raw, expires_at = _PACKING.unpack(value)
    return Entry(base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"), expires_at)
