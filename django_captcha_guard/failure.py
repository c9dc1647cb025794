"""Failure view (placeholder)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def captcha_failure(request: HttpRequest, reason: object) -> HttpResponse:
    return HttpResponse(status=403)
