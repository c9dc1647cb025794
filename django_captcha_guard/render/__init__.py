"""The picture engine: Pillow only, no Django.

``draw(text, rng, options)`` gives a :class:`Picture`, ``encode`` its bytes; ``render``
does both. :class:`Options` is frozen, typed plain data; ``Options.problems()`` holds
the rules the system checks report. ``django_captcha_guard.image`` builds the options
from ``CAPTCHA_GUARD``.
"""

from django_captcha_guard.render.draw import Picture, draw, encode, render
from django_captcha_guard.render.options import (
    CONTENT_TYPES,
    DEFAULT_ALPHABET,
    PRESETS,
    Options,
    Preset,
    Problem,
    minimum_size,
)

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_ALPHABET",
    "PRESETS",
    "Options",
    "Picture",
    "Preset",
    "Problem",
    "draw",
    "encode",
    "minimum_size",
    "render",
]
