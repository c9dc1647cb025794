# TEMPORARY, not committed: stub renderer until image.render lands.
from bench_site.settings import *  # noqa
import io
from PIL import Image, ImageDraw
import django_captcha_guard.image as im


def render(display, rng, *, scale=1, image_format=None, config=None):
    img = Image.new("RGB", (160 * scale, 60 * scale), "white")
    d = ImageDraw.Draw(img)
    d.text((10, 10), display, fill="black")
    for _ in range(30):
        d.line([(rng.randint(0, 160), rng.randint(0, 60)), (rng.randint(0, 160), rng.randint(0, 60))], fill="gray")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


im.render = render
im.content_type = lambda f: "image/png"
