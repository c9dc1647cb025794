"""Stripes, the contour and the mesh warp: what the letters and the field are made of.

Letters are not ink on paper. They are horizontal stripes in a field of the same stripes
running vertically, so there is as much ink inside as out, with a one-pixel contour that
is dark inside the edge and light outside it. People see the letters at once:
the eye groups stripes by direction, and it sees an edge wherever there is a step. A
solver trained on dark strokes on a light ground finds strokes everywhere, and the usual
cleaning steps (grey, blur, median, min and max filters, downscaling) turn letters and
field into the same grey, since there is no more ink in one than in the other.

Everything random comes from the picture's own generator and every pixel is drawn by
Pillow (``rotate``, ``crop``, ``filter``, ``paste``), never by a Python loop.
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter

# (period, ink) in pixels at 1x, the same in the letters and the field: the letters are
# the field turned a quarter turn, so a cleaning step that treats rows and columns alike
# (a blur, a median, a min or max filter, a downscale) does the same to both. Measured
# with ddddocr on 300 default pictures after each cleaning of benchmarks.attack: letters
# of 4/2 in this field let a half-size downscale read 3% (it flattens one stripe of two
# and not the other); 6/3 in both, none, shifted by a pixel or not.
STRIPES = (6, 3)
LETTER_ANGLE, FIELD_ANGLE = 0, 90
# What the stripes and the contour draw with: the picture's palette index of the ink (0
# is the background), so the drawing is the picture's pixels as they are.
INK = 1
# Thresholds on a box blur of a solid mask: some of the box inside a letter, and all of it.
TOUCHED = [0] * 6 + [255] * 250
COVERED = [0] * 251 + [255] * 5


@functools.lru_cache(maxsize=32)
def stripes(angle: int, period: int, thick: int, size: tuple[int, int]) -> Image.Image:
    """An "L" field of parallel stripes (:data:`INK` on 0), ``thick`` of every ``period`` pixels,
    at ``angle`` degrees, of ``size``. Cached: callers crop it and must not modify it."""
    side = math.ceil(math.hypot(*size)) + period
    flat = Image.new("L", (side, side))
    canvas = ImageDraw.Draw(flat)
    for y in range(0, side, period):
        canvas.rectangle((0, y, side, y + thick - 1), fill=INK)
    turned = flat.rotate(angle, resample=Image.Resampling.NEAREST)
    left, top = (side - size[0]) // 2, (side - size[1]) // 2
    return turned.crop((left, top, left + size[0], top + size[1]))


def patch(rng: random.Random, angle: int, size: tuple[int, int], scale: int) -> Image.Image:
    """A ``size`` piece of :data:`STRIPES` at ``angle`` and at a random offset, so no two
    pictures line up.

    The offset is drawn at 1x and doubled, so the 2x picture is the same drawing.
    """
    width, height = size
    period, thick = STRIPES
    texture = stripes(angle, period * scale, thick * scale, (2 * width, 2 * height))
    x, y = rng.randrange(width // scale) * scale, rng.randrange(height // scale) * scale
    return texture.crop((x, y, x + width, y + height))


def solid(letters: Image.Image) -> Image.Image:
    """The pixels at least half covered by a letter (255), the rest 0: a glyph's
    anti-aliased edge goes to the nearer side."""
    return letters.convert("1", dither=Image.Dither.NONE).convert("L")


def contour(letters: Image.Image, coverage: Image.Image, scale: int) -> None:
    """Draw the letters' edge into ``coverage``: a pixel of ink just inside it and a pixel
    of paper just outside.

    Cold, a reader got 10 of 10 pictures right with a contour like this, 8 of 10 when its
    sides swapped every 16 px and 3 of 10 every 8 px. Ink goes inside, never outside: ink
    outside outlines the letter, and the look-alike measure then took 3 for 8 and E for B
    or R (98.3% of 2,000 glyphs closest to themselves, against 99.95%), the misreadings
    people made too. A blur averages the two sides to the grey of the stripes around them,
    so the contour gives a solver nothing. ``letters`` is a :func:`solid` mask.
    """
    found = letters.getbbox()
    if found is None:
        return
    # Only the letters' box and a margin the edge can reach: a third less to filter.
    reach = 2 * scale
    box = (
        max(0, found[0] - reach),
        max(0, found[1] - reach),
        min(letters.width, found[2] + reach),
        min(letters.height, found[3] + reach),
    )
    part = letters.crop(box)
    # A box blur of the solid mask is a dilation where it is not 0 and an erosion where it is
    # 255, at a fifth of the cost of Pillow's min and max filters.
    spread = part.filter(ImageFilter.BoxBlur(scale))
    coverage.paste(0, box, ImageChops.subtract(spread.point(TOUCHED), part))
    coverage.paste(INK, box, ImageChops.subtract(part, spread.point(COVERED)))


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
