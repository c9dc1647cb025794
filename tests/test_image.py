"""The renderer through its Django adapter: deterministic bytes, formats, HiDPI, settings,
and the readability guard.

The guard runs over 2,000 seeds at the default settings: no glyph is more than 20%
covered by other glyphs, glyph strokes are at least 3 px thick, glyphs are at
least 45% of the picture height, nothing is clipped, and the ink keeps full contrast.
The per-glyph masks it measures are rebuilt here from the layout and the warp the
picture reports, so the shipped renderer carries no inspection code.
"""

from __future__ import annotations

import io
import random

import pytest
from django.test import override_settings
from PIL import Image, ImageChops, ImageFilter, ImageStat

from django_captcha_guard import image
from django_captcha_guard.challenges import arithmetic, text
from django_captcha_guard.conf import get_config
from django_captcha_guard.render import Picture, colours, draw, encode, minimum_size
from django_captcha_guard.render.glyphs import bundled_fonts

GUARD_SEEDS = 2000
SOLID = [0] * 128 + [255] * 128  # a pixel belongs to a shape when at least half covered


def picture(seed: int, *, scale: int = 1, challenge=text) -> Picture:
    rng = random.Random(seed)
    return draw(challenge(rng, get_config()).display, rng, image.options(), scale=scale)


def warped(drawn: Picture, mask: Image.Image, xy: tuple[int, int]) -> Image.Image:
    """``mask`` placed at ``xy`` on an empty canvas and bent by the picture's own warp."""
    alone = Image.new("L", drawn.image.size)
    alone.paste(mask, xy)
    return alone.transform(alone.size, Image.Transform.MESH, drawn.mesh, Image.Resampling.BILINEAR)


def glyph_masks(drawn: Picture) -> list[Image.Image]:
    return [warped(drawn, g.mask, (g.x, g.y)).point(SOLID) for g in drawn.glyphs]


def pixels(mask: Image.Image) -> int:
    return mask.histogram()[255]


def union(masks: list[Image.Image], size: tuple[int, int]) -> Image.Image:
    out = Image.new("L", size)
    for mask in masks:
        out = ImageChops.lighter(out, mask)
    return out


def rendered(display: str = "AKM3T", seed: int = 1, **kwargs) -> bytes:
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
    assert decoded.size == (240, 80)


@override_settings(CAPTCHA_GUARD={"FORMAT": "WEBP"})
def test_the_format_setting_is_the_default():
    assert Image.open(io.BytesIO(rendered())).format == "WEBP"
    assert image.content_type() == "image/webp"


@pytest.mark.slow
@pytest.mark.parametrize("difficulty", ["easy", "normal", "hard"])
def test_hidpi_is_the_same_drawing_at_twice_the_size(difficulty):
    # Hundreds of seeds: a 2x row that refitted itself after rounding leaned one glyph
    # differently, or shifted the row, in about one picture of 300.
    with override_settings(CAPTCHA_GUARD={"DIFFICULTY": difficulty}):
        for seed in range(100):
            double = picture(seed, scale=2)
            assert_same_drawing(picture(seed), double)
            assert_unclipped(double)


def assert_same_drawing(single: Picture, double: Picture) -> None:
    assert double.image.size == (480, 160)
    assert single.ink == double.ink
    assert [(g.char, g.font) for g in single.glyphs] == [(g.char, g.font) for g in double.glyphs]
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
    for seed in range(20):
        drawn = picture(seed)
        assert drawn.image.size == (200, 70)
        assert colours.contrast(drawn.ink, (20, 24, 40)) >= colours.RANDOM_INK_CONTRAST
    decoded = Image.open(io.BytesIO(rendered())).convert("RGB")
    assert (20, 24, 40) in {colour for _, colour in decoded.getcolors(200 * 70)}


def test_random_inks_keep_full_contrast_on_white():
    inks = {picture(seed).ink for seed in range(50)}
    assert len(inks) >= 40
    assert min(colours.contrast(ink, (255, 255, 255)) for ink in inks) >= colours.RANDOM_INK_CONTRAST


@override_settings(CAPTCHA_GUARD={"PALETTE": [(0, 0, 128), (120, 0, 0)]})
def test_palette_setting_limits_the_ink():
    assert {picture(seed).ink for seed in range(20)} == {(0, 0, 128), (120, 0, 0)}


def test_the_encoded_picture_shows_the_ink_on_the_background():
    for seed in range(20):
        drawn = picture(seed)
        decoded = Image.open(io.BytesIO(encode(drawn.image, "PNG"))).convert("RGB")
        shown = {colour for _, colour in decoded.getcolors(200 * 80)}
        assert {drawn.ink, drawn.background} <= shown


def test_the_png_is_two_colours_at_one_bit_a_pixel():
    for seed in range(20):
        drawn = picture(seed)
        png = encode(drawn.image, "PNG")
        assert png[24] == 1  # IHDR bit depth
        decoded = Image.open(io.BytesIO(png)).convert("RGB")
        assert {colour for _, colour in decoded.getcolors(240 * 80)} == {drawn.ink, drawn.background}


def test_fonts_setting_replaces_the_bundled_fonts():
    one = bundled_fonts()[0]
    with override_settings(CAPTCHA_GUARD={"FONTS": [one]}):
        assert {g.font for seed in range(10) for g in picture(seed).glyphs} == {one}


