"""Checks for how the app is wired into a project: URLs, templates, middleware, ENABLED.

Each of these mistakes would otherwise surface only at request time (the tag failing to
render, a CSRF failure spending a challenge) or, worse, silently (checking switched off
in production).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse

from django_captcha_guard.conf import user_settings

MIDDLEWARE_PATH = "django_captcha_guard.middleware.CaptchaGuardMiddleware"
CSRF_MIDDLEWARE_PATH = "django.middleware.csrf.CsrfViewMiddleware"
REQUEST_PROCESSOR = "django.template.context_processors.request"
DJANGO_TEMPLATES = "django.template.backends.django.DjangoTemplates"


def problems() -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    # Read raw: a non-boolean ENABLED is E017's to report, and get_settings() would raise.
    if user_settings().get("ENABLED", True) is False and not settings.DEBUG:
        found.append(
            checks.Error(
                "CAPTCHA_GUARD['ENABLED'] is False while DEBUG is off: no captcha is checked.",
                hint="ENABLED=False is for local development and tests; in tests, solve real challenges "
                "with django_captcha_guard.testing.solve(key) instead.",
                id="captcha_guard.E030",
            )
        )
    if getattr(settings, "ROOT_URLCONF", None) and not _urls_included():
        found.append(
            checks.Error(
                "The captcha URLs are not included, so {% captcha %} cannot link its image or refresh.",
                hint="Add path('captcha/', include('django_captcha_guard.urls')) to your URLconf.",
                id="captcha_guard.E031",
            )
        )
    if not _request_processor_enabled():
        found.append(
            checks.Error(
                f"No DjangoTemplates backend enables {REQUEST_PROCESSOR!r}, which {{% captcha %}} needs "
                "to issue a challenge for the visitor.",
                hint=f"Add {REQUEST_PROCESSOR!r} to TEMPLATES[...]['OPTIONS']['context_processors'].",
                id="captcha_guard.E032",
            )
        )
    middleware = list(settings.MIDDLEWARE)
    if user_settings().get("PROTECTED_ROUTES") and MIDDLEWARE_PATH not in middleware:
        found.append(
            checks.Error(
                "CAPTCHA_GUARD['PROTECTED_ROUTES'] lists routes, but CaptchaGuardMiddleware is not in MIDDLEWARE: "
                "nothing protects them.",
                hint=f"Add {MIDDLEWARE_PATH!r} to MIDDLEWARE, after CsrfViewMiddleware.",
                id="captcha_guard.E034",
            )
        )
    if (
        MIDDLEWARE_PATH in middleware
        and CSRF_MIDDLEWARE_PATH in middleware
        and middleware.index(MIDDLEWARE_PATH) < middleware.index(CSRF_MIDDLEWARE_PATH)
    ):
        found.append(
            checks.Error(
                "CaptchaGuardMiddleware comes before CsrfViewMiddleware: a forged request would spend "
                "the visitor's challenge before CSRF protection rejects it.",
                hint="Move CaptchaGuardMiddleware below CsrfViewMiddleware in MIDDLEWARE.",
                id="captcha_guard.E033",
            )
        )
    return found


def _urls_included() -> bool:
    try:
        reverse("captcha_guard:new")
    except NoReverseMatch:
        return False
    return True


def _request_processor_enabled() -> bool:
    """True when some DjangoTemplates backend adds ``request`` (or none exists: other engines differ)."""
    templates: list[dict[str, Any]] = settings.TEMPLATES
    processors = [
        template.get("OPTIONS", {}).get("context_processors", [])
        for template in templates
        if template.get("BACKEND") == DJANGO_TEMPLATES
    ]
    return not processors or any(REQUEST_PROCESSOR in names for names in processors)
