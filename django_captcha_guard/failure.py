"""The default ``FAILURE_VIEW``, and the call into the configured one.

Like Django's ``CSRF_FAILURE_VIEW``: one view every failed check is routed to, replaceable by
a dotted path in the settings (or per view with ``require_captcha(on_failure=...)``). The
default answers as :mod:`django_captcha_guard.responses` says: a 403 page for a form post,
400 JSON for a script, an HTMX fragment, and 503 while the store is down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from django_captcha_guard import responses
from django_captcha_guard.conf import get_config
from django_captcha_guard.core import Reason

__all__ = ["FailureView", "captcha_failure", "resolve", "respond"]

FailureView = Callable[[HttpRequest, Reason], HttpResponse]


def captcha_failure(request: HttpRequest, reason: Reason | str) -> HttpResponse:
    """The default failure view."""
    return responses.failed_check(request, Reason(reason))


def respond(request: HttpRequest, reason: Reason, on_failure: FailureView | str | None = None) -> HttpResponse:
    """Call ``on_failure`` (a view or dotted path), or the configured ``FAILURE_VIEW``."""
    return resolve(on_failure)(request, reason)


def resolve(on_failure: FailureView | str | None = None) -> FailureView:
    view: Any = on_failure if on_failure is not None else get_config().failure_view
    if isinstance(view, str):
        view = import_string(view)
    return view  # type: ignore[no-any-return]
