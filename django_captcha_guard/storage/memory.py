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

from cachetools import TTLCache
from django.http import HttpRequest

from django_captcha_guard.conf import get_settings
from django_captcha_guard.storage.base import BaseStore, Entry

# 16 digest bytes and the expiry as a double: one 24-byte value per challenge, instead of
# a tuple holding a str and a float (about 100 bytes more per outstanding challenge).
_PACKING = struct.Struct("<16sd")


class MemoryStore(BaseStore):
    """A ``cachetools.TTLCache`` behind one lock, shared by all threads of the process.

    ``MAXSIZE`` bounds memory: when it is reached the least recently used challenge is
    dropped, and verifying a dropped challenge fails as expired. Entries leave the cache
    after ``TIMEOUT`` seconds (the ``CAPTCHA_GUARD`` setting, read when the store is built;
    :func:`~django_captcha_guard.storage.get_storage` rebuilds it when settings change).
    """

    def __init__(self, *, MAXSIZE: int = 10_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(MAXSIZE, int) or isinstance(MAXSIZE, bool) or MAXSIZE < 1:
            raise ValueError(f"MemoryStore MAXSIZE must be a positive whole number, not {MAXSIZE!r}.")
        self._cache: TTLCache[str, bytes] = TTLCache(maxsize=MAXSIZE, ttl=get_settings()["TIMEOUT"], timer=self.clock)
        self._lock = threading.Lock()

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        value = _PACKING.pack(_decode(entry.digest), entry.expires_at)
        with self._lock:
            self._cache[key] = value

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
