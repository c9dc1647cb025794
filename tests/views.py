"""Views the integration tests protect in every supported way."""

from __future__ import annotations

from typing import Any

from adrf import generics as async_generics
from adrf import serializers as async_serializers
from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.utils.decorators import method_decorator
from django.views import View
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_captcha_guard.contrib.rest_framework import (
    CaptchaAnswerField,
    CaptchaKeyField,
    CaptchaRequired,
    CaptchaSerializerMixin,
    JSONParser,
)
from django_captcha_guard.core import Reason
from django_captcha_guard.decorators import captcha_exempt, require_captcha
from django_captcha_guard.forms import CaptchaField, CaptchaFormMixin


def ok(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("ok")


def teapot(request: HttpRequest, reason: Reason) -> HttpResponse:
    return HttpResponse(f"custom failure: {reason.value}", status=418)


PAGE = engines["django"].from_string("{% load captcha_guard %}<form method=post>{% captcha %}</form>")


def page(request: HttpRequest) -> HttpResponse:
    """A page showing one widget, as a login or registration page would."""
    return HttpResponse(PAGE.render({}, request))


plain = ok  # protected only by the middleware, through PROTECTED_ROUTES
exempt = captcha_exempt(ok)
protected = require_captcha(ok)
login = require_captcha(scope="login", methods=["POST"])(ok)
custom_failure = require_captcha(on_failure=teapot)(ok)
custom_failure_path = require_captcha(on_failure="tests.views.teapot")(ok)


@require_captcha
def body_length(request: HttpRequest) -> HttpResponse:
    """For PUT, PATCH and DELETE: says how much of the body the view can still read."""
    return HttpResponse("ok", headers={"X-Body-Length": str(len(request.body))})


@require_captcha
async def async_protected(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@captcha_exempt
async def async_exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


class OnMethod(View):
    @method_decorator(require_captcha)
    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("form")


@method_decorator(require_captcha(scope="login"), name="dispatch")
class OnClass(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


class Plain(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


@method_decorator(captcha_exempt, name="dispatch")
class ExemptClass(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


class AsyncOnMethod(View):
    @method_decorator(require_captcha)
    async def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


@method_decorator(require_captcha, name="dispatch")
class AsyncOnClass(View):
    """Django awaits what this (plain) dispatch returns: the decorator must return an awaitable too."""

    async def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


class AsyncPlain(View):
    async def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


sms = require_captcha(scope="sms")(ok)


def api(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": 0, "errmsg": "OK"})


protected_api = require_captcha(api)


class SignupSerializer(CaptchaSerializerMixin, serializers.Serializer):
    email = serializers.EmailField()


class ScopedSignupSerializer(SignupSerializer):
    captcha_scope = "signup"


class PermissionView(APIView):
    permission_classes = [CaptchaRequired]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        return Response({"ok": True, "echo": request.data.get("note")})


class ScopedPermissionView(PermissionView):
    captcha_scope = "sms"


class SerializerView(APIView):
    serializer_class: type[serializers.Serializer] = SignupSerializer
    parser_classes = [JSONParser, *APIView.parser_classes[1:]]

    def post(self, request: Request) -> Response:
        serializer = self.serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class ScopedSerializerView(SerializerView):
    serializer_class = ScopedSignupSerializer


class OrderSerializer(serializers.Serializer):
    """The two serializer fields, declared like any other; create() hands back what it got."""

    email = serializers.EmailField()
    captcha_key = CaptchaKeyField()
    captcha_answer = CaptchaAnswerField()

    def create(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        return validated_data


class ScopedOrderSerializer(OrderSerializer):
    captcha_answer = CaptchaAnswerField(scope="order")


class FieldView(generics.CreateAPIView):
    serializer_class: type[serializers.Serializer] = OrderSerializer
    parser_classes = [JSONParser, *APIView.parser_classes[1:]]


class ScopedFieldView(FieldView):
    serializer_class = ScopedOrderSerializer


class AsyncOrderSerializer(async_serializers.Serializer, OrderSerializer):
    """OrderSerializer's fields on adrf's serializer, which saves asynchronously."""

    async def acreate(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        return validated_data


class AsyncFieldView(async_generics.CreateAPIView):
    """adrf's async generic view: it validates the serializer in a thread."""

    serializer_class = AsyncOrderSerializer
    parser_classes = [JSONParser, *APIView.parser_classes[1:]]


class CommentForm(CaptchaFormMixin, forms.Form):
    comment = forms.CharField(required=False)
    captcha = CaptchaField()


def comment(request: HttpRequest) -> HttpResponse:
    """A form view: "ok" when valid, else the errors with status 400 (rendering would issue anew)."""
    if request.method != "POST":
        return HttpResponse("form")
    form = CommentForm(request.POST, request=request)
    if form.is_valid():
        return HttpResponse("ok")
    return HttpResponse(form.errors.as_text(), status=400)
