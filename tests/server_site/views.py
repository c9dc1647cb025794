"""Views of the test site: a page with the widget, and every way of protecting a view.

Protected views answer 200 ``passed`` when they run. The acting views stand for a view that
does something outside the database (sends an SMS) and then fails.
"""

from __future__ import annotations

import functools
from typing import Any

import redis
from django import forms
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from rest_framework import serializers  # type: ignore[import-untyped]
from rest_framework.request import Request  # type: ignore[import-untyped]
from rest_framework.response import Response  # type: ignore[import-untyped]
from rest_framework.views import APIView  # type: ignore[import-untyped]

from django_captcha_guard.contrib.rest_framework import CaptchaRequired, CaptchaSerializerMixin
from django_captcha_guard.core import check_request
from django_captcha_guard.decorators import require_captcha
from django_captcha_guard.forms import CaptchaField, CaptchaFormMixin
from django_captcha_guard.progressive import note_failure


def passed() -> HttpResponse:
    return HttpResponse("passed", content_type="text/plain")


def up(request: HttpRequest) -> HttpResponse:
    """Touches no store: the tests wait for this to answer before they start."""
    return HttpResponse("up", content_type="text/plain")


def page(request: HttpRequest) -> HttpResponse:
    return render(request, "server_site/page.html")


@require_captcha
def protected(request: HttpRequest) -> HttpResponse:
    return passed()


def route(request: HttpRequest) -> HttpResponse:
    """Protected by PROTECTED_ROUTES only."""
    return passed()


class CaptchaForm(CaptchaFormMixin, forms.Form):
    captcha = CaptchaField()


def form(request: HttpRequest) -> HttpResponse:
    """A form with a CaptchaField, re-rendered (status 200, as usual) when it is invalid."""
    bound = CaptchaForm(request.POST if request.method == "POST" else None, request=request)
    if request.method == "POST" and bound.is_valid():
        return passed()
    return render(request, "server_site/form.html", {"form": bound})


class Permission(APIView):  # type: ignore[misc]
    permission_classes = [CaptchaRequired]

    def post(self, request: Request) -> Response:
        return Response({"passed": True})


class CommentSerializer(CaptchaSerializerMixin, serializers.Serializer):  # type: ignore[misc]
    text = serializers.CharField(required=False)


class Serializer(APIView):  # type: ignore[misc]
    permission_classes: list[type] = []

    def post(self, request: Request) -> Response:
        CommentSerializer(data=request.data, context={"request": request}).is_valid(raise_exception=True)
        return Response({"passed": True})


@functools.cache
def _counter() -> redis.Redis:
    return redis.Redis.from_url(settings.COUNTER_REDIS)


def act(request: HttpRequest) -> None:
    """The side effect a rollback cannot undo: one more in the counter the POST names."""
    _counter().incr(f"server-site:acted:{request.POST['counter']}")


@require_captcha
def act_then_502(request: HttpRequest) -> HttpResponse:
    act(request)
    return HttpResponse("acted, then the gateway failed", status=502)


@require_captcha
def act_then_raise(request: HttpRequest) -> HttpResponse:
    act(request)
    raise RuntimeError("acted, then crashed")


def write_check_act_then_raise(request: HttpRequest) -> HttpResponse:
    """Writes to the database first, then checks (as a view that logs before validating a form).

    On SQLite the view's transaction now holds the one write lock, so the check cannot commit
    on a connection of its own: it runs inside that transaction (the documented limit).
    """
    with connection.cursor() as cursor:
        cursor.execute("UPDATE captcha_guard_spent_key SET expires_at = expires_at WHERE 1 = 0")
    if not check_request(request).ok:
        return HttpResponse("refused", status=403)
    act(request)
    raise RuntimeError("acted, then crashed")


def route_act_then_raise(request: HttpRequest) -> HttpResponse:
    """Protected by PROTECTED_ROUTES: the check runs before the view's transaction begins."""
    act(request)
    raise RuntimeError("acted, then crashed")


@require_captcha(scope="login")
def login(request: HttpRequest) -> HttpResponse:
    """PROGRESSIVE's scope: a wrong password is a failure; "right" signs in."""
    if request.POST.get("password") != "right":
        note_failure(request, scope="login")
        return HttpResponse("wrong password", status=401)
    return passed()


@require_captcha(scope="sms", per_subject=("mobile", "1/m"))
def sms(request: HttpRequest) -> HttpResponse:
    return passed()


# The class-based view forms, each with a sync and an async handler.
class Passed(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        return passed()


class AsyncPassed(View):
    async def post(self, request: HttpRequest) -> HttpResponse:
        return passed()


class OnMethod(View):
    @method_decorator(require_captcha)
    def post(self, request: HttpRequest) -> HttpResponse:
        return passed()


class AsyncOnMethod(View):
    @method_decorator(require_captcha)
    async def post(self, request: HttpRequest) -> HttpResponse:
        return passed()


@method_decorator(require_captcha, name="dispatch")
class OnDispatch(Passed):
    pass


@method_decorator(require_captcha, name="dispatch")
class AsyncOnDispatch(AsyncPassed):
    pass


@require_captcha
async def async_function(request: HttpRequest) -> HttpResponse:
    return passed()


CLASS_BASED: dict[str, Any] = {
    "method": OnMethod.as_view(),
    "async-method": AsyncOnMethod.as_view(),
    "dispatch": OnDispatch.as_view(),
    "async-dispatch": AsyncOnDispatch.as_view(),
    "as-view": require_captcha(Passed.as_view()),
    "async-as-view": require_captcha(AsyncPassed.as_view()),
    "async-function": async_function,
}
