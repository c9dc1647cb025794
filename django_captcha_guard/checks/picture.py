"""The renderer's own rules as system checks (E007, E008, E040-E043).

The renderer (:mod:`django_captcha_guard.render`) owns what makes a picture readable: a
size that fits the text, a known preset and format, inks that contrast with the
background, fonts Pillow can read that carry every character. ``Options.problems()``
says so; this module only gives each finding its ID and setting name, and builds the
options once per check run.
"""

from __future__ import annotations

from typing import Any

from django_captcha_guard.conf import Problem

__all__ = ["INPUTS", "problems"]

# The renderer's option -> (ID, setting).
RULES = {
    "size": ("captcha_guard.E007", "IMAGE_SIZE"),
    "image_format": ("captcha_guard.E008", "FORMAT"),
    "preset": ("captcha_guard.E040", "DIFFICULTY"),
    "palette": ("captcha_guard.E041", "PALETTE"),
    "fonts": ("captcha_guard.E042", "FONTS"),
    "alphabet": ("captcha_guard.E043", "ALPHABET"),
}
# Settings the options are built from: each must be well-formed first (its own rule says if not).
INPUTS = frozenset({"IMAGE_SIZE", "ALPHABET", "LENGTH", "FONTS", "BACKGROUND", "PALETTE", "DIFFICULTY", "FORMAT"})


def problems(config: dict[str, Any]) -> list[Problem]:
    """The renderer's verdict on the options built from the merged, well-formed ``config``."""
    from django_captcha_guard.image import options_from  # the adapter reads settings; checks load first

    found = []
    for problem in options_from(config).problems():
        code, setting = RULES[problem.option]
        found.append(Problem(code, f"CAPTCHA_GUARD[{setting!r}] {problem.message}", problem.hint))
    return found
