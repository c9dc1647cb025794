"""Stripes and the mesh warp: what the letters and the field are made of, and how they bend.

Letters are not ink on paper: they are a patch of dense stripes in a field of sparse
stripes running across them, with no edge of their own. People see the letters
at once (the eye groups stripes by direction); a solver trained on dark strokes on a light
ground finds strokes everywhere and letters nowhere.

Everything random comes from the picture's own generator and every pixel is drawn by
Pillow (``rotate``, ``crop``, ``transform``), never by a Python loop.
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any

from PIL import Image, ImageDraw

# Stripe directions, every 15 degrees, so the stripe cache stays small.
ANGLES = tuple(range(0, 180, 15))
# Letters' stripes run at least this far from the field's: the eye needs the difference.
MIN_TURN = 75
# Letters' stripes run within 15 degrees of horizontal, across every stem: stripes along a
# stem (vertical) made H, M and K lose their edges, and diagonal ones their diagonals (cold
# reads of 10 pictures each: 9 right with these, 7 with any angle, 4 with diagonals only).
LETTER_ANGLES = (165, 0, 15)


@functools.lru_cache(maxsize=128)
def stripes(angle: int, period: int, thick: int, size: tuple[int, int]) -> Image.Image:
    """An "L" field of parallel stripes (255 ink), ``thick`` of every ``period`` pixels,
    at ``angle`` degrees, of ``size``. Cached: callers crop it and must not modify it."""
    side = math.ceil(math.hypot(*size)) + period
    flat = Image.new("L", (side, side))
    canvas = ImageDraw.Draw(flat)
    for y in range(0, side, period):
        canvas.rectangle((0, y, side, y + thick - 1), fill=255)
    turned = flat.rotate(angle, resample=Image.Resampling.NEAREST)
    left, top = (side - size[0]) // 2, (side - size[1]) // 2
    return turned.crop((left, top, left + size[0], top + size[1]))


def directions(rng: random.Random) -> tuple[int, int]:
    """The field's stripe angle and the letters' (one of :data:`LETTER_ANGLES`), at least
    :data:`MIN_TURN` apart."""
    letter = rng.choice(LETTER_ANGLES)
    turn = rng.choice([a for a in ANGLES if MIN_TURN <= a <= 180 - MIN_TURN])
    return (letter + turn) % 180, letter


def patch(rng: random.Random, angle: int, period: int, thick: int, size: tuple[int, int], scale: int) -> Image.Image:
    """A ``size`` piece of stripes at a random offset, so no two pictures line up.

    The offset is drawn at 1x and doubled, so the 2x picture is the same drawing.
    """
    width, height = size
    texture = stripes(angle, period * scale, thick * scale, (2 * width, 2 * height))
    x, y = rng.randrange(width // scale) * scale, rng.randrange(height // scale) * scale
    return texture.crop((x, y, x + width, y + height))


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
