"""One page per way of using django-captcha-guard.

- login: a ``CaptchaField`` in a Django form (inline error, new picture on re-render);
- signin: the same form under ``PROGRESSIVE``: no picture until three wrong passwords;
- comments: no captcha code at all, ``CaptchaGuardMiddleware`` guards the POST;
- sms: a JSON API behind ``@require_captcha``, driven by a plain-JavaScript page that
  fetches its challenges from ``captcha/new/?inline=1`` (the picture comes in the JSON),
  and at most one code per mobile number a minute (``per_subject``);
- two: two independent forms with a captcha each on one page;
- ask: an ``async def`` view behind ``@require_captcha``;
- jinja2: a Jinja2 template with ``{{ captcha() }}``, its POST behind ``@require_captcha``.
"""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from demo.csp import allow_data_images
from demo.forms import CommentForm, FeedbackForm, LoginForm, NewsletterForm, ProgressiveLoginForm, QuestionForm
from demo.models import Comment
from django_captcha_guard.conf import get_settings
from django_captcha_guard.decorators import require_captcha
from django_captcha_guard.progressive import note_failure

PHONE = re.compile(r"\+?[0-9]{6,15}")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/home.html", {"store": get_settings()["STORE"]["BACKEND"]})


def login_page(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        login(request, form.get_user())
        messages.success(request, _("Signed in as %(user)s.") % {"user": form.get_user().get_username()})
        return redirect("login")
    return render(request, "demo/login.html", {"form": form})


def signin_page(request: HttpRequest) -> HttpResponse:
    """``PROGRESSIVE`` scope "signin": the picture appears after three wrong passwords.

    Counted per address and per username (settings.py); each wrong password is reported
    with ``note_failure``, and so is each wrong captcha, by the app itself.
    """
    form = ProgressiveLoginForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        login(request, form.get_user())
        messages.success(request, _("Signed in as %(user)s.") % {"user": form.get_user().get_username()})
        return redirect("signin")
    if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
        note_failure(request, scope="signin")
    return render(request, "demo/signin.html", {"form": form})


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


def comments(request: HttpRequest) -> HttpResponse:
    """By the time a POST gets here the middleware has checked its captcha."""
    form = CommentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        form.save()
        messages.success(request, _("Thank you, your comment is published."))
        return redirect("comments")
    return render(request, "demo/comments.html", {"form": form, "comments": Comment.objects.all()[:10]})


@allow_data_images
def sms_page(request: HttpRequest) -> HttpResponse:
    """The single-page view; everything after the first load happens in demo/sms.js.

    Its pictures arrive inline as ``data:`` URLs, so its CSP allows ``img-src data:``.
    """
    config = get_settings()
    return render(request, "demo/sms.html", {"key_field": config["KEY_FIELD"], "answer_field": config["ANSWER_FIELD"]})


@require_POST
@require_captcha(scope="sms", per_subject=("mobile", "1/m"))
def sms_api(request: HttpRequest) -> JsonResponse:
    """``POST {"mobile", "captcha_key", "captcha_answer"}``: the tutorials' SMS-code API.

    The decorator has already answered a failed captcha with 400
    ``{"code": 400, "errmsg": ...}``, and a second code for one number within a minute
    with 429; this only checks the number. Nothing is sent.
    """
    try:
        mobile = json.loads(request.body).get("mobile")
    except (ValueError, AttributeError):
        mobile = None
    if not isinstance(mobile, str) or not PHONE.fullmatch(mobile):
        return JsonResponse({"code": 400, "errmsg": _("Enter a valid mobile number.")}, status=400)
    message = _("A code was sent to %(mobile)s (not really: this is a demo).") % {"mobile": mobile}
    return JsonResponse({"code": 0, "errmsg": message})


def two_captchas(request: HttpRequest, bound: str = "") -> HttpResponse:
    """Two forms, each with its own captcha and scope; a POST binds only the one sent."""
    data = request.POST if request.method == "POST" else None
    newsletter = NewsletterForm(data if bound == "newsletter" else None, request=request)
    feedback = FeedbackForm(data if bound == "feedback" else None, request=request)
    sent = {"newsletter": newsletter, "feedback": feedback}.get(bound)
    if sent is not None and sent.is_valid():
        messages.success(request, _("You are subscribed.") if sent is newsletter else _("Thank you for your feedback."))
        return redirect("two")
    return render(request, "demo/two.html", {"newsletter": newsletter, "feedback": feedback})


@require_captcha(scope="ask")
async def ask(request: HttpRequest) -> HttpResponse:
    """An async view: the decorator runs its (synchronous) store work in a thread.

    A TemplateResponse is rendered by Django's handler outside the event loop, which
    matters here because ``{% captcha %}`` writes to the session.
    """
    form = QuestionForm(request.POST if request.method == "POST" else None)
    answered = request.method == "POST" and form.is_valid()
    return TemplateResponse(
        request, "demo/ask.html", {"form": QuestionForm() if answered else form, "answered": answered}
    )


@require_captcha(scope="contact")
def contact(request: HttpRequest) -> HttpResponse:
    """A page served by the Jinja2 backend; the decorator has checked a POST's captcha."""
    if request.method == "POST":
        messages.success(request, _("Thank you, your message reached us."))
        return redirect("contact")
    return render(request, "demo/contact.html", using="jinja2")
