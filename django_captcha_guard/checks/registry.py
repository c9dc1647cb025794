"""Registration of the system checks with Django (imported by ``AppConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks

from django_captcha_guard.checks import integration, ratelimit, stores
from django_captcha_guard.conf import problems

# Only a deployment serving many processes (or the Internet) is hurt by these.
DEPLOYMENT_ONLY = frozenset(f"captcha_guard.W02{n}" for n in range(4))


@checks.register("captcha_guard")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Mistakes in the ``CAPTCHA_GUARD`` dict itself (E001-E019, E040-E059)."""
    return [checks.Error(p.msg, hint=p.hint, id=p.id) for p in problems()]


@checks.register("captcha_guard")
def check_integration(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Mistakes in how the app is wired into the project (E030-E034)."""
    return integration.problems()


@checks.register("captcha_guard")
def check_store(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Whether the configured challenge store and rate limit can work in this project (E020-E029, W024-W025)."""
    return [message for message in _store_messages() if message.id not in DEPLOYMENT_ONLY]


@checks.register("captcha_guard", deploy=True)
def check_deployment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``check --deploy``: stores or counters kept per process, and no rate limit (W020-W023)."""
    return [message for message in _store_messages() if message.id in DEPLOYMENT_ONLY]


@checks.register("captcha_guard")
def check_admin(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Admin sites whose login asks for a captcha it does not show, or that PROTECTED_ROUTES breaks (E035-E036)."""
    if not apps.is_installed("django.contrib.admin"):
        return []
    from django_captcha_guard.contrib import admin

    return admin.problems()


def _store_messages() -> list[checks.CheckMessage]:
    return stores.store_problems() + ratelimit.rate_limit_problems()
