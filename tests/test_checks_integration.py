"""System checks for wiring mistakes: ENABLED off in production, URLs, templates, middleware."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from django_captcha_guard.checks.registry import check_integration

MIDDLEWARE = "django_captcha_guard.middleware.CaptchaGuardMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"
SESSION = "django.contrib.sessions.middleware.SessionMiddleware"


def ids() -> list[str]:
    return [message.id for message in check_integration()]


def test_the_test_project_is_clean() -> None:
    assert check_integration() == []


@pytest.mark.parametrize(("debug", "expected"), [(False, ["captcha_guard.E030"]), (True, [])])
def test_disabling_checks_is_refused_without_debug(settings: Any, debug: bool, expected: list[str]) -> None:
    settings.DEBUG = debug
    settings.CAPTCHA_GUARD = {"ENABLED": False}
    assert ids() == expected


def test_a_non_boolean_enabled_is_left_to_the_settings_check(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"ENABLED": "no"}
    assert ids() == []


@override_settings(ROOT_URLCONF="tests.urls_without_captcha")
def test_urls_not_included() -> None:
    [message] = check_integration()
    assert message.id == "captcha_guard.E031"
    assert "include('django_captcha_guard.urls')" in str(message.hint)


def test_request_context_processor_missing(settings: Any) -> None:
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": ["django.template.context_processors.csrf"]},
        }
    ]
    assert ids() == ["captcha_guard.E032"]


def test_request_context_processor_in_any_django_backend_is_enough(settings: Any) -> None:
    settings.TEMPLATES = [
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {}},
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "NAME": "second",
            "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
        },
    ]
    assert ids() == []


@pytest.mark.parametrize(
    ("middleware", "expected"),
    [
        ([SESSION, CSRF, MIDDLEWARE], []),
        ([SESSION, MIDDLEWARE, CSRF], ["captcha_guard.E033"]),
        ([MIDDLEWARE, SESSION, CSRF], ["captcha_guard.E033"]),
        ([SESSION, MIDDLEWARE], []),  # an API-only project without CSRF middleware
        ([SESSION, CSRF], []),  # decorator only
    ],
)
def test_middleware_must_come_after_csrf(settings: Any, middleware: list[str], expected: list[str]) -> None:
    settings.MIDDLEWARE = middleware
    assert ids() == expected


def test_checks_are_registered() -> None:
    from django.core import checks

    assert check_integration in checks.registry.registry.get_checks()


def test_protected_routes_need_the_middleware(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"PROTECTED_ROUTES": ["login"]}
    assert "captcha_guard.E034" not in ids()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "CaptchaGuardMiddleware" not in m]
    assert "captcha_guard.E034" in ids()
    settings.CAPTCHA_GUARD = {}
    assert "captcha_guard.E034" not in ids()
