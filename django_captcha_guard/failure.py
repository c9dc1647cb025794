"""What a failed captcha check answers: the default ``FAILURE_VIEW`` and the call into it.

Browsers posting a form get a 403 page with the reason and a way back. Scripts get what
they can use: JSON ``{"code": 400, "errmsg": ..., "reason": ...}`` with status 400 (the
shape the tutorials' APIs return), and HTMX gets a fragment plus an ``HX-Trigger`` event,
because HTMX does not swap 4xx responses unless the page configures it to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string

from django_captcha_guard.conf import get_settings
from django_captcha_guard.core import Reason, Result
from django_captcha_guard.submission import is_json

FailureView = Callable[[HttpRequest, Reason], HttpResponse]


def captcha_failure(request: HttpRequest, reason: Reason | str) -> HttpResponse:
    """The default failure view: 403 page, 400 JSON, or an HTMX fragment; 503 when the store is down."""
    reason = Reason(reason)
    message = Result(reason).message
    unavailable = reason is Reason.UNAVAILABLE
    if request.headers.get("HX-Request") == "true":
        response = render(
            request,
            "captcha_guard/failure_message.html",
            {"message": message, "reason": reason.value},
            status=503 if unavailable else 400,
        )
        # ASCII-only JSON (json.dumps escapes), so the header survives any translation.
        response["HX-Trigger"] = json.dumps({"captchaFailed": {"reason": reason.value, "message": message}})
        return response
    if wants_json(request):
        status = 503 if unavailable else 400
        body = {"code": status, "errmsg": message, "reason": reason.value}
        # Readable UTF-8 rather than \u escapes, as the tutorials' APIs return it.
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    context = {"message": message, "reason": reason.value, "back_url": _back_url(request)}
    return render(request, "captcha_guard/failure.html", context, status=503 if unavailable else 403)


def wants_json(request: HttpRequest) -> bool:
    """Whether the client is a script rather than a browser navigating (a form post)."""
    if is_json(request) or request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    # Browsers send Sec-Fetch-Mode: navigate for form submissions, cors/same-origin for fetch.
    mode = request.headers.get("Sec-Fetch-Mode", "")
    if mode and mode != "navigate":
        return True
    accept = request.headers.get("Accept", "")
    return bool(accept) and request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def respond(request: HttpRequest, reason: Reason, on_failure: FailureView | str | None = None) -> HttpResponse:
    """Call ``on_failure`` (a view or dotted path), or the configured ``FAILURE_VIEW``."""
    return resolve(on_failure)(request, reason)


def resolve(on_failure: FailureView | str | None = None) -> FailureView:
    view: Any = on_failure if on_failure is not None else get_settings()["FAILURE_VIEW"]
    if isinstance(view, str):
        view = import_string(view)
    return view  # type: ignore[no-any-return]


def _back_url(request: HttpRequest) -> str:
    """The page the form came from when it is on this site, else the path that was posted to."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return request.get_full_path()
