"""``manage.py captcha_guard_samples`` writes pictures named by their answers."""

from __future__ import annotations

import re

from django.core.management import call_command
from django.test import override_settings
from PIL import Image

from django_captcha_guard.conf import get_settings


def test_writes_count_pictures_named_by_their_answer(tmp_path):
    call_command("captcha_guard_samples", "--count", "6", "--out", str(tmp_path / "out"))
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == 6
    alphabet = re.escape(get_settings()["ALPHABET"])
    for path in files:
        assert re.fullmatch(rf"[{alphabet}]{{5}}_\d\.png", path.name), path.name
        with Image.open(path) as picture:
            assert picture.size == (160, 60)


def test_arithmetic_samples_are_named_by_the_result_not_the_sum(tmp_path):
    call_command("captcha_guard_samples", "--count", "5", "--out", str(tmp_path), "--challenge", "arithmetic")
    assert all(re.fullmatch(r"\d+_\d\.png", path.name) for path in tmp_path.iterdir())


@override_settings(CAPTCHA_GUARD={"FORMAT": "WEBP"})
def test_the_format_setting_and_scale_apply(tmp_path):
    call_command("captcha_guard_samples", "--count", "2", "--out", str(tmp_path), "--scale", "2")
    for path in tmp_path.iterdir():
        assert path.suffix == ".webp"
        with Image.open(path) as picture:
            assert picture.size == (320, 120)
