"""The renderer's Django adapter: :class:`render.Options` from ``CAPTCHA_GUARD``, then bytes.

As whitenoise's middleware reads the settings and hands plain values to an engine that
imports no Django, this module is the one place that knows both: everything about
drawing lives in ``django_captcha_guard.render``.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from django_captcha_guard import render as engine
from django_captcha_guard.conf import get_config, get_settings

# The longest text the arithmetic challenge draws ("12 + 34 =" is nine characters).
ARITHMETIC_LENGTH = 9


def options_from(settings: dict[str, Any]) -> engine.Options:
    """The renderer's options for a merged ``CAPTCHA_GUARD`` dict (well-formed, not yet validated)."""
    arithmetic = settings["CHALLENGE"] in ("arithmetic", "django_captcha_guard.challenges.arithmetic")
    return engine.Options(
        size=(settings["IMAGE_SIZE"][0], settings["IMAGE_SIZE"][1]),
        alphabet=settings["ALPHABET"],
        length=max(settings["LENGTH"], ARITHMETIC_LENGTH if arithmetic else 0),
        fonts=tuple(map(str, settings["FONTS"])),
        background=_rgb(settings["BACKGROUND"]),
        palette=tuple(_rgb(colour) for colour in settings["PALETTE"]),
        preset=settings["DIFFICULTY"],
        image_format=settings["FORMAT"],
    )


@functools.cache
def options() -> engine.Options:
    """The options for the current settings, built once per settings change."""
    return options_from(get_settings())


@receiver(setting_changed)
def _clear_cache(*, setting: str, **kwargs: Any) -> None:
    if setting == "CAPTCHA_GUARD":
        options.cache_clear()


def render(
    display: str,
    rng: random.Random,
    *,
    scale: int = 1,
    image_format: str | None = None,
    settings: engine.Options | None = None,
) -> bytes:
    """Draw ``display`` with everything random taken from ``rng``; return encoded bytes.

    ``settings`` replaces the options from ``CAPTCHA_GUARD`` (benchmarks draw other presets).
    """
    chosen = settings or options()
    return engine.encode(engine.draw(display, rng, chosen, scale=scale).image, image_format or chosen.image_format)


def content_type(image_format: str | None = None) -> str:
    """The MIME type for ``image_format`` (default: the ``FORMAT`` setting)."""
    return engine.CONTENT_TYPES[image_format or get_config().format]


def _rgb(colour: Any) -> tuple[int, int, int]:
    return (colour[0], colour[1], colour[2])
