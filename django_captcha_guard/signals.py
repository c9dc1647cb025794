"""Signals for lockout and audit tools (e.g. django-axes style counters).

Both are sent with ``request`` and ``reason`` (a :class:`~django_captcha_guard.core.Reason`).
"""

from django.dispatch import Signal

__all__ = ["captcha_failed", "captcha_passed"]

captcha_passed = Signal()
captcha_failed = Signal()
