"""The demo's Jinja2 environment: Django's translations, ``static``, ``url`` and messages.

The captcha globals come from the ``django_captcha_guard.jinja2.CaptchaExtension`` listed
in ``TEMPLATES`` (see settings.py); nothing here is captcha-specific.
"""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment


def environment(**options: Any) -> Environment:
    env = Environment(**options)  # noqa: S701  (Django's Jinja2 backend passes autoescape=True)
    env.install_gettext_translations(translation, newstyle=True)
    env.globals.update(static=static, url=reverse, get_messages=get_messages, language=translation.get_language)
    return env
