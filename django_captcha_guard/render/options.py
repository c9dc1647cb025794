"""What a picture looks like: the presets, and the frozen options the renderer takes.

:class:`Options` is plain data, built by the Django adapter (``django_captcha_guard.image``)
from ``CAPTCHA_GUARD`` or by anyone from keyword arguments. The domain rules (a size the
text fits, readable colours, fonts Pillow can read and that carry the alphabet) live
here, in :meth:`Options.problems`, and the system checks report what it finds.
"""

from __future__ import annotations

import dataclasses
import os
from functools import cached_property

from PIL import ImageFont

from django_captcha_guard.render.colours import INK_CONTRAST, RGB, contrast
from django_captcha_guard.render.glyphs import BUNDLED_CHARACTERS, bundled_fonts

# No look-alikes: 0/O/D/Q, 1/I/L/J/7, 5/S, 2/Z, 8/B, 6/G, 9/g, U/V, and those striped
# letters made worse in cold reads: 4/A (an open 4 reads as A when its stripes run with its
# stem), M/N, C/E, F/T, F/E, W and X. Ten characters, five of them: 100,000 answers.
DEFAULT_ALPHABET = "AEHKMPTY3"
CONTENT_TYPES = {"PNG": "image/png", "WEBP": "image/webp", "JPEG": "image/jpeg"}


@dataclasses.dataclass(frozen=True)
class Preset:
    """How hard a picture is: one of :data:`PRESETS`."""

    rotation: float  # degrees, either way
    shear: float  # horizontal shear factor, either way
    # At most this share of the narrower neighbour is overlapped; negative: a gap of up to
    # that share is left (two striped letters that touch read as one: 33, TT, PP).
    crowding: float
    # Per-glyph keystone: how far the corners of its box are pulled in, as a share of it. Hard
    # only: it costs a QUAD transform a glyph, a fifth of the picture's time.
    bend: float
    warp: float  # wave amplitude as a share of the height


# The texture is the defence against untrained solvers and is the same in every preset
# (``texture`` says why); the presets differ in distortion only. It stays mild: a cold read
# of 40 pictures with twice these leans and bends got only 24 right. No clutter either:
# letters this size leave it no room (16 halves of letters fitted in 100 hard pictures).
PRESETS = {
    "easy": Preset(
        rotation=8,
        shear=0.05,
        crowding=-0.15,
        bend=0,
        warp=0.03,
    ),
    "normal": Preset(
        rotation=10,
        shear=0.08,
        crowding=-0.08,
        bend=0,
        warp=0.035,
    ),
    "hard": Preset(
        rotation=18,
        shear=0.12,
        crowding=0.06,
        bend=0.08,
        warp=0.05,
    ),
}


@dataclasses.dataclass(frozen=True)
class Problem:
    """One option that cannot work: which, why, and what would."""

    option: str
    message: str
    hint: str


def minimum_size(characters: int) -> tuple[int, int]:
    """Smallest (width, height) in which ``characters`` glyphs stay legible and unclipped."""
    return (max(characters, 1) * 14 + 24, 40)


@dataclasses.dataclass(frozen=True)
class Options:
    """Everything the renderer needs to know, and nothing from Django."""

    size: tuple[int, int] = (240, 80)
    alphabet: str = DEFAULT_ALPHABET  # what the text is drawn from, which the fonts must carry
    length: int = 5  # the longest text to draw, which the size must fit
    fonts: tuple[str, ...] = ()  # empty: the bundled fonts
    background: RGB = (255, 255, 255)
    palette: tuple[RGB, ...] = ()  # inks to choose from; empty: a fresh random one per picture
    preset: str = "normal"
    image_format: str = "PNG"

    @cached_property
    def font_files(self) -> tuple[str, ...]:
        return tuple(map(str, self.fonts)) or bundled_fonts()

    @property
    def style(self) -> Preset:
        return PRESETS[self.preset]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.image_format]

    def problems(self) -> list[Problem]:
        """What stops these options from drawing readable pictures; empty when they can."""
        found = []
        if self.preset not in PRESETS:
            found.append(
                Problem("preset", f"{self.preset!r} is not a known preset.", f"Use one of {', '.join(PRESETS)}.")
            )
        if self.image_format not in CONTENT_TYPES:
            found.append(
                Problem(
                    "image_format",
                    f"{self.image_format!r} is not supported.",
                    f"Use one of {', '.join(CONTENT_TYPES)}.",
                )
            )
        width, height = minimum_size(self.length)
        if self.size[0] < width or self.size[1] < height or self.size[0] > 2000 or self.size[1] > 1000:
            found.append(
                Problem(
                    "size",
                    f"{tuple(self.size)!r} does not fit the text.",
                    f"Use at least {width}x{height} pixels for {self.length} characters (at most 2000x1000).",
                )
            )
        faint = [ink for ink in self.palette if contrast(ink, self.background) < INK_CONTRAST]
        if faint:
            found.append(
                Problem(
                    "palette",
                    f"colours {faint!r} are too close to the background for people to read.",
                    f"Give inks at least {INK_CONTRAST}:1 against the background, or none.",
                )
            )
        found += self._font_problems()
        return found

    def _font_problems(self) -> list[Problem]:
        for path in self.fonts:
            if not os.path.isfile(path):
                return [Problem("fonts", f"file {str(path)!r} does not exist.", "Give absolute paths to font files.")]
            try:
                ImageFont.truetype(path, 20)
            except OSError:
                return [
                    Problem(
                        "fonts",
                        f"file {str(path)!r} is not a font Pillow can read.",
                        "Give TrueType (.ttf) or OpenType (.otf) files.",
                    )
                ]
        missing = sorted(set(self.alphabet) - set(BUNDLED_CHARACTERS))
        if missing and not self.fonts:
            return [
                Problem(
                    "alphabet",
                    f"has characters the bundled fonts cannot draw: {''.join(missing)!r}.",
                    "Use A-Z, a-z and 0-9, or add fonts that carry these characters.",
                )
            ]
        return []
