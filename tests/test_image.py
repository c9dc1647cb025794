"""The renderer: deterministic bytes, formats, HiDPI, settings, and the readability guard.

The guard (issue 7, item 3) runs over 2,000 seeds at the default settings: every glyph's
ink has at least 3:1 contrast against the background and the clutter behind it, no glyph
is more than 20% covered by other glyphs or noise, noise strokes are thinner than glyph
strokes, glyphs are at least 45% of the picture height, and nothing is clipped.
"""

from __future__ import annotations

import io
import random

import pytest
from django.test import override_settings
from PIL import Image, ImageChops, ImageFilter

from django_captcha_guard import colours, image
from django_captcha_guard.challenges import arithmetic, text
from django_captcha_guard.conf import Config, get_settings
from django_captcha_guard.glyphs import bundled_fonts
from django_captcha_guard.noise import draw

GUARD_SEEDS = 2000
SOLID = [0] * 128 + [255] * 128  # a pixel belongs to a shape when at least half covered


def picture(seed: int, *, scale: int = 1, config: dict | None = None, challenge=text) -> image.Picture:
    config = config or get_settings()
    rng = random.Random(seed)
    return image.compose(challenge(rng, Config.from_settings(config)).display, rng, config, scale=scale, inspect=True)


def pixels(mask: Image.Image) -> int:
    return mask.histogram()[255]


def union(masks: list[Image.Image], size: tuple[int, int]) -> Image.Image:
    out = Image.new("L", size)
    for mask in masks:
        out = ImageChops.lighter(out, mask)
    return out


def rendered(display: str = "AKM34", seed: int = 1, **kwargs) -> bytes:
    return image.render(display, random.Random(seed), **kwargs)


def test_same_generator_state_gives_the_same_bytes_in_every_format():
    for image_format in ("PNG", "WEBP", "JPEG"):
        assert rendered(image_format=image_format) == rendered(image_format=image_format)
    assert rendered(seed=1) != rendered(seed=2)


