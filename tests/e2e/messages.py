"""The package's user-facing failure messages, in a given language."""

from __future__ import annotations

from django.utils import translation

from django_captcha_guard.core import Reason, Result


def message(reason: Reason, language: str) -> str:
    """``reason``'s message in ``language``; insists that zh-hans really is translated."""
    with translation.override(language):
        text = Result(reason).message
    if language != "en":
        with translation.override("en"):
            assert text != Result(reason).message, f"{reason.value!r} has no {language} translation"
    return text
