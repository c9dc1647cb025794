"""Colour arithmetic for readable pictures: WCAG contrast, inks that keep it, and the palette.

A picture is drawn in one ink on the background (texture, not colour, tells letters from
the field: a second colour would let any colour filter lift the letters out), and that
ink must stay readable: WCAG 1.4.11 asks for a contrast ratio of at least 3:1 for
graphics people must make out; inks aim for 7:1, since stripes one pixel wide blend into
their surroundings more than solid strokes do.
"""

from __future__ import annotations

import colorsys
import random

RGB = tuple[int, int, int]

# WCAG 1.4.11 (non-text contrast) asks 3:1: the floor for a PALETTE colour is higher, at 4.5:1.
MINIMUM_CONTRAST = 3.0
INK_CONTRAST = 4.5
# What a random ink aims for (WCAG's 7:1 for text, AAA): thin stripes need full contrast.
RANDOM_INK_CONTRAST = 7.0


def _linear(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


# sRGB channel value -> linear light, looked up rather than computed on every call.
_LINEAR = [_linear(value) for value in range(256)]


def luminance(colour: RGB) -> float:
    """Relative luminance as WCAG 2 defines it (0 black, 1 white)."""
    return 0.2126 * _LINEAR[colour[0]] + 0.7152 * _LINEAR[colour[1]] + 0.0722 * _LINEAR[colour[2]]


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, from 1 (same) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink(rng: random.Random, background: RGB, minimum: float = RANDOM_INK_CONTRAST) -> RGB:
    """A random saturated colour at least ``minimum`` contrast away from ``background``
    (or as far as black or white gets, on a mid-grey background).

    Walking the lightness towards the far end always ends at black or white, the
    colour with the most contrast there is against ``background``.
    """
    # Below 0.179 black and white are equally far; above it, dark inks contrast more.
    dark_ink = luminance(background) > 0.179
    # A few hundred inks in all: 48 hues, 4 saturations, 4 lightnesses.
    hue, saturation = rng.randrange(48) / 48, 0.55 + 0.15 * rng.randrange(4)
    lightness = 0.08 + 0.05 * rng.randrange(4) if dark_ink else 0.77 + 0.05 * rng.randrange(4)
    while True:
        colour = _rgb(hue, lightness, saturation)
        if contrast(colour, background) >= minimum or lightness in (0.0, 1.0):
            return colour
        lightness = max(0.0, lightness - 0.04) if dark_ink else min(1.0, lightness + 0.04)


def _rgb(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)
