"""Challenge keys: random, and tagged, so a key this site never issued is refused without asking the store.

A key is 12 random bytes followed by a 4-byte MAC of them (keyed from ``SECRET_KEY``), in
URL-safe base64: 22 characters. Without the tag every made-up key in a flood (at the picture
URL, the audio URL, in a post) would cost a store round trip, more than the refusal itself;
with it, a made-up key fails a check of a microsecond and is answered as an unknown key is
(410, or ``EXPIRED`` when verified), so the flood learns nothing and reaches no store. Keys
that do reach the store were issued, and issuing is rate-limited.

96 random bits keep keys unguessable and distinct; a 32-bit tag lets one made-up key in
four billion through to the store, where it is unknown anyway. The tag is not what keeps
a challenge safe (its answer is never stored or sent), only what keeps floods cheap.
Rotating ``SECRET_KEY`` retires outstanding keys, as it already retires their digests.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets

from django_captcha_guard.macs import mac

__all__ = ["KEY_LENGTH", "KEY_PATTERN", "is_issued", "is_valid_key", "new_key"]

KEY_LENGTH = 22  # 16 bytes in unpadded URL-safe base64
KEY_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{KEY_LENGTH}}}")
_RANDOM_BYTES = 12


def new_key() -> str:
    """A fresh key: random bytes and their tag."""
    nonce = secrets.token_bytes(_RANDOM_BYTES)
    return base64.urlsafe_b64encode(nonce + _tag(nonce)).rstrip(b"=").decode("ascii")


def is_valid_key(key: object) -> bool:
    """Whether ``key`` has the shape of a key (22 URL-safe characters); checked before anything else."""
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None


def is_issued(key: str) -> bool:
    """Whether a key of valid shape carries this site's tag (in constant time); checked before any store lookup."""
    raw = base64.urlsafe_b64decode(f"{key}==")
    return hmac.compare_digest(raw[_RANDOM_BYTES:], _tag(raw[:_RANDOM_BYTES]))


def _tag(nonce: bytes) -> bytes:
    return mac("captcha_guard.key", nonce)[: 16 - _RANDOM_BYTES]
