"""Glyphs: the bundled fonts, cached glyph masks, and the layout of the text.

Each glyph gets its own font, size, rotation, shear, stretch and bend; neighbours crowd
each other a little; the whole row shrinks together until it
fits inside the padding, so no glyph is ever clipped. Glyph masks are cached per font,
pixel size, character and style, so a warm process only rotates and pastes them.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import random
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from django_captcha_guard.render.options import Preset

# Characters every bundled font carries (they are subset to these; see fonts/README.md).
BUNDLED_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-×= "
# Glyph heights as a share of the picture height; the readability guard asks for >= 0.45.
# Larger than ink-on-paper letters need: a letter made of stripes shows its shape through
# the stripes, and a bigger letter carries more of them.
GLYPH_HEIGHT = (0.62, 0.7)
# Strokes are thickened by this share of the font size on each side (1 px at 1x for the
# default size): a stroke then carries a stripe more, and crossbars, bowls and the legs of
# A, K, R survive the texture at 1x.
STROKE = 0.014
# Horizontal strokes at least this share of the cap height: serif fonts' hairline arms and
# crossbars (8-10% in the bundled serifs, against 16-19% in the sans fonts) fell between two
# letter stripes, and people read H as E or Y. Thin ones are thickened downwards.
MIN_ARM = 0.15
# Larger glyph masks are drawn on demand rather than cached, so the cache stays small.
CACHED_MAX_PIXELS = 160
# How far a row too wide for the picture is condensed before its glyphs are made smaller.
MIN_SQUEEZE = 0.8
# The narrowest a glyph gets, squeeze and its own stretch together.
MIN_WIDTH = 0.55
# Where the fit starts. At 240x80 a third of the rows of five fit at full width and the rest
# need a little condensing, one refit of five glyphs (at 200x80, with the gaps between
# letters, 95% ended at MIN_SQUEEZE and 88% of the size after two or three refits).
FIRST_SQUEEZE = 1.0


@dataclasses.dataclass
class Glyph:
    """One drawn character: where it went and how, for the readability tests."""

    char: str
    font: str
    mask: Image.Image  # "L", after rotation, shear and stretch, cropped to the ink
    x: int
    y: int
    height: int  # ink height before rotation, in pixels


@functools.cache
def bundled_fonts() -> tuple[str, ...]:
    """The font files shipped in ``django_captcha_guard.fonts`` (the top-level fonts/ folder)."""
    folder = Path(str(importlib.import_module("django_captcha_guard.fonts").__file__)).parent
    return tuple(sorted(str(path) for path in folder.glob("*.ttf")))


@functools.lru_cache(maxsize=256)
def font(path: str, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, pixels)


@functools.cache
def cap_height(path: str) -> float:
    """Height of a capital as a share of the font size, to size glyphs by what shows."""
    _, top, _, bottom = font(path, 100).getbbox("H")
    return (bottom - top) / 100 or 0.7


# Wide fonts are condensed to about this H width (a share of the cap height): the bundled
# serifs are a third wider than the sans fonts, and a row of them shrank below the
# readability guard's height.
H_WIDTH = 1.05


@functools.cache
def narrowing(path: str) -> float:
    """How much to condense the font's glyphs so that its H is at most :data:`H_WIDTH` wide."""
    left, _, right, _ = font(path, 100).getbbox("H")
    return min(1.0, H_WIDTH * cap_height(path) * 100 / max(1, right - left))


@functools.cache
def arm_share(path: str) -> float:
    """Thickness of the upper arm of the font's E, as a share of its cap height."""
    face = font(path, 100)
    left, top, right, bottom = (int(v) for v in face.getbbox("E"))
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)))
    ImageDraw.Draw(mask).text((-left, -top), "E", font=face, fill=255)
    x = mask.width * 3 // 4
    column = [value > 127 for value in mask.crop((x, 0, x + 1, mask.height)).tobytes()]
    if True not in column:
        return MIN_ARM
    top = column.index(True)
    bottom = column.index(False, top) if False in column[top:] else len(column)
    return (bottom - top) / mask.height


