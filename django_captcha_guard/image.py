"""Pillow renderer: mixed fonts, per-glyph distortion, a mesh warp and noise, all in C.

Python only decides where things go; every pixel is touched by one of Pillow's C
routines (``paste`` through a mask, ``transform``, ``ImageDraw``, ``point``), so a default
picture takes well under a millisecond. The picture is a pure function of the display
text, the generator's state and the settings: the same key always gives the same bytes,
and the 2x (HiDPI) picture is the same drawing at twice the size.

What makes it hard for machines and easy for people (see :data:`PRESETS`): every glyph
has its own font, size, rotation (never upright), shear, stretch and colour, some are
outlined; glyphs crowd each other a little; faint fragments of other glyphs and thin
lines sit behind the text; a mesh warp bends the whole picture; arcs and dots go on top,
in the glyphs' own colours. The picture is drawn in palette indices (one byte a pixel)
and the PNG written straight from them. The readability guard (contrast, coverage,
stroke width, glyph height, no clipping) is checked in the tests through
:func:`compose`, which returns the layout as well.
"""

from __future__ import annotations

import dataclasses
import io
import math
import random
from typing import Any

from PIL import Image

from django_captcha_guard import colours, noise
from django_captcha_guard.colours import RGB
from django_captcha_guard.conf import get_settings
from django_captcha_guard.glyphs import Glyph, bundled_fonts, layout

CONTENT_TYPES = {"PNG": "image/png", "WEBP": "image/webp", "JPEG": "image/jpeg"}


@dataclasses.dataclass(frozen=True)
class Preset:
    """How hard a picture is; ``DIFFICULTY`` picks one of :data:`PRESETS`."""

    rotation: float  # degrees, either way
    shear: float  # horizontal shear factor, either way
    crowding: float  # at most this share of the narrower neighbour is overlapped
    outline: float  # chance that a glyph is drawn as an outline
    warp: float  # wave amplitude as a share of the height
    lines: int  # behind the text
    arcs: int  # over the text
    dots: float  # share of pixels
    clutter: int  # faint fragments of glyphs behind the text
    decoys: int  # tries at placing quarters of glyphs, as dark as the text, in the room it leaves free
    bend: float  # per-glyph keystone: how far the corners of its box are pulled in, as a share of it


PRESETS = {
    "easy": Preset(
        rotation=15,
        shear=0.15,
        crowding=0.05,
        outline=0.0,
        warp=0.03,
        lines=1,
        arcs=0,
        dots=0.01,
        clutter=0,
        decoys=0,
        bend=0.05,
    ),
    "normal": Preset(
        rotation=25,
        shear=0.25,
        crowding=0.17,
        outline=0.35,
        warp=0.065,
        lines=2,
        arcs=1,
        dots=0.02,
        clutter=3,
        decoys=0,  # measured: no gain against the trained solver for 0.1 ms a picture
        bend=0.14,
    ),
    "hard": Preset(
        rotation=30,
        shear=0.3,
        crowding=0.18,
        outline=0.45,
        warp=0.07,
        lines=3,
        arcs=2,
        dots=0.03,
        clutter=5,
        decoys=10,
        bend=0.18,
    ),
}


@dataclasses.dataclass
class Picture:
    image: Image.Image
    background: RGB
    glyphs: list[Glyph]
    clutter_inks: list[RGB]
    strokes: noise.Noise  # every noise stroke, behind the text and over it
    decoys: list[tuple[Image.Image, tuple[int, int], RGB]]  # pieces of glyphs, where they went, their inks
    # Only filled by compose(..., inspect=True): each glyph alone on the canvas after the
    # warp, and every noise pixel over the text, so tests can measure coverage and clipping.
    warped: list[Image.Image] = dataclasses.field(default_factory=list)
    noise_mask: Image.Image | None = None


def content_type(image_format: str | None = None) -> str:
    """The MIME type for ``image_format`` (default: the ``FORMAT`` setting)."""
    return CONTENT_TYPES[image_format or get_settings()["FORMAT"]]


