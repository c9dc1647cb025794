"""The attacked action (a JSON "send SMS code" API), the page a person uses, and the static files."""

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

import django_captcha_guard
from django_captcha_guard.decorators import require_captcha

STATIC = Path(django_captcha_guard.__file__).parent / "static"


@csrf_exempt
@require_captcha(scope="sms", per_subject=settings.PER_SUBJECT)
def sms(request: HttpRequest) -> JsonResponse:
    """Stands for the view that sends the code: it runs once every layer let the request through."""
    return JsonResponse({"code": 0, "errmsg": "sent"})


def page(request: HttpRequest) -> HttpResponse:
    """The form a person fills in, for the browser's count of requests and wait."""
    return render(request, "bots_site/page.html")


urlpatterns = [
    path("captcha/", include("django_captcha_guard.urls")),
    path("sms/", sms),
    path("page/", page),
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": STATIC}),
]
