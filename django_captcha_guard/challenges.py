"""Challenge functions: what a picture shows and what answers it.

A challenge function takes a ``random.Random`` and the merged settings and returns a
:class:`Challenge`. The generator is private and seeded from the key (see :func:`draw`),
so the image view can redraw the very same picture from nothing but the key, while the
answer never has to be stored. The global ``random`` module is never touched.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.utils.module_loading import import_string

from django_captcha_guard.conf import CHALLENGE_ALIASES, Config, get_config

__all__ = [
    "Challenge",
    "ChallengeFunction",
    "arithmetic",
    "challenge_for",
    "get_challenge_function",
    "seeded_rng",
    "text",
]


class Challenge(NamedTuple):
    display: str  # what the picture shows
    answer: str  # what the user must type


ChallengeFunction = Callable[[random.Random, Config], Challenge]


def text(rng: random.Random, config: Config) -> Challenge:
    """``LENGTH`` characters drawn from ``ALPHABET``; the picture shows the answer."""
    answer = "".join(rng.choice(config.alphabet) for _ in range(config.length))
    return Challenge(display=answer, answer=answer)


def arithmetic(rng: random.Random, config: Config) -> Challenge:
    """A sum, difference or small product, computed here (never ``eval``)."""
    operator = rng.choice("+-×")
    if operator == "+":
        a, b = rng.randint(1, 20), rng.randint(1, 20)
        result = a + b
    elif operator == "-":
        a = rng.randint(2, 20)
        b = rng.randint(1, a - 1)
        result = a - b
    else:
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        result = a * b
    return Challenge(display=f"{a} {operator} {b} =", answer=str(result))


def get_challenge_function(path: str | None = None) -> ChallengeFunction:
    """The configured challenge function (a short name or a dotted path)."""
    path = path or get_config().challenge
    function: ChallengeFunction = import_string(CHALLENGE_ALIASES.get(path, path))
    return function


def seeded_rng(key: str) -> random.Random:
    """A private generator seeded with HMAC(SECRET_KEY, key).

    Without the secret nobody can predict the answer from the key, and with it the image
    view redraws the same picture for the same key: reloads and HiDPI copies match, and
    fetching an image many times reveals no new noise to average away.
    """
    seed = hmac.digest(settings.SECRET_KEY.encode(), b"captcha_guard.challenge:" + key.encode(), "sha256")
    return random.Random(int.from_bytes(seed, "big"))


def challenge_for(key: str) -> tuple[Challenge, random.Random]:
    """The challenge for ``key`` and the generator, ready to draw that picture's noise."""
    rng = seeded_rng(key)
    return get_challenge_function()(rng, get_config()), rng
