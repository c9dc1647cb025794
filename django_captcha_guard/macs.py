"""Keyed digests derived from ``SECRET_KEY``: Django's ``salted_hmac``, without its per-call cost.

``salted_hmac`` derives its key (SHA-256 of the salt and the secret) and builds an ``hmac``
object in Python on every call, about 5 µs; issuing and checking a challenge take two or
three of them per request. Here the key is derived once per salt and secret, and the MAC is
made by the one-shot ``hmac.digest`` in C: the same bytes as
``salted_hmac(salt, value, algorithm="sha256").digest()``, in half the time.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings

__all__ = ["mac"]


def mac(salt: str, value: str | bytes) -> bytes:
    """HMAC-SHA256 of ``value`` (text is UTF-8 encoded) under a key derived from ``salt`` and ``SECRET_KEY``."""
    message = value.encode() if isinstance(value, str) else value
    return hmac.digest(_derived_key(salt, settings.SECRET_KEY), message, "sha256")


# Keyed by the secret itself, so a changed SECRET_KEY (override_settings, a rotation) derives anew.
@functools.lru_cache(maxsize=32)
def _derived_key(salt: str, secret: str) -> bytes:
    return hashlib.sha256(f"{salt}{secret}".encode()).digest()