def glyph_mask(path: str, pixels: int, char: str, stroke: int = 0) -> Image.Image:
    """The glyph's ink as an "L" mask, its strokes ``stroke`` px bolder on each side, cropped.
    Callers must not modify it (it is cached)."""
    if pixels <= CACHED_MAX_PIXELS:
        return _cached_glyph_mask(path, pixels, char, stroke)
    return _draw_glyph_mask(path, pixels, char, stroke)


def _draw_glyph_mask(path: str, pixels: int, char: str, stroke: int = 0) -> Image.Image:
    face = font(path, pixels)
    left, top, right, bottom = (int(v) for v in face.getbbox(char, stroke_width=stroke))
    # Drawn twice, the second time lower: horizontal strokes grow, vertical ones keep their width.
    thicken = round(max(0.0, MIN_ARM - arm_share(path)) * (bottom - top))
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top + thicken)))
    canvas = ImageDraw.Draw(mask)
    for dy in {0, thicken}:
        canvas.text((-left, dy - top), char, font=face, fill=255, stroke_width=stroke, stroke_fill=255)
    return mask


_cached_glyph_mask = functools.lru_cache(maxsize=4096)(_draw_glyph_mask)


@dataclasses.dataclass(frozen=True)
class _Spec:
    """The random choices for one glyph, drawn before its size is known."""

    char: str
    font: str
    share: float  # glyph height as a share of the picture height
    angle: float
    shear: float
    stretch: float
    overlap: float
    lift: float  # where in the free vertical room it sits, 0 top to 1 bottom
    gap: int  # spaces before it
    # Keystone: how far each corner of the glyph's box is pulled in (dx, dy pairs), as a share
    # of the box. Relative, so the 2x glyph bends exactly like the 1x one.
    bend: tuple[float, ...] = ()


def layout(
    display: str,
    rng: random.Random,
    preset: Preset,
    fonts: tuple[str, ...],
    size: tuple[int, int],
    pad: int,
    scale: int,
) -> list[Glyph]:
    """Glyph masks and positions: crowded, each distorted, shrunk together until they fit."""
    specs: list[_Spec] = []
    gap, lean = 0, rng.randrange(2)
    for char in display:
        if char.isspace():
            gap += 1
            continue
        spec = _Spec(
            char=char,
            font=rng.choice(fonts),
            share=rng.uniform(*GLYPH_HEIGHT),
            # Never upright, and mostly leaning the other way from the previous glyph: OCR reads
            # upright runs of letters; people read tilted ones as easily.
            angle=(-1) ** (len(specs) + lean + (rng.random() < 0.25))
            * rng.uniform(preset.rotation / 3, preset.rotation),
            shear=rng.uniform(-preset.shear, preset.shear),
            stretch=rng.uniform(0.8, 1.0),
            overlap=rng.uniform(0, preset.crowding),
            lift=rng.uniform(0.15, 0.85),
            gap=gap,
            bend=tuple(rng.uniform(0, preset.bend) for _ in range(8)),
        )
        if not char.isalnum():
            # Operators stay upright, full width and centred: a tilted, bent "-" reads as a stroke of a letter.
            spec = dataclasses.replace(spec, angle=spec.angle / 4, shear=0.0, stretch=1.0, lift=0.5, bend=())
        specs.append(spec)
        gap = 0
    start = rng.random()
    # Rows start at full width; the glyphs' own stretch varies their shape.
    fit = (1.0, FIRST_SQUEEZE)
    # The row is always fitted and placed at 1x. A 2x picture draws the same glyphs at twice
    # the size, each centred on twice its 1x centre: refitting or re-placing it after rounding
    # made one picture in a few hundred lean a glyph differently or shift the row at 2x.
    width, height, margin = size[0] // scale, size[1] // scale, pad // scale
    fit, specs, shapes, steps, total = _fit(specs, (width, height), margin, fit, 1)
    centres = []
    x = margin + int((width - 2 * margin - total) * start)
    for spec, (mask, _), step in zip(specs, shapes, steps, strict=True):
        x += step
        y = margin + int((height - 2 * margin - mask.height) * spec.lift)
        centres.append((x + mask.width / 2, y + mask.height / 2))
        x += mask.width
    if scale > 1:
        shapes = _fit(specs, size, pad, fit, scale, adjust=False)[2]
    glyphs = []
    for spec, (mask, ink_height), (cx, cy) in zip(specs, shapes, centres, strict=True):
        x, y = round(cx * scale - mask.width / 2), round(cy * scale - mask.height / 2)
        glyphs.append(Glyph(spec.char, spec.font, mask, x, y, ink_height))
    return glyphs


