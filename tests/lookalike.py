"""The look-alike measure: which character of A-Z and 0-9 a drawn glyph is closest to.

The references are the 36 characters drawn with the glyph's own distortion: the layout
is run again from the same generator state with another character, so font, size, lean,
shear, stretch and bend are the same and only the letter differs. Each shape is cropped
to its ink, fitted into a 32x32 box (aspect kept, centred) and blurred, then compared by
cosine similarity. The question is the reader's: "with this slant and this texture,
which letter is this?" A distortion that hides what tells a letter apart (an outline
that closes an E's arms) moves it towards its neighbour, and the measure says so. Pillow
only, so the test suite needs no numpy.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable

from PIL import Image, ImageChops, ImageFilter, ImageStat

CHARACTERS = string.ascii_uppercase + string.digits
BOX = 32


def normalised(mask: Image.Image) -> tuple[Image.Image, float]:
    """``mask`` cropped to its ink, fitted into a BOX x BOX square and blurred, with its norm."""
    box = mask.getbbox()
    ink = mask.crop(box) if box else mask
    scale = (BOX - 4) / max(ink.width, ink.height)
    size = (max(1, round(ink.width * scale)), max(1, round(ink.height * scale)))
    out = Image.new("L", (BOX, BOX))
    out.paste(ink.resize(size, Image.Resampling.BILINEAR), ((BOX - size[0]) // 2, (BOX - size[1]) // 2))
    out = out.filter(ImageFilter.GaussianBlur(1.5))
    return out, math.sqrt(ImageStat.Stat(ImageChops.multiply(out, out)).sum[0]) or 1.0


def ranking(shape: Image.Image, draw: Callable[[str], Image.Image]) -> list[tuple[float, str]]:
    """(similarity, character) for every character of A-Z and 0-9 as ``draw`` draws it, most similar first."""
    target, norm = normalised(shape)
    scores = []
    for char in CHARACTERS:
        reference, reference_norm = normalised(draw(char))
        similarity = ImageStat.Stat(ImageChops.multiply(target, reference)).sum[0] / (norm * reference_norm)
        scores.append((similarity, char))
    return sorted(scores, reverse=True)


def closest(shape: Image.Image, draw: Callable[[str], Image.Image]) -> str:
    return ranking(shape, draw)[0][1]
