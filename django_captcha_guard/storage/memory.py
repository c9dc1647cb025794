"""MemoryStore: challenges in this process's memory.

Zero setup and the fastest store, but each worker process has its own: a challenge issued
by one gunicorn worker cannot be verified by another. Right for development and for
single-process servers; a system check warns when it is used with ``DEBUG`` off.
"""

from __future__ import annotations

import base64
import struct
import threading
from typing import Any

from cachetools import FIFOCache
from django.core.checks import CheckMessage
from django.http import HttpRequest

from django_captcha_guard.storage.base import BaseStore, Entry

# 16 digest bytes and the expiry as a double: one 24-byte value per challenge, instead of
# a tuple holding a str and a float (about 100 bytes more per outstanding challenge).
_PACKING = struct.Struct("<16sd")


class MemoryStore(BaseStore):
    """A ``cachetools.FIFOCache`` behind one lock, shared by all threads of the process.

    Every challenge lives for the same ``TIMEOUT``, so insertion order is expiry order: each
    write drops the expired challenges from the front, and ``MAXSIZE`` bounds memory by
    dropping the oldest (verifying a dropped challenge fails as expired). That is what a
    ``TTLCache`` does, without its per-item links and timestamps, which cost about 90
    bytes more per outstanding challenge than the whole rest of an entry.
    """

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[CheckMessage]:
        from django_captcha_guard.checks import stores  # imported late: the checks import every store

        return stores.memory_problems(options)

    def __init__(self, *, MAXSIZE: int = 10_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(MAXSIZE, int) or isinstance(MAXSIZE, bool) or MAXSIZE < 1:
            raise ValueError(f"MemoryStore MAXSIZE must be a positive whole number, not {MAXSIZE!r}.")
        self._cache: FIFOCache[str, bytes] = FIFOCache(maxsize=MAXSIZE)
        self._lock = threading.Lock()

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        value = _PACKING.pack(_decode(entry.digest), entry.expires_at)
        now = self.clock()
        with self._lock:
            self._drop_expired(now)
            self._cache[key] = value

    def _drop_expired(self, now: float) -> None:
        # The oldest entry expires first, so this stops at the first live one (amortised O(1)).
        while self._cache:
            oldest = next(iter(self._cache))
            if _PACKING.unpack(self._cache[oldest])[1] > now:
                return
            del self._cache[oldest]

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        with self._lock:
            value = self._cache.get(key)
        entry = _unpack(value)
        return entry if self.is_live(entry) else None

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        # The lock makes lookup and removal one step: of many threads, one gets the value.
        with self._lock:
            value = self._cache.pop(key, None)
        return _unpack(value)

    def __len__(self) -> int:
        """Outstanding challenges (expired ones may be counted until the next write)."""
        with self._lock:
            return len(self._cache)


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