def minimum_size(characters: int) -> tuple[int, int]:
    """Smallest (width, height) in which ``characters`` glyphs stay legible and unclipped."""
    return (max(characters, 1) * 14 + 24, 40)


def render(
    display: str,
    rng: random.Random,
    *,
    scale: int = 1,
    image_format: str | None = None,
    config: dict[str, Any] | None = None,
) -> bytes:
    """Draw ``display`` with everything random taken from ``rng``; return encoded bytes."""
    config = config or get_settings()
    picture = compose(display, rng, config, scale=scale)
    return encode(picture.image, image_format or config["FORMAT"])


def encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "PNG":
        # Straight from the palette: level 1 costs a third of the default 6 for nearly the
        # same size on pictures this small.
        image.save(buffer, "PNG", compress_level=1)
    elif image_format == "WEBP":
        image.convert("RGB").save(buffer, "WEBP", quality=80, method=0)
    elif image_format == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=85)
    else:
        raise ValueError(f"Unsupported image format {image_format!r}; use one of {', '.join(CONTENT_TYPES)}.")
    return buffer.getvalue()


def compose(
    display: str, rng: random.Random, config: dict[str, Any], *, scale: int = 1, inspect: bool = False
) -> Picture:
    """The picture and its layout. ``inspect`` adds per-glyph and noise masks for tests."""
    if scale not in (1, 2):
        raise ValueError("scale must be 1 or 2.")
    preset = PRESETS[config["DIFFICULTY"]]
    background: RGB = tuple(config["BACKGROUND"])
    width, height = config["IMAGE_SIZE"][0] * scale, config["IMAGE_SIZE"][1] * scale
    fonts = tuple(map(str, config["FONTS"])) or bundled_fonts()
    palette = [tuple(c) for c in config["PALETTE"]]
    # The warp moves a pixel by at most 1.5 amplitudes; the pad keeps every glyph inside.
    base = config["IMAGE_SIZE"][1]
    pad = (math.ceil(preset.warp * base * 1.5) + max(1, round(base * 0.02))) * scale

    # Drawn as palette indices ("L" until the palette is attached): one byte per pixel
    # for every paste, the warp and the PNG encoder.
    paint = colours.Palette(background)
    canvas = Image.new("L", (width, height), 0)
    clutter_inks = noise.clutter(canvas, rng, preset, config["ALPHABET"], fonts, paint)
    glyphs = layout(display, rng, preset, fonts, palette, background, (width, height), pad, scale)
    inks = [glyph.ink for glyph in glyphs] or [colours.ink(rng, background)]
    behind = noise.lines(rng, preset, (width, height), pad, inks, scale)
    noise.draw(canvas, behind, paint.index)
    pieces = noise.decoys(canvas, rng, preset, config["ALPHABET"], fonts, paint, glyphs, scale)
    for glyph in glyphs:
        paint.paste(canvas, glyph.mask, (glyph.x, glyph.y), glyph.ink)
    mesh = noise.mesh(rng, width, height, preset.warp * height)
    # Nearest neighbour keeps indices indices (and costs a third of bilinear); the glyphs
    # are anti-aliased already.
    warped = canvas.transform(canvas.size, Image.Transform.MESH, mesh, Image.Resampling.NEAREST)
    strokes = noise.strokes(rng, preset, (width, height), inks, scale)
    noise.draw(warped, strokes, paint.index)
    picture = Picture(paint.apply(warped), background, glyphs, clutter_inks, behind + strokes, pieces)
    if inspect:
        for glyph in glyphs:
            alone = Image.new("L", canvas.size)
            alone.paste(glyph.mask, (glyph.x, glyph.y))
            picture.warped.append(alone.transform(alone.size, Image.Transform.MESH, mesh, Image.Resampling.NEAREST))
        # Decoys count as noise here, so the guard checks that they stay off the glyphs.
        decoy_mask = Image.new("L", canvas.size)
        for piece, xy, _ in pieces:
            decoy_mask.paste(piece, xy)
        picture.noise_mask = decoy_mask.transform(canvas.size, Image.Transform.MESH, mesh, Image.Resampling.NEAREST)
        noise.draw(picture.noise_mask, strokes, lambda ink: 255)
    return picture
