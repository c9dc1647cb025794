"""What surrounds the text: faint clutter behind it, the mesh warp, and noise on top.

Everything random comes from the picture's own generator and every pixel is drawn by
Pillow (``paste``, ``ImageDraw``, ``point``, ``resize``), never by a Python loop.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from django_captcha_guard import colours
from django_captcha_guard.colours import RGB
from django_captcha_guard.glyphs import Glyph, cap_height, glyph_mask

if TYPE_CHECKING:
    from django_captcha_guard.image import Preset


def clutter(
    canvas: Image.Image,
    rng: random.Random,
    preset: Preset,
    alphabet: str,
    fonts: tuple[str, ...],
    palette: colours.Palette,
) -> list[RGB]:
    """Faint halves of glyphs behind the text: noise a solver must learn to ignore, people barely see."""
    width, height = canvas.size
    inks = []
    for _ in range(preset.clutter):
        font, char = rng.choice(fonts), rng.choice(alphabet)
        # Three sizes only, so the glyph cache serves clutter too.
        mask = glyph_mask(font, max(6, round(height * rng.choice((0.5, 0.65, 0.8)) / cap_height(font))), char)
        w, h = mask.size
        piece = mask.crop(
            ((0, 0, w // 2, h), (w // 2, 0, w, h), (0, 0, w, h // 2), (0, h // 2, w, h))[rng.randrange(4)]
        )
        x = int(rng.random() * (width + piece.width // 2)) - piece.width // 4
        y = int(rng.random() * (height + piece.height // 2)) - piece.height // 4
        ink = colours.faint(rng, palette.colours[0])
        palette.paste(canvas, piece, (x, y), ink)
        inks.append(ink)
    return inks


def decoys(
    canvas: Image.Image,
    rng: random.Random,
    preset: Preset,
    alphabet: str,
    fonts: tuple[str, ...],
    palette: colours.Palette,
    glyphs: list[Glyph],
    scale: int,
) -> list[tuple[Image.Image, tuple[int, int], RGB]]:
    """Quarters of glyphs in the room the text leaves free, in the glyphs' own inks and strokes.

    A solver normalises faint clutter away, but not these: they are as dark and as thick as
    the text, so it must learn whole letter shapes, not "dark and thick". They are corners of
    letters, a fraction of the text's size, and never touch it, so people skip them. Returns
    each piece, where it went and its ink (for the readability tests).
    """
    if not glyphs or not preset.decoys:
        return []  # before any drawing from rng, so pictures without decoys stay the same
    width, height = canvas.size
    gap = 3 * scale
    # Where ink is: glyphs' own shapes, not their boxes (a leaning letter leaves room in its corners).
    taken = Image.new("L", canvas.size)
    for glyph in glyphs:
        taken.paste(glyph.mask, (glyph.x, glyph.y), glyph.mask)
    placed = []
    for _ in range(preset.decoys):
        font, char, ink = rng.choice(fonts), rng.choice(alphabet), rng.choice(glyphs).ink
        # Two sizes only, so the cache serves every piece.
        pixels = scale * max(6, round(height / scale * rng.choice((0.5, 0.6)) / cap_height(font)))
        piece = _quarter(font, pixels, char, rng.randrange(4))
        x = round(rng.random() * (width - piece.width))
        y = round(rng.random() * (height - piece.height))
        if taken.crop((x - gap, y - gap, x + piece.width + gap, y + piece.height + gap)).getbbox():
            continue
        palette.paste(canvas, piece, (x, y), ink)
        taken.paste(piece, (x, y), piece)
        placed.append((piece, (x, y), ink))
    return placed


@functools.lru_cache(maxsize=2048)
def _quarter(font: str, pixels: int, char: str, corner: int) -> Image.Image:
    """One corner of a glyph, cropped to its ink: a corner of a letter reads as a mark,
    never as a letter of its own. Callers must not modify it (it is cached)."""
    mask = glyph_mask(font, pixels, char)
    w, h = mask.size
    left, top = corner % 2 * w // 2, corner // 2 * h // 2
    piece = mask.crop((left, top, left + w // 2, top + h // 2))
    return piece.crop(piece.getbbox() or (0, 0, 1, 1))


def mesh(rng: random.Random, width: int, height: int, amplitude: float) -> list[tuple[Any, ...]]:
    """A grid of quads whose corners follow two waves plus jitter: a bend no two pictures share.

    No corner moves more than 1.5 amplitudes, which the layout's padding allows for.
    """
    columns, rows = 8, 2
    wave, phase = rng.uniform(0.6, 1.2) * width, rng.uniform(0, 2 * math.pi)
    sway, tilt = rng.uniform(0.8, 1.6) * height, rng.uniform(0, 2 * math.pi)
    nodes = {}
    for i in range(columns + 1):
        for j in range(rows + 1):
            x, y = width * i / columns, height * j / rows
            dx = 0.5 * amplitude * math.sin(2 * math.pi * y / sway + tilt) + 0.35 * amplitude * rng.uniform(-1, 1)
            dy = amplitude * math.sin(2 * math.pi * x / wave + phase) + 0.35 * amplitude * rng.uniform(-1, 1)
            nodes[i, j] = (x + dx, y + dy)
    mesh = []
    for i in range(columns):
        for j in range(rows):
            box = (width * i // columns, height * j // rows, width * (i + 1) // columns, height * (j + 1) // rows)
            mesh.append((box, (*nodes[i, j], *nodes[i, j + 1], *nodes[i + 1, j + 1], *nodes[i + 1, j])))
    return mesh


Noise = list[tuple[str, Any, RGB, int]]


def lines(rng: random.Random, preset: Preset, size: tuple[int, int], pad: int, inks: list[RGB], scale: int) -> Noise:
    """Lines across the text band, drawn behind the glyphs (and warped with them).

    Behind, because a line running along a stroke would hide a fifth of a glyph; touching
    every glyph, they still join the glyphs into one shape, which defeats segmentation.
    """
    width, height = size
    band = height - 2 * pad
    found: Noise = []
    for _ in range(preset.lines):
        ends = (
            rng.uniform(0, 0.3) * width,
            pad + rng.random() * band,
            rng.uniform(0.7, 1) * width,
            pad + rng.random() * band,
        )
        found.append(("line", ends, rng.choice(inks), 2 * scale))
    return found


def strokes(rng: random.Random, preset: Preset, size: tuple[int, int], inks: list[RGB], scale: int) -> Noise:
    """Arcs and dots over the warped picture, in the glyphs' own inks, so colour does not
    separate text from noise.

    One pixel wide (per scale): thinner than any glyph stroke, which is how people tell them apart.
    """
    width, height = size
    found: Noise = []
    for _ in range(preset.arcs):
        cx, cy = rng.random() * width, rng.random() * height
        rx, ry = rng.uniform(0.3, 0.8) * width, rng.uniform(0.4, 1.2) * height
        start = rng.uniform(0, 360)
        found.append(
            ("arc", (cx - rx, cy - ry, cx + rx, cy + ry, start, start + rng.uniform(60, 180)), rng.choice(inks), scale)
        )
    if preset.dots:
        # Random bytes thresholded by a lookup table: dots from the seeded generator without a pixel loop.
        base = (width // scale, height // scale)
        dots = Image.frombytes("L", base, rng.randbytes(base[0] * base[1])).point(_dot_table(preset.dots))
        found.append(
            ("dots", dots.resize(size, Image.Resampling.NEAREST) if scale > 1 else dots, rng.choice(inks), scale)
        )
    return found


def draw(image: Image.Image, strokes: Noise, paint: Callable[[RGB], int]) -> None:
    """Draw ``strokes`` onto an index (or mask) image, each in ``paint(its ink)``."""
    canvas = ImageDraw.Draw(image)
    for kind, shape, ink, width in strokes:
        colour = paint(ink)
        if kind == "line":
            canvas.line(shape, fill=colour, width=width)
        elif kind == "arc":
            canvas.arc(shape[:4], shape[4], shape[5], fill=colour, width=width)
        else:
            image.paste(colour, (0, 0, *image.size), shape)


@functools.cache
def _dot_table(share: float) -> colours.LookupTable:
    cut = round(share * 256)
    return colours.LookupTable([255 if value < cut else 0 for value in range(256)])
