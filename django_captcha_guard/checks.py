"""System checks: every configuration mistake is reported before the first request."""

from __future__ import annotations

from typing import Any

from django.core import checks

from django_captcha_guard import integration_checks
from django_captcha_guard.conf import problems
from django_captcha_guard.storage.checks import store_problems


@checks.register("captcha_guard")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [checks.Error(p.msg, hint=p.hint, id=p.id) for p in problems()]


@checks.register("captcha_guard")
def check_integration(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Mistakes in how the app is wired into the project (E030-E039)."""
    return integration_checks.problems()


@checks.register("captcha_guard")
def check_store(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Whether the configured challenge store can work in this project (E020-E025, W020-W021)."""
    return store_problems()
