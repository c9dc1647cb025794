"""The picture's and the audio's URLs for a key, reversed once per URL configuration, not per request.

``reverse()`` walks the resolver's patterns and quotes each argument: about 100 µs, a
fifth of what issuing a challenge costs. The URL differs between keys only in the key, so
the path is reversed once with a placeholder and split around it; what else decides the
path (script prefix, URL configuration, active language for ``i18n_patterns``, extension)
is the cache key.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# A valid key (22 characters of the urlsafe alphabet) that a prefix will not contain.
_PLACEHOLDER = "CaptchaGuardKey0000000"


def image_path(key: str, extension: str) -> str:
    """``reverse("captcha_guard:image", kwargs={"key": key, "extension": extension})``, cached."""
    return _path("captcha_guard:image", key, extension)


def audio_path(key: str) -> str:
    """``reverse("captcha_guard:audio", kwargs={"key": key})``, cached."""
    return _path("captcha_guard:audio", key, None)


def _path(name: str, key: str, extension: str | None) -> str:
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    before, after = _around_key(name, get_script_prefix(), urlconf, get_language(), extension)
    return f"{before}{key}{after}"


@functools.lru_cache(maxsize=64)
def _around_key(name: str, prefix: str, urlconf: Any, language: str | None, extension: str | None) -> tuple[str, str]:
    kwargs = {"key": _PLACEHOLDER} if extension is None else {"key": _PLACEHOLDER, "extension": extension}
    before, _, after = reverse(name, urlconf=urlconf, kwargs=kwargs).partition(_PLACEHOLDER)
    return before, after


@receiver(setting_changed)
def _clear(*, setting: str, **kwargs: Any) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _around_key.cache_clear()
