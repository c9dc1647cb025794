"""Untrained solvers against our picture and three peers, side by side: one table.

    python -m benchmarks.attack [--images 1000] [--presets easy,normal,hard] [--workers 2]

Needs the ``attack`` extra (``pip install -e '.[attack]'``: ddddocr,
lepture ``captcha`` 0.7.1, django-simple-captcha 0.7.0) and Debian's ``tesseract-ocr``.
For every generator it draws ``--images`` fresh pictures (ours as the image view draws
them: the challenge and the picture from one seeded stream, per preset) and counts exact,
case-insensitive matches of:

- Tesseract (``--psm 7``, one text line, whitelisted to the generator's characters);
- ddddocr 1.6.1, raw;
- ddddocr with ``set_ranges`` set to the generator's characters, both cases (1.6.1
  drops decoded characters outside the range; upper case only would throw away its many
  lower-case readings, so the attacker gives both);
- ddddocr, raw, after each of the usual cleaning steps an attacker tries first
  (:data:`CLEANINGS`: grey, Gaussian blurs, median, min and max filters, downscaling), on
  the first ``--cleaning-images`` pictures; the column gives the best one and its name.
  That is an attacker who tries them all on labelled pictures and keeps the winner;
- ddddocr, raw, after a filter written for our style ("knows our style": where rows
  vary more than columns, there are letters). It needs our renderer's source, not a
  trained model, so it belongs to the trained attacker's tier; it is reported, not
  targeted.

The CRNN trained on our own pictures (``python -m benchmarks.solver_attack``) is the
other attacker; it needs torch and a quarter of an hour of both cores, so it runs on its
own. Run by hand; it never runs in the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore")

Reader = Callable[[bytes], str]


def configure() -> None:
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="benchmark-only",
        INSTALLED_APPS=["django_captcha_guard", "captcha"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CAPTCHA_GUARD={},
    )
    django.setup()


def ours(preset: str) -> Callable[[random.Random], tuple[str, bytes]]:
    import dataclasses

    from django_captcha_guard import image
    from django_captcha_guard.challenges import get_challenge_function
    from django_captcha_guard.conf import get_config

    config = get_config()
    challenge = get_challenge_function()
    options = dataclasses.replace(image.options(), preset=preset)

    def make(rng: random.Random) -> tuple[str, bytes]:
        drawn = challenge(rng, config)
        return drawn.answer, image.render(drawn.display, rng, settings=options)

    return make


def tesseract(characters: str, folder: Path) -> Reader:
    counter = iter(range(10**9))

    def read(data: bytes) -> str:
        path = folder / f"{next(counter)}.png"
        path.write_bytes(data)
        command = ["tesseract", str(path), "stdout", "--psm", "7", "-c", f"tessedit_char_whitelist={characters}"]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=60, env={**os.environ, "OMP_THREAD_LIMIT": "1"}
        )
        return "".join(result.stdout.split())

    return read


def ddddocr_readers(characters: str) -> tuple[Reader, Reader]:
    import ddddocr

    raw = ddddocr.DdddOcr(show_ad=False)
    ranged = ddddocr.DdddOcr(show_ad=False)
    ranged.set_ranges("".join(sorted(set(characters.upper() + characters.lower()))))
    return raw.classification, ranged.classification


def _cleanings() -> dict[str, Callable[[Any], Any]]:
    from PIL import Image, ImageFilter

    def smaller(by: int, resample: Image.Resampling) -> Callable[[Any], Any]:
        return lambda im: im.resize((im.width // by, im.height // by), resample)

    box, lanczos = Image.Resampling.BOX, Image.Resampling.LANCZOS
    return {
        "grey": lambda im: im,
        "0.7 px blur": lambda im: im.filter(ImageFilter.GaussianBlur(0.7)),
        "1 px blur": lambda im: im.filter(ImageFilter.GaussianBlur(1)),
        "1.5 px blur": lambda im: im.filter(ImageFilter.GaussianBlur(1.5)),
        "2.5 px blur": lambda im: im.filter(ImageFilter.GaussianBlur(2.5)),
        "3x3 median": lambda im: im.filter(ImageFilter.MedianFilter(3)),
        "5x5 median": lambda im: im.filter(ImageFilter.MedianFilter(5)),
        "3x3 min": lambda im: im.filter(ImageFilter.MinFilter(3)),
        "3x3 max": lambda im: im.filter(ImageFilter.MaxFilter(3)),
        "5x5 box blur": lambda im: im.filter(ImageFilter.BoxBlur(2)),
        "half size, box": smaller(2, box),
        "half size, Lanczos": smaller(2, lanczos),
        "third size, box": smaller(3, box),
    }


# Name -> step; every cleaning starts from the picture in grey.
CLEANINGS = _cleanings()


def knows_our_style(image: Any) -> Any:
    """Rows that vary less than columns, found pixel by pixel over one stripe period: the
    letters' horizontal stripes, told from the field's vertical ones, blurred into ink."""
    import numpy
    from PIL import Image, ImageFilter

    from django_captcha_guard.render.texture import STRIPES

    grey = numpy.asarray(image, dtype=numpy.float32)
    period = STRIPES[0]

    def along(axis: int) -> Any:
        local = sum(numpy.roll(grey, shift, axis) for shift in range(period)) / period
        return numpy.abs(grey - local)

    energy = numpy.abs(along(0) - along(1))
    energy *= 255 / (energy.max() or 1)
    return Image.fromarray(energy.astype(numpy.uint8)).filter(ImageFilter.GaussianBlur(2))


def cleaned(reader: Reader, clean: Callable[[Any], Any]) -> Reader:
    import io

    from PIL import Image

    def read(data: bytes) -> str:
        buffer = io.BytesIO()
        clean(Image.open(io.BytesIO(data)).convert("L")).save(buffer, "PNG")
        return reader(buffer.getvalue())

    return read


def score(pictures: list[tuple[str, bytes]], reader: Reader, workers: int) -> float:
    with ThreadPoolExecutor(workers) as pool:
        readings = list(pool.map(lambda picture: reader(picture[1]), pictures))
    hits = sum(reading.upper() == answer.upper() for (answer, _), reading in zip(pictures, readings, strict=True))
    return hits / len(pictures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1000, help="fresh pictures per generator (default 1000)")
    parser.add_argument("--presets", default="easy,normal,hard")
    parser.add_argument("--workers", type=int, default=2, help="readers at a time")
    parser.add_argument(
        "--cleaning-images", type=int, default=300, help="pictures per generator for the cleaning columns (default 300)"
    )
    parser.add_argument("--seed", type=int, default=0, help="where the generators' streams start")
    parser.add_argument("--no-peers", action="store_true", help="our presets only")
    args = parser.parse_args(argv)
    configure()
    from benchmarks import peers
    from django_captcha_guard.conf import get_config

    alphabet = get_config().alphabet
    generators = [(f"ours, `{name}`", ours(name), alphabet) for name in args.presets.split(",")]
    generators += (
        []
        if args.no_peers
        else [
            ("lepture captcha 0.7.1 (160x60, 4 characters)", peers.lepture(), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
            ("django-simple-captcha 0.7.0 default", peers.simple_captcha(), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            ("seed-000 tutorial style", peers.tutorial(), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
        ]
    )
    print(f"{args.images} fresh pictures per generator; exact match, case-insensitive")
    print()
    print(f"cleaning columns: the first {min(args.cleaning_images, args.images)} of them")
    print()
    columns = [
        "Tesseract 5 (psm 7, whitelist)",
        "ddddocr 1.6.1 raw",
        "ddddocr, set_ranges",
        f"ddddocr, best of {len(CLEANINGS)} cleanings",
        "ddddocr, knows our style",
    ]
    print("| generator | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    with tempfile.TemporaryDirectory() as folder:
        for n, (label, make, characters) in enumerate(generators):
            rng = random.Random(f"{args.seed}:{n}")
            pictures = [make(rng) for _ in range(args.images)]
            raw, ranged = ddddocr_readers(characters)
            figures = [
                f"{score(pictures, tesseract(characters + characters.lower(), Path(folder)), args.workers):.1%}",
                f"{score(pictures, raw, args.workers):.1%}",
                f"{score(pictures, ranged, args.workers):.1%}",
            ]
            sample = pictures[: args.cleaning_images]
            best = max((score(sample, cleaned(raw, clean), args.workers), name) for name, clean in CLEANINGS.items())
            figures.append(f"{best[0]:.1%} ({best[1]})" if best[0] else "0.0%")
            figures.append(f"{score(sample, cleaned(raw, knows_our_style), args.workers):.1%}")
            print(f"| {label} | " + " | ".join(figures) + " |", flush=True)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print()
    print(f"{datetime.date.today()}, load average {load}, Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
