"""Views of the cost-layer tests: a login that reports wrong passwords, an SMS API with a subject limit."""

from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import include, path

from django_captcha_guard.decorators import require_captcha
from django_captcha_guard.forms import CaptchaField, CaptchaFormMixin
from django_captcha_guard.progressive import note_failure

PASSWORD = "right"
PAGE = engines["django"].from_string(
    '{% load captcha_guard %}<form method=post><input name=username>{% captcha scope="login" %}</form>'
)


def login_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render({}, request))


@require_captcha(scope="login")
def login(request: HttpRequest) -> HttpResponse:
    """Reached once the captcha passed or was not needed; a wrong password is reported as a failure."""
    if request.POST.get("password") != PASSWORD:
        note_failure(request, scope="login")
        return HttpResponse("wrong password", status=401)
    return HttpResponse("signed in")


class LoginForm(CaptchaFormMixin, forms.Form):
    username = forms.CharField()
    captcha = CaptchaField(scope="login")


def login_form(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None, request=request)
    if form.is_valid():
        return HttpResponse("signed in")
    return HttpResponse(form.render())


def _mobile(request: HttpRequest) -> object:
    try:
        return json.loads(request.body).get("mobile")
    except (ValueError, AttributeError):
        return None


@require_captcha(scope="sms", per_subject=("mobile", "1/m"))
def sms(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": 0, "errmsg": "sent"})


@require_captcha(scope="sms", per_subject=(_mobile, "2/h"))
async def async_sms(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": 0, "errmsg": "sent"})


urlpatterns = [
    path("captcha/", include("django_captcha_guard.urls")),
    path("login/page/", login_page),
    path("login/", login),
    path("login/form/", login_form),
    path("sms/", sms),
    path("sms/async/", async_sms),
]
