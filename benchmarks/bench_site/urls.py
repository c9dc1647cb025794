"""Our endpoints under ``captcha/`` and one protected view for the whole-flow phase.

``BENCH_ASYNC_URLS=1`` serves ``captcha/`` from ``django_captcha_guard.urls_async`` (the
async endpoints, for the ASGI rows); otherwise the sync ``django_captcha_guard.urls``.
"""

import os

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST

from django_captcha_guard.decorators import require_captcha


@require_POST
@require_captcha
def protected(request: HttpRequest) -> HttpResponse:
    """Stands for a login or comment view: it only runs once the captcha is solved."""
    return HttpResponse("ok", content_type="text/plain")


def empty(request: HttpRequest) -> HttpResponse:
    """No captcha at all: the ceiling that gunicorn, Django and wrk allow on this machine."""
    return HttpResponse("ok", content_type="text/plain")


async def empty_async(request: HttpRequest) -> HttpResponse:
    """The ceiling under an ASGI server: a sync view there costs a hop to a thread."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("empty/", empty),
    path("empty-async/", empty_async),
    path("captcha/", include("django_captcha_guard.urls" + ("_async" if os.environ.get("BENCH_ASYNC_URLS") else ""))),
    path("protected/", protected),
]
