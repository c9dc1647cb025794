"""Colour arithmetic for readable pictures: WCAG contrast and random inks that keep it.

The renderer picks a fresh palette for every picture (so a solver cannot separate text
from noise by colour), but every glyph colour must stay readable against the background:
WCAG 1.4.11 asks for a contrast ratio of at least 3:1 for graphics people must make out.
"""

from __future__ import annotations

import colorsys
import functools
import random

from PIL import Image

RGB = tuple[int, int, int]

# WCAG 1.4.11 (non-text contrast) asks 3:1; glyph inks aim higher so that anti-aliased
# edges and the faint clutter behind the text still leave 3:1 where it counts.
MINIMUM_CONTRAST = 3.0
INK_CONTRAST = 4.5
# Clutter is meant to be seen by a machine and ignored by a person: barely off the background.
CLUTTER_CONTRAST = 1.3


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


def ink(rng: random.Random, background: RGB, minimum: float = INK_CONTRAST) -> RGB:
    """A random saturated colour at least ``minimum`` contrast away from ``background``.

    Every background has at least 4.58:1 against black or white, so walking the lightness
    towards the far end always ends in a colour that qualifies.
    """
    # Below 0.179 black and white are equally far; above it, dark inks contrast more.
    dark_ink = luminance(background) > 0.179
    hue, saturation = rng.random(), rng.uniform(0.55, 1.0)
    lightness = rng.uniform(0.12, 0.4) if dark_ink else rng.uniform(0.6, 0.88)
    while True:
        colour = _rgb(hue, lightness, saturation)
        if contrast(colour, background) >= minimum or lightness in (0.0, 1.0):
            return colour
        lightness = max(0.0, lightness - 0.06) if dark_ink else min(1.0, lightness + 0.06)


def faint(rng: random.Random, background: RGB, limit: float = CLUTTER_CONTRAST) -> RGB:
    """A colour just off ``background`` (contrast at most ``limit``), for decoy clutter."""
    target = ink(rng, background)
    for share in (0.22, 0.16, 0.1, 0.05, 0.0):
        colour = _mix(background, target, share)
        if contrast(colour, background) <= limit:
            return colour
    return background


class Palette:
    """A picture's colours as palette indices, so it is drawn at one byte per pixel.

    Index 0 is the background; each ink gets ``SHADES`` entries blending from the
    background to the ink, so anti-aliased glyph edges survive without RGB, and the PNG is
    written straight from the indices, with no quantising.
    """

    SHADES = 4

    def __init__(self, background: RGB) -> None:
        self.colours = [background]
        self._first: dict[RGB, int] = {}

    def index(self, ink: RGB) -> int:
        """The index of ``ink`` itself (its last shade)."""
        return self._first_shade(ink) + self.SHADES - 1

    def paste(self, canvas: Image.Image, mask: Image.Image, xy: tuple[int, int], ink: RGB) -> None:
        """Paste ``mask`` onto the index ``canvas`` in shades of ``ink``."""
        box = (xy[0], xy[1], xy[0] + mask.width, xy[1] + mask.height)
        canvas.paste(mask.point(_shade_table(self._first_shade(ink), self.SHADES)), box, mask.point(_COVERED))

    def apply(self, canvas: Image.Image) -> Image.Image:
        """Turn the index ``canvas`` ("L") into the "P" picture, in place."""
        canvas.putpalette(b"".join(bytes(colour) for colour in self.colours))
        return canvas

    def _first_shade(self, ink: RGB) -> int:
        first = self._first.get(ink)
        if first is None:
            if len(self.colours) + self.SHADES > 256:
                return 1  # only a custom challenge with scores of glyphs gets here: reuse an ink
            first = self._first[ink] = len(self.colours)
            self.colours += [_mix(self.colours[0], ink, (n + 1) / self.SHADES) for n in range(self.SHADES)]
        return first


class LookupTable(Image.ImagePointHandler):
    """A ready 256-entry table for ``Image.point``.

    ``point`` given a plain list rounds all 256 entries in Python on every call, which
    costs more than the lookup itself on masks this small; this hands the table to
    Pillow's C lookup as it is.
    """

    def __init__(self, values: list[int]) -> None:
        self.values = values

    def point(self, im: Image.Image) -> Image.Image:
        return im._new(im.im.point(self.values, None))


# Mask values below an eighth are dropped: too faint to show, and they would blur into noise.
_COVERED = LookupTable([0] * 32 + [255] * 224)


@functools.cache
def _shade_table(first: int, shades: int) -> LookupTable:
    return LookupTable([0] * 32 + [first + min(shades - 1, (value - 32) * shades // 224) for value in range(32, 256)])


def _mix(a: RGB, b: RGB, share: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * share),
        round(a[1] + (b[1] - a[1]) * share),
        round(a[2] + (b[2] - a[2]) * share),
    )


def _rgb(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)