def _fit(
    specs: list[_Spec], size: tuple[int, int], pad: int, fit: tuple[float, float], scale: int, *, adjust: bool = True
) -> tuple[tuple[float, float], list[_Spec], list[tuple[Image.Image, int]], list[int], int]:
    """Shapes, spacing and total width for a row that fits, starting from ``fit`` = (shrink, squeeze).

    Returns the fit and the specs too, with the angles of glyphs that had to lean less.
    ``adjust=False`` draws the row exactly as ``fit`` and ``specs`` say (a 2x copy of the 1x
    row); rounding may then make it poke a pixel or two into the padding, which has room for it.

    Too wide: condense the glyphs first (people read narrow letters easily), then bend them
    less, and only then make them smaller; too tall: smaller.
    """
    room_width, room_height = size[0] - 2 * pad, size[1] - 2 * pad
    shrink, squeeze = fit
    limit = room_height if adjust else math.inf
    for _ in range(12 if adjust else 1):
        leaned = [_lean(spec, size[1] * shrink, limit, squeeze, scale) for spec in specs]
        specs, shapes = [spec for spec, _ in leaned], [shape for _, shape in leaned]
        steps = [0] + [
            round(spec.gap * spec.share * size[1] * shrink * 0.4) - round(spec.overlap * min(a.width, b.width))
            for spec, (a, _), (b, _) in zip(specs[1:], shapes, shapes[1:], strict=False)
        ]
        total = sum(mask.width for mask, _ in shapes) + sum(steps)
        tallest = max((mask.height for mask, _ in shapes), default=0)
        if not adjust or (total <= room_width and tallest <= room_height):
            break
        if tallest <= room_height and squeeze > MIN_SQUEEZE:
            squeeze = max(MIN_SQUEEZE, squeeze * room_width / total * 0.98)
        elif tallest <= room_height and any(b > 0.01 for spec in specs for b in spec.bend):
            # Still too wide: bend less (a keystone widens a glyph) before making the text smaller.
            specs = [dataclasses.replace(spec, bend=tuple(b / 2 for b in spec.bend)) for spec in specs]
        else:
            # Shapes scale with the font size, so one more pass nearly always fits.
            shrink *= min(room_width / max(total, 1), room_height / max(tallest, 1)) * 0.96
    return (shrink, squeeze), specs, shapes, steps, total


def _lean(
    spec: _Spec, glyph_height: float, room_height: float, squeeze: float, scale: int
) -> tuple[_Spec, tuple[Image.Image, int]]:
    """``spec`` and its shape, rotated (and bent) less if it is too tall for the room once rotated.

    Leaning less rather than shrinking keeps the text's size (the readability guard wants
    glyphs >= 45% of the picture height).
    """
    shape = _shape(spec, glyph_height, squeeze, scale)
    while abs(spec.angle) > 2 and shape[0].height > room_height:
        spec = dataclasses.replace(spec, angle=spec.angle / 2, bend=tuple(b / 2 for b in spec.bend))
        shape = _shape(spec, glyph_height, squeeze, scale)
    return spec, shape