def test_a_picture_mixes_at_least_three_bundled_fonts():
    assert len(bundled_fonts()) >= 3
    assert len({g.font for seed in range(30) for g in picture(seed).glyphs}) >= 3


def mean(image: Image.Image, mask: Image.Image) -> float:
    """Mean of ``image`` where ``mask`` is 255."""
    return ImageStat.Stat(image, mask).mean[0]


def coverage_of(drawn: Picture) -> Image.Image:
    """The picture as plain coverage: 0 background, 255 ink."""
    coverage = drawn.image.copy()
    coverage.putpalette(bytes((0, 0, 0, 255, 255, 255)))
    return coverage.convert("L")


def step(image: Image.Image, dx: int, dy: int) -> Image.Image:
    """How much each pixel differs from its neighbour ``(dx, dy)`` away."""
    return ImageChops.difference(image, ImageChops.offset(image, dx, dy))


@pytest.mark.parametrize("difficulty", ["easy", "normal", "hard"])
def test_letters_have_the_fields_ink_in_stripes_that_cross_it(difficulty):
    """The style itself: as much ink inside the letters as in the field, so a blur leaves
    one grey; stripes that run along the rows inside a letter and down the columns outside."""
    with override_settings(CAPTCHA_GUARD={"DIFFICULTY": difficulty}):
        for seed in range(30):
            drawn = picture(seed)
            coverage = coverage_of(drawn)
            shapes = union(glyph_masks(drawn), coverage.size)
            inside = shapes.filter(ImageFilter.MinFilter(5))
            outside = ImageChops.invert(shapes.filter(ImageFilter.MaxFilter(9)))
            assert abs(mean(coverage, inside) - mean(coverage, outside)) < 0.1 * 255
            blurred = coverage.filter(ImageFilter.GaussianBlur(1.5))
            assert abs(mean(blurred, inside) - mean(blurred, outside)) < 0.1 * 255
            across, down = step(coverage, 1, 0), step(coverage, 0, 1)
            assert mean(down, inside) > 3 * mean(across, inside)
            assert mean(across, outside) > 3 * mean(down, outside)


def test_the_contour_is_ink_inside_the_edge_and_paper_outside():
    """Ink outside would outline the letters, which turns E into B and 3 into 8."""
    for seed in range(40):
        drawn = picture(seed)
        coverage = coverage_of(drawn)
        letters = Image.new("L", coverage.size)
        for glyph in drawn.glyphs:
            letters.paste(255, (glyph.x, glyph.y, glyph.x + glyph.mask.width, glyph.y + glyph.mask.height), glyph.mask)
        solid = letters.transform(letters.size, Image.Transform.MESH, drawn.mesh, Image.Resampling.NEAREST).point(SOLID)
        outer = ImageChops.subtract(solid.filter(ImageFilter.MaxFilter(3)), solid)
        inner = ImageChops.subtract(solid, solid.filter(ImageFilter.MinFilter(3)))
        assert (mean(coverage, outer), mean(coverage, inner)) == (0, 255), seed


@pytest.mark.parametrize("difficulty", ["easy", "normal", "hard"])
def test_every_difficulty_renders_the_whole_text_unclipped(difficulty):
    with override_settings(CAPTCHA_GUARD={"DIFFICULTY": difficulty}):
        for seed in range(100):
            drawn = picture(seed)
            assert len(drawn.glyphs) == 5
            assert_unclipped(drawn)


@pytest.mark.parametrize("length", [1, 4, 8, 12])
def test_the_minimum_size_fits_the_text(length):
    width, height = minimum_size(length)
    with override_settings(CAPTCHA_GUARD={"LENGTH": length, "IMAGE_SIZE": (width, height)}):
        for seed in range(50):
            drawn = picture(seed)
            assert drawn.image.size == (width, height)
            assert len(drawn.glyphs) == length
            assert_unclipped(drawn)


@pytest.mark.slow
def test_arithmetic_fits_the_default_picture():
    for seed in range(200):
        assert_unclipped(picture(seed, challenge=arithmetic))


def assert_unclipped(drawn: Picture, margin: int = 1) -> None:
    width, height = drawn.image.size
    left, top, right, bottom = union(glyph_masks(drawn), drawn.image.size).getbbox()
    assert left >= margin and top >= margin and right <= width - margin and bottom <= height - margin


@pytest.mark.slow
def test_readability_guard_over_many_seeds():
    """Coverage, stroke width, height and clipping for 2,000 default pictures."""
    height = get_config().image_size[1]
    worst_cover, lowest = 0.0, 1.0
    for seed in range(GUARD_SEEDS):
        drawn = picture(seed)
        inks = glyph_masks(drawn)
        assert_unclipped(drawn)
        for i, ink in enumerate(inks):
            others = union([*inks[:i], *inks[i + 1 :]], drawn.image.size)
            worst_cover = max(worst_cover, pixels(ImageChops.multiply(ink, others)) / pixels(ink))
        for glyph in drawn.glyphs:
            lowest = min(lowest, glyph.height / height)
            # A glyph has strokes at least 3 px thick: some ink survives a 3x3 erosion.
            solid = glyph.mask.point(SOLID)
            assert pixels(solid.filter(ImageFilter.MinFilter(3))) >= 0.1 * pixels(solid)
    assert worst_cover <= 0.2
    assert lowest >= 0.45
