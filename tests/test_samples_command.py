"""``manage.py captcha_guard_samples`` writes pictures named by their answers."""

from __future__ import annotations

import re

from django.core.management import call_command
from django.test import override_settings
from PIL import Image

from django_captcha_guard.conf import get_config


def test_writes_count_pictures_named_by_their_answer(tmp_path):
    call_command("captcha_guard_samples", "--count", "6", "--out", str(tmp_path / "out"))
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == 6
    alphabet = re.escape(get_config().alphabet)
    for path in files:
        assert re.fullmatch(rf"[{alphabet}]{{5}}_\d\.png", path.name), path.name
        with Image.open(path) as picture:
            assert picture.size == (240, 80)


def test_arithmetic_samples_are_named_by_the_result_not_the_sum(tmp_path):
    call_command("captcha_guard_samples", "--count", "5", "--out", str(tmp_path), "--challenge", "arithmetic")
    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 5
    assert all(re.fullmatch(r"\d+_\d\.png", name) for name in names), names


@override_settings(CAPTCHA_GUARD={"FORMAT": "WEBP"})
def test_the_format_setting_and_scale_apply(tmp_path):
    call_command("captcha_guard_samples", "--count", "2", "--out", str(tmp_path), "--scale", "2")
    files = list(tmp_path.iterdir())
    assert len(files) == 2
    for path in files:
        assert path.suffix == ".webp"
        with Image.open(path) as picture:
            assert picture.size == (480, 160)


def test_call_command_with_keyword_options_as_security_tooling_calls_it(tmp_path):
    """``out`` arrives as a plain str when passed as a keyword: argparse's ``type=Path`` does not run."""
    call_command("captcha_guard_samples", count=3, out=str(tmp_path / "kw"))
    assert len(list((tmp_path / "kw").iterdir())) == 3