@pytest.mark.parametrize(
    ("image_format", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")]
)
def test_formats_are_what_their_content_type_says(image_format, mime):
    decoded = Image.open(io.BytesIO(rendered(image_format=image_format)))
    assert decoded.format == image_format
    assert image.content_type(image_format) == mime
    assert decoded.size == (160, 60)


@override_settings(CAPTCHA_GUARD={"FORMAT": "WEBP"})
def test_the_format_setting_is_the_default():
    assert Image.open(io.BytesIO(rendered())).format == "WEBP"
    assert image.content_type() == "image/webp"


@pytest.mark.parametrize("difficulty", ["easy", "normal", "hard"])
def test_hidpi_is_the_same_drawing_at_twice_the_size(difficulty):
    # Hundreds of seeds: a 2x row that refitted itself after rounding leaned one glyph
    # differently, or shifted the row, in about one picture of 300.
    with override_settings(CAPTCHA_GUARD={"DIFFICULTY": difficulty}):
        for seed in range(600):
            double = picture(seed, scale=2)
            assert_same_drawing(picture(seed), double)
            assert_unclipped(double)


def assert_same_drawing(single: image.Picture, double: image.Picture) -> None:
    assert double.image.size == (320, 120)
    assert [(g.char, g.font, g.ink, g.outline) for g in single.glyphs] == [
        (g.char, g.font, g.ink, g.outline) for g in double.glyphs
    ]
    # Each 2x glyph is centred on twice its 1x centre; sizes round to whole pixels one by one.
    for one, two in zip(single.glyphs, double.glyphs, strict=True):
        assert abs(two.x - 2 * one.x) <= 4 and abs(two.y - 2 * one.y) <= 4
        assert abs(two.mask.width - 2 * one.mask.width) <= 6 and abs(two.mask.height - 2 * one.mask.height) <= 6


def test_unsupported_scale_and_format_are_refused():
    with pytest.raises(ValueError, match="scale"):
        rendered(scale=3)
    with pytest.raises(ValueError, match="GIF"):
        rendered(image_format="GIF")


def test_rendering_leaves_the_global_random_module_alone():
    state = random.getstate()
    rendered()
    picture(3, challenge=arithmetic)
    assert random.getstate() == state


@override_settings(CAPTCHA_GUARD={"BACKGROUND": (20, 24, 40), "IMAGE_SIZE": (200, 70)})
def test_background_and_size_settings_are_used_and_inks_stay_readable_on_dark_backgrounds():
    drawn = picture(5)
    assert drawn.image.size == (200, 70)
    most_common = max(drawn.image.convert("RGB").getcolors(200 * 70))[1]
    assert most_common == (20, 24, 40)
    assert all(colours.contrast(g.ink, (20, 24, 40)) >= colours.INK_CONTRAST for g in drawn.glyphs)


@override_settings(CAPTCHA_GUARD={"PALETTE": [(0, 0, 128), (120, 0, 0)]})
def test_palette_setting_limits_the_glyph_inks():
    inks = {g.ink for seed in range(20) for g in picture(seed).glyphs}
    assert inks == {(0, 0, 128), (120, 0, 0)}


def test_the_encoded_picture_shows_every_glyph_ink_on_the_background():
    for seed in range(20):
        drawn = picture(seed)
        decoded = Image.open(io.BytesIO(image.encode(drawn.image, "PNG"))).convert("RGB")
        shown = {colour for _, colour in decoded.getcolors(160 * 60)}
        assert {g.ink for g in drawn.glyphs} | {drawn.background} <= shown


def test_fonts_setting_replaces_the_bundled_fonts():
    one = bundled_fonts()[0]
    with override_settings(CAPTCHA_GUARD={"FONTS": [one]}):
        assert {g.font for seed in range(10) for g in picture(seed).glyphs} == {one}


def test_a_picture_mixes_at_least_three_bundled_fonts():
    assert len(bundled_fonts()) >= 3
    used = {g.font for seed in range(30) for g in picture(seed).glyphs}
    assert len(used) >= 3
    assert any(g.outline for seed in range(30) for g in picture(seed).glyphs)


@pytest.mark.parametrize("difficulty", ["easy", "normal", "hard"])
def test_every_difficulty_renders_the_whole_text_unclipped(difficulty):
    with override_settings(CAPTCHA_GUARD={"DIFFICULTY": difficulty}):
        for seed in range(100):
            drawn = picture(seed)
            assert len(drawn.glyphs) == 5
            assert_unclipped(drawn)


@pytest.mark.parametrize("length", [1, 4, 8, 12])
def test_the_minimum_size_fits_the_text(length):
    width, height = image.minimum_size(length)
    with override_settings(CAPTCHA_GUARD={"LENGTH": length, "IMAGE_SIZE": (width, height)}):
        for seed in range(50):
            drawn = picture(seed)
            assert drawn.image.size == (width, height)
            assert len(drawn.glyphs) == length
            assert_unclipped(drawn)


def test_arithmetic_fits_the_default_picture():
    for seed in range(200):
        drawn = picture(seed, challenge=arithmetic)
        assert_unclipped(drawn)


@override_settings(CAPTCHA_GUARD={"DIFFICULTY": "hard"})
def test_decoys_are_as_dark_as_the_text_but_smaller_and_off_it():
    """Corners of glyphs in the glyphs' own inks (the hard preset): a solver cannot normalise
    them away as faint clutter. Smaller than any glyph; the guard checks they never cover one."""
    found = 0
    for seed in range(300):
        drawn = picture(seed)
        inks = {g.ink for g in drawn.glyphs}
        for piece, _, ink in drawn.decoys:
            found += 1
            assert ink in inks
            assert piece.height < min(g.height for g in drawn.glyphs)
    assert found >= 100


def assert_unclipped(drawn: image.Picture, margin: int = 1) -> None:
    width, height = drawn.image.size
    left, top, right, bottom = union([m.point(SOLID) for m in drawn.warped], drawn.image.size).getbbox()
    assert left >= margin and top >= margin and right <= width - margin and bottom <= height - margin


def test_readability_guard_over_many_seeds():
    """Contrast, coverage, stroke width, height and clipping for 2,000 default pictures."""
    width, height = get_settings()["IMAGE_SIZE"]
    worst_cover, lowest, worst_contrast = 0.0, 1.0, 21.0
    for seed in range(GUARD_SEEDS):
        drawn = picture(seed)
        inks = [mask.point(SOLID) for mask in drawn.warped]
        noise = drawn.noise_mask.point(SOLID)
        assert_unclipped(drawn)
        for i, ink in enumerate(inks):
            others = union([noise, *inks[:i], *inks[i + 1 :]], drawn.image.size)
            worst_cover = max(worst_cover, pixels(ImageChops.multiply(ink, others)) / pixels(ink))
        for glyph in drawn.glyphs:
            lowest = min(lowest, glyph.height / height)
            backgrounds = [drawn.background, *drawn.clutter_inks]
            worst_contrast = min(worst_contrast, *(colours.contrast(glyph.ink, b) for b in backgrounds))
            # A glyph has strokes at least 3 px thick: some ink survives a 3x3 erosion...
            solid = glyph.mask.point(SOLID)
            assert pixels(solid.filter(ImageFilter.MinFilter(3))) >= 0.1 * pixels(solid)
        for stroke in drawn.strokes:
            # ...which every noise stroke, one pixel wide, does not survive.
            alone = Image.new("L", (width, height))
            draw(alone, [stroke], lambda ink: 255)
            assert alone.filter(ImageFilter.MinFilter(3)).getbbox() is None
    assert worst_cover <= 0.2
    assert lowest >= 0.45
    assert worst_contrast >= colours.MINIMUM_CONTRAST
