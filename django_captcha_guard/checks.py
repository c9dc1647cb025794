"""System checks: every configuration mistake is reported before the first request."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks

from django_captcha_guard import integration_checks
from django_captcha_guard.conf import problems
from django_captcha_guard.storage.checks import rate_limit_problems, store_problems


@checks.register("captcha_guard")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [checks.Error(p.msg, hint=p.hint, id=p.id) for p in problems()]


@checks.register("captcha_guard")
def check_integration(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Mistakes in how the app is wired into the project (E030-E034)."""
    return integration_checks.problems()


@checks.register("captcha_guard")
def check_store(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Whether the configured challenge store and rate limit can work in this project (E020-E029, W020-W023)."""
    return store_problems() + rate_limit_problems()


@checks.register("captcha_guard")
def check_admin(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Admin sites whose login asks for a captcha it does not show, or that PROTECTED_ROUTES breaks (E035-E036)."""
    if not apps.is_installed("django.contrib.admin"):
        return []
    from django_captcha_guard.contrib import admin

    return admin.problems()
