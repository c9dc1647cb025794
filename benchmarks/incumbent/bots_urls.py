"""The same "send SMS code" action behind django-simple-captcha's ``CaptchaField``.

``AnswerHeaderMiddleware`` is the perfect solver's oracle, as ``bench_site.solver`` is for
ours: asked with ``X-Bench-Solve``, the JSON refresh view's answer gets ``X-Bench-Answer``,
read from django-simple-captcha's own table.
"""

import json
from collections.abc import Callable

from captcha.fields import CaptchaField
from captcha.models import CaptchaStore
from django import forms
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

PAGE = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SMS code</title></head>'
    '<body><form method="post" action="/sms/">{{ form }}<button>Send</button></form></body></html>'
)


class SmsForm(forms.Form):
    mobile = forms.CharField(max_length=20)
    captcha = CaptchaField()


@csrf_exempt
def sms(request: HttpRequest) -> HttpResponse:
    form = SmsForm(request.POST)
    if form.is_valid():
        return HttpResponse('{"code": 0}', content_type="application/json")
    return HttpResponse('{"code": 400}', status=400, content_type="application/json")


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render({"form": SmsForm()}, request))


class AnswerHeaderMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "X-Bench-Solve" in request.headers and response.status_code == 200:
            key = json.loads(response.content)["key"]
            response["X-Bench-Answer"] = CaptchaStore.objects.get(hashkey=key).response
        return response


urlpatterns = [path("captcha/", include("captcha.urls")), path("sms/", sms), path("page/", page)]
