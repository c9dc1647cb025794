"""The look-alike guard: every glyph, drawn alone with its own distortion and stripes and
no noise, is closer to its own character than to any other of A-Z and 0-9.

The measure is in ``tests/lookalike.py``. It must be able to fail, so one test draws an
outlined E, the distortion that made people read B in the previous picture style, and
checks that the measure calls it a B.
"""

from __future__ import annotations

import random

import pytest
from PIL import Image, ImageChops, ImageDraw

from django_captcha_guard.render import DEFAULT_ALPHABET, Options, glyphs, texture
from django_captcha_guard.render.glyphs import bundled_fonts, font, glyph_mask
from tests.lookalike import closest

GLYPHS = 10_000


def outlined(path: str, pixels: int, char: str, ring: int) -> Image.Image:
    """``char`` as a ring ``ring`` px wide around where its ink would be (the old outline style)."""
    face = font(path, pixels)
    left, top, right, bottom = face.getbbox(char, stroke_width=ring)
    mask = Image.new("L", (int(right - left), int(bottom - top)))
    ImageDraw.Draw(mask).text((-left, -top), char, font=face, fill=255, stroke_width=ring, stroke_fill=255)
    inner = Image.new("L", mask.size)
    ImageDraw.Draw(inner).text((-left, -top), char, font=face, fill=255)
    return ImageChops.subtract(mask, inner)


def sans() -> str:
    return next(path for path in bundled_fonts() if path.endswith("GuardSans-Bold.ttf"))


def test_the_measure_calls_an_outlined_e_a_b():
    plain = lambda char: glyph_mask(sans(), 30, char)  # noqa: E731
    assert closest(plain("E"), plain) == "E"
    assert closest(outlined(sans(), 30, "E", 4), plain) == "B"


def test_the_measure_tells_every_plain_character_from_the_rest():
    for path in bundled_fonts():
        plain = lambda char, path=path: glyph_mask(path, 30, char)  # noqa: E731
        for char in DEFAULT_ALPHABET:
            assert closest(plain(char), plain) == char, (path, char)


def as_drawn(mask: Image.Image, rng: random.Random) -> Image.Image:
    """``mask`` as the picture draws it, with no field: its stripes and its contour."""
    pad = 4
    letters = Image.new("L", (mask.width + 2 * pad, mask.height + 2 * pad))
    letters.paste(mask, (pad, pad))
    letters = texture.solid(letters)
    stripes = texture.patch(rng, texture.LETTER_ANGLE, letters.size, 1)
    drawn = Image.composite(stripes, Image.new("L", letters.size), letters)
    texture.contour(letters, drawn, 1)
    return drawn.point([0] + [255] * 255)


def own_share(preset: str, count: int) -> tuple[float, list[tuple[str, str]]]:
    """The share of ``count`` glyphs of the default alphabet closest to their own character."""
    options = Options(preset=preset)
    style = options.style
    wrong = []
    for seed in range(count):
        char = DEFAULT_ALPHABET[seed % len(DEFAULT_ALPHABET)]

        def shape(other: str, seed: int = seed) -> glyphs.Glyph:
            # The same generator state gives the same font, size, lean, shear, stretch and bend.
            return glyphs.layout(other, random.Random(seed), style, options.font_files, (160, 60), 5, 1)[0]

        found = closest(as_drawn(shape(char).mask, random.Random(-seed)), lambda other: shape(other).mask)
        if found != char:
            wrong.append((char, found))
    return 1 - len(wrong) / count, wrong


@pytest.mark.slow
def test_a_sample_of_glyphs_in_every_preset_is_closest_to_itself():
    for preset in ("easy", "normal", "hard"):
        share, wrong = own_share(preset, 60)
        assert share >= 0.98, (preset, wrong)


@pytest.mark.slow
def test_ten_thousand_default_glyphs_are_closest_to_themselves():
    share, wrong = own_share("normal", GLYPHS)
    assert share >= 0.995, wrong
