"""Labelled samples drawn with the project's own renderer, as an attacker would draw them.

The package is open source, so an attacker runs the same ``challenges.challenge_for`` and
``image.render`` with keys of their own and gets unlimited labelled pictures. This module
does exactly that, on every core, and turns each picture into the fixed-height grey (or
colour) array the solver reads.
"""

from __future__ import annotations

import io
import math
import multiprocessing
import secrets
from dataclasses import dataclass
from typing import Any

from PIL import Image

# How many pictures one worker task renders; small enough to keep both cores busy to the end.
CHUNK = 250


def configure_django(overrides: dict[str, Any]) -> dict[str, Any]:
    """Configure Django with a throwaway secret and ``CAPTCHA_GUARD = overrides``; return the merged settings.

    A fresh ``SECRET_KEY`` per run: the attacker never knows the server's secret and does
    not need it, since they label their own pictures.
    """
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=secrets.token_hex(32),
        INSTALLED_APPS=["django_captcha_guard"],
        USE_I18N=False,
        CAPTCHA_GUARD=overrides,
    )
    django.setup()
    from django_captcha_guard.conf import get_settings

    return dict(get_settings())


def render_one() -> tuple[str, bytes]:
    """One fresh challenge: its answer and the encoded picture the image view would serve."""
    from django_captcha_guard import challenges, core, image

    challenge, rng = challenges.challenge_for(core.new_key())
    return challenge.answer, image.render(challenge.display, rng)


@dataclass(frozen=True)
class Shape:
    """The array every picture is fitted into: ``channels`` x ``height`` x ``width``."""

    channels: int
    height: int
    width: int


def to_pixels(data: bytes, shape: Shape) -> bytes:
    """Decode, flatten any transparency onto white, scale to ``shape.height`` and pad or squeeze to ``shape.width``.

    Padding repeats the last column so the padded strip looks like background, not a bar.
    """
    picture = Image.open(io.BytesIO(data))
    picture.load()
    if "A" in picture.getbands() or picture.mode == "P":
        picture = picture.convert("RGBA")
        flat = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        flat.alpha_composite(picture)
        picture = flat
    picture = picture.convert("L" if shape.channels == 1 else "RGB")
    width = min(shape.width, max(1, round(picture.width * shape.height / picture.height)))
    picture = picture.resize((width, shape.height), Image.Resampling.BILINEAR)
    if width < shape.width:
        padded = Image.new(picture.mode, (shape.width, shape.height))
        padded.paste(picture, (0, 0))
        edge = picture.crop((width - 1, 0, width, shape.height))
        padded.paste(edge.resize((shape.width - width, shape.height)), (width, 0))
        picture = padded
    if shape.channels == 1:
        return picture.tobytes()
    # Channel-first layout, as the network expects.
    return b"".join(band.tobytes() for band in picture.split())


def fit_shape(channels: int, height: int, samples: int = 200) -> Shape:
    """The array shape that holds the widest of ``samples`` pictures, plus a margin.

    The renderer may vary image widths, so the width is measured rather than read from settings.
    """
    ratios = []
    for _ in range(samples):
        _answer, data = render_one()
        with Image.open(io.BytesIO(data)) as picture:
            ratios.append(picture.width / picture.height)
    width = math.ceil(max(ratios) * 1.1 * height / 8) * 8
    return Shape(channels, height, width)


def _render_chunk(task: tuple[int, Shape, bool]) -> list[tuple[str, bytes, bytes]]:
    count, shape, keep_encoded = task
    out = []
    for _ in range(count):
        answer, data = render_one()
        out.append((answer, to_pixels(data, shape), data if keep_encoded else b""))
    return out


def generate(
    count: int, shape: Shape, workers: int, keep_encoded: bool = False
) -> tuple[list[str], bytes, list[bytes]]:
    """Render ``count`` fresh pictures on ``workers`` processes.

    Returns the answers, the concatenated pixel arrays, and (when ``keep_encoded``) the
    encoded pictures themselves, which the Tesseract baseline reads.
    """
    tasks = [(min(CHUNK, count - start), shape, keep_encoded) for start in range(0, count, CHUNK)]
    # fork: the children inherit the configured Django settings and any loaded fonts.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        chunks = pool.map(_render_chunk, tasks, chunksize=1)
    answers, pixels, encoded = [], [], []
    for chunk in chunks:
        for answer, array, data in chunk:
            answers.append(answer)
            pixels.append(array)
            if keep_encoded:
                encoded.append(data)
    return answers, b"".join(pixels), encoded
