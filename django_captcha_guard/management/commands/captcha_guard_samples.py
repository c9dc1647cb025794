"""``manage.py captcha_guard_samples``: write sample pictures named by their answers.

So that people (and security tooling, such as an OCR or a solver benchmark) can see what
the current settings produce, without a running server or a store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from django_captcha_guard import core, image
from django_captcha_guard.challenges import get_challenge_function, seeded_rng
from django_captcha_guard.conf import get_config

EXTENSIONS = {"PNG": "png", "WEBP": "webp", "JPEG": "jpg"}


class Command(BaseCommand):
    help = "Write sample captcha images named <answer>_<n>.<ext> for the current settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=20, help="How many pictures (default 20).")
        parser.add_argument("--out", type=Path, required=True, help="Directory to write them to (created).")
        parser.add_argument(
            "--challenge", choices=["text", "arithmetic"], help="Override the CHALLENGE setting for these samples."
        )
        parser.add_argument("--scale", type=int, choices=[1, 2], default=1, help="2 for HiDPI pictures.")

    def handle(
        self, *args: Any, count: int, out: Path | str, challenge: str | None, scale: int, **options: Any
    ) -> None:
        # call_command(..., out="dir") passes a str: argparse's type=Path only runs on the command line.
        out = Path(out)
        config = get_config()
        function = get_challenge_function(challenge)
        extension = EXTENSIONS[config.format]
        out.mkdir(parents=True, exist_ok=True)
        for n in range(count):
            # A fresh key per picture, drawn exactly as the image view draws it.
            rng = seeded_rng(core.new_key())
            drawn = function(rng, config)
            (out / f"{drawn.answer}_{n}.{extension}").write_bytes(image.render(drawn.display, rng, scale=scale))
        self.stdout.write(f"Wrote {count} pictures to {out}.")
