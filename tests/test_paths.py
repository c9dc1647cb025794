"""The picture's URL is reversed once per configuration, and follows every change that moves it."""

from __future__ import annotations

import types
from typing import Any

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, reverse, set_script_prefix, set_urlconf
from django.utils import translation

from django_captcha_guard.core import new_key
from django_captcha_guard.paths import audio_path, image_path


def reversed_path(key: str, extension: str = "png") -> str:
    return reverse("captcha_guard:image", kwargs={"key": key, "extension": extension})


def test_the_cached_path_is_what_reverse_gives() -> None:
    for key in (new_key(), new_key()):
        for extension in ("png", "webp"):
            assert image_path(key, extension) == reversed_path(key, extension)
        assert audio_path(key) == reverse("captcha_guard:audio", kwargs={"key": key})


def test_the_script_prefix_moves_it() -> None:
    key = new_key()
    image_path(key, "png")  # cached for "/"
    set_script_prefix("/mounted/")
    try:
        assert image_path(key, "png") == reversed_path(key)
        assert image_path(key, "png").startswith("/mounted/")
    finally:
        set_script_prefix("/")
    assert not image_path(key, "png").startswith("/mounted/")


def test_a_request_urlconf_and_a_new_root_urlconf_move_it(settings: Any) -> None:
    elsewhere = types.ModuleType("elsewhere_urls")
    elsewhere.urlpatterns = [path("elsewhere/", include("django_captcha_guard.urls"))]  # type: ignore[attr-defined]
    key = new_key()
    before = image_path(key, "png")
    set_urlconf(elsewhere)  # what a middleware setting request.urlconf does
    try:
        assert image_path(key, "png") == f"/elsewhere/{key}.png"
    finally:
        set_urlconf(None)
    assert image_path(key, "png") == before
    settings.ROOT_URLCONF = elsewhere
    assert image_path(key, "png") == f"/elsewhere/{key}.png"


def test_the_active_language_moves_it_under_i18n_patterns(settings: Any) -> None:
    translated = types.ModuleType("translated_urls")
    translated.urlpatterns = i18n_patterns(path("captcha/", include("django_captcha_guard.urls")))  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = translated
    key = new_key()
    with translation.override("en"):
        assert image_path(key, "png") == f"/en/captcha/{key}.png"
    with translation.override("zh-hans"):
        assert image_path(key, "png") == f"/zh-hans/captcha/{key}.png"
