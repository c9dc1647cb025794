"""Draw a picture: striped letters in a field of stripes that run the other way, with
as much ink as the field and a contour.

Python only decides where things go; every pixel is touched by one of Pillow's C
routines (``paste`` through a mask, ``transform``, ``filter``, ``composite``), so a
picture takes one to two milliseconds. It is a pure function of the text, the generator's
state and the options: the same key always gives the same bytes, and the 2x (HiDPI)
picture is the same drawing at twice the size.

The steps: lay the glyphs out (each with its own font, lean, shear, stretch and bend),
bend the whole mask with a mesh warp, fill it with horizontal stripes and the rest with
vertical ones, and draw the contour (:mod:`~django_captcha_guard.render.texture` says
why). One ink on the background, in one bit a pixel.
"""

from __future__ import annotations

import dataclasses
import io
import math
import random
from typing import Any

from PIL import Image

from django_captcha_guard.render import colours, texture
from django_captcha_guard.render.colours import RGB
from django_captcha_guard.render.glyphs import Glyph, layout
from django_captcha_guard.render.options import CONTENT_TYPES, Options


@dataclasses.dataclass
class Picture:
    """A drawn picture and how it was laid out (the readability tests measure the layout)."""

    image: Image.Image  # "P": index 0 the background, 1 the ink
    background: RGB
    ink: RGB
    glyphs: list[Glyph]  # before the warp
    mesh: list[tuple[Any, ...]]  # the warp, for tests that follow a glyph through it


def draw(text: str, rng: random.Random, options: Options, *, scale: int = 1) -> Picture:
    """Draw ``text`` with everything random taken from ``rng``."""
    if scale not in (1, 2):
        raise ValueError("scale must be 1 or 2.")
    preset = options.style
    width, height = options.size[0] * scale, options.size[1] * scale
    # The warp moves a pixel by at most 1.5 amplitudes; the pad keeps every glyph inside.
    base = options.size[1]
    pad = (math.ceil(preset.warp * base * 1.5) + max(1, round(base * 0.02))) * scale

    glyphs = layout(text, rng, preset, options.font_files, (width, height), pad, scale)
    letters = Image.new("L", (width, height))
    for glyph in glyphs:
        letters.paste(255, (glyph.x, glyph.y, glyph.x + glyph.mask.width, glyph.y + glyph.mask.height), glyph.mask)
    mesh = texture.mesh(rng, width, height, preset.warp * height)
    letters = texture.solid(letters.transform(letters.size, Image.Transform.MESH, mesh, Image.Resampling.NEAREST))

    field = texture.patch(rng, texture.FIELD_ANGLE, (width, height), scale)
    fill = texture.patch(rng, texture.LETTER_ANGLE, (width, height), scale)
    coverage = Image.composite(fill, field, letters)
    texture.contour(letters, coverage, scale)

    background = options.background
    ink = rng.choice(options.palette) if options.palette else colours.ink(rng, background)
    # Two colours, index 0 the background and 1 the ink, so the PNG is written one bit a
    # pixel: a third of the bytes of one byte a pixel.
    picture = coverage.convert("P")
    picture.putpalette(bytes((*background, *ink)))
    return Picture(picture, background, ink, glyphs, mesh)


def encode(image: Image.Image, image_format: str) -> bytes:
    """``image`` as PNG (straight from the palette), WebP or JPEG bytes."""
    buffer = io.BytesIO()
    if image_format == "PNG":
        # One bit a pixel when the palette has two colours (as draw's has), and zlib's
        # run-length strategy (3, Z_RLE): long runs of one stripe are what these pictures
        # are made of.
        bits = 1 if image.mode == "P" and len(image.getpalette() or ()) <= 6 else 8
        image.save(buffer, "PNG", bits=bits, compress_level=1, compress_type=3)
    elif image_format == "WEBP":
        image.convert("RGB").save(buffer, "WEBP", quality=80, method=0)
    elif image_format == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=90)
    else:
        raise ValueError(f"Unsupported image format {image_format!r}; use one of {', '.join(CONTENT_TYPES)}.")
    return buffer.getvalue()


def render(text: str, rng: random.Random, options: Options, *, scale: int = 1) -> bytes:
    """Draw ``text`` and encode it in ``options.image_format``."""
    return encode(draw(text, rng, options, scale=scale).image, options.image_format)
