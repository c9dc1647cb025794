from __future__ import annotations

import logging
from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed

logger = logging.getLogger("demo")


def log_rejected_password(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    """One log line each time Django tries a password and rejects it.

    The browser tests read these lines: a login whose captcha failed must not get here.
    """
    logger.warning("Password rejected for %r", credentials.get("username"))


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "django-captcha-guard demo"

    def ready(self) -> None:
        user_login_failed.connect(log_rejected_password)
