"""The generators our picture is compared with, each as ``(rng) -> (answer, PNG bytes)``.

- lepture ``captcha`` 0.7.1: ``ImageCaptcha(160, 60)``, 4 characters of A-Z and 0-9;
- django-simple-captcha 0.7.0 with its default settings (4 letters, its own noise);
- the tutorial style of /work/shared/seeds/000: 6 of A-Z a-z 0-9 on 200x100 in random
  colours, each row shifted by a pixel, 7% random dots, 8 lines and 8 arcs, as
  ``benchmarks.render.reference`` draws it (the same renderer, with its answer kept).

The two packages install into the same ``captcha`` import name; their modules do not
clash (lepture's is ``captcha.image``, django-simple-captcha's ``captcha.views``).
"""

from __future__ import annotations

import io
import random
import string
import types
from collections.abc import Callable

Peer = Callable[[random.Random], tuple[str, bytes]]


def lepture() -> Peer:
    from captcha.image import ImageCaptcha

    picture = ImageCaptcha(width=160, height=60)

    def make(rng: random.Random) -> tuple[str, bytes]:
        answer = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(4))
        # lepture draws its noise from the global random module: seed it from ours.
        random.seed(rng.random())
        return answer, picture.generate(answer).getvalue()

    return make


def simple_captcha() -> Peer:
    """django-simple-captcha's own image function, fed its default challenge (needs Django set up)."""
    from captcha import views
    from captcha.helpers import random_char_challenge

    def make(rng: random.Random) -> tuple[str, bytes]:
        random.seed(rng.random())
        challenge, answer = random_char_challenge()
        response = views._captcha_image(types.SimpleNamespace(challenge=challenge), 1)
        return answer.upper(), response.content

    return make


def tutorial() -> Peer:
    from PIL import Image, ImageDraw, ImageFont

    from django_captcha_guard.render.glyphs import bundled_fonts

    font = ImageFont.truetype(bundled_fonts()[0], 40)

    def make(rng: random.Random) -> tuple[str, bytes]:
        width, height = 200, 100
        answer = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(6))
        picture = Image.new("RGB", (width, height), (255, 255, 255))
        draw = ImageDraw.Draw(picture)
        for i, char in enumerate(answer):
            colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
            draw.text((10 + i * 30, rng.randint(10, 40)), char, colour, font)
        shifted = Image.new("RGB", (width, height), (255, 255, 255))
        shifted.paste(picture)
        draw = ImageDraw.Draw(shifted)
        for y in range(height):
            if rng.random() < 0.5:
                shifted.paste(picture.crop((0, y, width - 1, y + 1)), (1, y))
        for _ in range(int(width * height * 0.07)):
            xy = (rng.randrange(width), rng.randrange(height))
            draw.point(xy, fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
        for _ in range(8):
            draw.line([(0, rng.randrange(height)), (width, rng.randrange(height))], fill=(rng.randint(0, 255),) * 3)
        for _ in range(8):
            draw.arc((-50, -50, width + 10, rng.randint(0, height + 10)), 0, 360, fill=(rng.randint(0, 255), 0, 0))
        buffer = io.BytesIO()
        shifted.save(buffer, "PNG")
        return answer.upper(), buffer.getvalue()

    return make