def _shape(spec: _Spec, glyph_height: float, squeeze: float, scale: int) -> tuple[Image.Image, int]:
    """The distorted mask of one glyph and its upright ink height."""
    # Font sizes are whole pixels at 1x, times the scale: a 2x glyph is exactly the 1x one doubled.
    pixels = scale * max(6, round(spec.share * glyph_height / scale / cap_height(spec.font)))
    mask = glyph_mask(spec.font, pixels, spec.char, scale * round(pixels / scale * STROKE))
    # Operators keep their width: a condensed "-" shrinks to a dot. Letters keep at least
    # MIN_WIDTH of theirs, or the diagonals of a condensed, leaning W get thinner than a stroke.
    stretch = max(MIN_WIDTH, spec.stretch * squeeze * narrowing(spec.font)) if spec.char.isalnum() else spec.stretch
    return _distort(mask, spec.angle, spec.shear, stretch, spec.bend), mask.height


def _distort(
    mask: Image.Image, angle: float, shear: float, stretch: float, bend: tuple[float, ...] = ()
) -> Image.Image:
    """Rotate, shear, stretch and bend in one transform, cropped to the ink.

    The bend pulls the corners of the glyph's box in by ``bend`` x its size, so one side
    of a letter grows more than the other (no single affine map undoes it); the output
    keeps a margin as wide as the largest pull, so nothing is cut off.
    """
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    # Forward matrix: rotation x shear x horizontal stretch.
    a, b, d, e = cos * stretch, cos * shear - sin, sin * stretch, sin * shear + cos
    w, h = mask.size
    corners = [(0, 0), (w, 0), (0, h), (w, h)]
    xs = [a * x + b * y for x, y in corners]
    ys = [d * x + e * y for x, y in corners]
    left, top = min(xs), min(ys)
    size = (math.ceil(max(xs) - left), math.ceil(max(ys) - top))
    det = a * e - b * d
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    if any(bend):
        out = _bent(mask, (ia, ib, id_, ie), (left, top), size, bend)
    else:
        data = (ia, ib, ia * left + ib * top, id_, ie, id_ * left + ie * top)
        out = mask.transform(size, Image.Transform.AFFINE, data, Image.Resampling.BILINEAR)
    box = out.getbbox()
    return out.crop(box) if box else out


def _bent(
    mask: Image.Image,
    inverse: tuple[float, float, float, float],
    origin: tuple[float, float],
    size: tuple[int, int],
    bend: tuple[float, ...],
) -> Image.Image:
    """The affine map (given by its ``inverse`` and the output's ``origin``) with each corner
    of its box pulled inwards by ``bend``: a keystone no affine map undoes, in one ``QUAD`` transform.

    Pulling the corners of the sampled area inwards only ever magnifies: one side of a letter
    grows more than the other, but no stroke gets thinner than the font drew it.
    """
    ia, ib, id_, ie = inverse
    margin = math.ceil(max(bend) * max(size)) + 1
    width, height = size[0] + 2 * margin, size[1] + 2 * margin
    quad = []
    # Upper left, lower left, lower right, upper right (the order QUAD wants), each with the
    # direction that points into the box.
    for k, (corner_x, corner_y, inward_x, inward_y) in enumerate(
        ((0, 0, 1, 1), (0, height, 1, -1), (width, height, -1, -1), (width, 0, -1, 1))
    ):
        x = corner_x + origin[0] - margin + inward_x * bend[2 * k] * size[0]
        y = corner_y + origin[1] - margin + inward_y * bend[2 * k + 1] * size[1]
        quad += [ia * x + ib * y, id_ * x + ie * y]
    return mask.transform((width, height), Image.Transform.QUAD, quad, Image.Resampling.BILINEAR)
