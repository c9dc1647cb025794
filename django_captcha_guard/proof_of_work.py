"""The optional proof-of-work stamp (``PROOF_OF_WORK``), bound to a challenge's key.

ALTCHA's bounded puzzle rather than unbounded hashcash: "find n <= max with
SHA-256(salt + n) = challenge". The worst case is ``max + 1`` hashes and the median half
of that, so no unlucky visitor waits unboundedly. Everything derives from the key and
``SECRET_KEY``, so nothing new is stored:

- ``salt = key.max.sig``: ``sig`` binds the difficulty to the key, so a client cannot
  claim an easier puzzle for it;
- the secret number ``n`` is an HMAC of the salt, reduced modulo ``max + 1``;
- the stamp a client posts in :data:`FIELD` is ``"max:n"``, checked by comparing ``n`` in
  constant time with the secret number. One HMAC on the server, ``max / 2`` hashes on
  average for the client.

The stamp is checked after the key was consumed and before the answer, so it is single
use with its key in every store, and a bot cannot test answers without paying for each.
Difficulty rises with the client's recent failed captchas: ``max`` grows by ``MAX_NUMBER``
per failure, up to ten times.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from django_captcha_guard import counters
from django_captcha_guard.conf import get_config
from django_captcha_guard.macs import mac
from django_captcha_guard.ratelimit import client_bucket

__all__ = [
    "DEFAULT_MAX_NUMBER",
    "FAILURE_WINDOW",
    "FIELD",
    "MOST_STEPS",
    "max_number",
    "note_failure",
    "puzzle",
    "salt",
    "secret_number",
    "stamp_ok",
]

FIELD = "captcha_pow"
# Median solve: about 0.5 s in Chromium and 0.1 s of CPU in Python (docs/cost.md).
DEFAULT_MAX_NUMBER = 200_000
MOST_STEPS = 10  # difficulty stops rising after this many failures' worth
FAILURE_WINDOW = 900
_STAMP = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")


def max_number() -> int | None:
    """The base difficulty, or None when ``PROOF_OF_WORK`` is off."""
    setting = get_config().proof_of_work
    if setting is True:
        return DEFAULT_MAX_NUMBER
    if isinstance(setting, Mapping):
        return int(setting.get("MAX_NUMBER", DEFAULT_MAX_NUMBER))
    return None


def salt(key: str, maximum: int) -> str:
    sig = mac("captcha_guard.pow", f"{key}:{maximum}").hex()[:16]
    return f"{key}.{maximum}.{sig}"


def secret_number(puzzle_salt: str, maximum: int) -> int:
    return int.from_bytes(mac("captcha_guard.pow.number", puzzle_salt), "big") % (maximum + 1)


def puzzle(request: HttpRequest, key: str) -> dict[str, Any] | None:
    """The puzzle for the challenge ``key``, as the widget and ``captcha/new/`` hand it out; None when off."""
    base = max_number()
    if base is None:
        return None
    maximum = base * (1 + min(_failures(request), MOST_STEPS - 1))
    puzzle_salt = salt(key, maximum)
    target = hashlib.sha256(f"{puzzle_salt}{secret_number(puzzle_salt, maximum)}".encode()).hexdigest()
    return {"algorithm": "SHA-256", "salt": puzzle_salt, "challenge": target, "max_number": maximum}


def stamp_ok(key: str, stamp: object) -> bool:
    """Whether ``stamp`` (``"max:n"``) solves the puzzle of ``key`` at a difficulty it was issued with."""
    base = max_number()
    if base is None:
        return True
    match = _STAMP.fullmatch(stamp) if isinstance(stamp, str) else None
    if match is None:
        return False
    maximum, number = int(match.group(1)), match.group(2)
    # Only multiples of the base that puzzle() can issue; never below the base.
    if maximum % base or not base <= maximum <= base * MOST_STEPS:
        return False
    expected = str(secret_number(salt(key, maximum), maximum))
    # As written: "07" is not the stamp "7" (the one way to write it is the only one accepted).
    return hmac.compare_digest(expected.encode(), number.encode())


def note_failure(request: HttpRequest) -> None:
    """One more failed captcha for this client: its next puzzles are harder."""
    if max_number() is None:
        return
    with contextlib.suppress(counters.CountersUnavailable):  # logged; the difficulty stays as it was
        counters.increment(_failures_key(request), FAILURE_WINDOW)


def _failures(request: HttpRequest) -> int:
    try:
        return counters.value(_failures_key(request))
    except counters.CountersUnavailable:
        return MOST_STEPS  # fail towards cost: the hardest puzzle


def _failures_key(request: HttpRequest) -> str:
    return counters.key("pow", hashlib.sha256(client_bucket(request).encode()).hexdigest()[:32])
