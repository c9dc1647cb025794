"""How the package answers a refused request, written once.

Every refusal comes from here: a failed check (through the default ``FAILURE_VIEW``), the
endpoints (``captcha/new/`` and the picture) and the DRF classes. The rules:

- status: 503 while the store is down, 429 when a client asked for too much, and for a
  failed check 403 to a browser posting a form (a page it can go back from) and 400 to a
  script;
- JSON: ``{"code": status, "errmsg": message, "reason": reason}``, the shape the Chinese
  tutorials' APIs return, in readable UTF-8;
- HTMX gets a fragment plus an ``HX-Trigger`` event, because HTMX does not swap 4xx
  responses unless the page configures it to;
- nothing a refusal says may be cached by a browser or a proxy.
"""

from __future__ import annotations

import functools
import json
import time
from typing import TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import http_date, url_has_allowed_host_and_scheme

from django_captcha_guard.core import Reason, Result
from django_captcha_guard.submission import is_json

__all__ = ["failed_check", "json_error", "private", "status_for", "text_error", "wants_json"]

# What django.utils.cache.add_never_cache_headers writes into a response without the header.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
# One encoder for every refusal: JsonResponse builds a new one per response, a third of a 429's cost.
_JSON = DjangoJSONEncoder(ensure_ascii=False)
RATE_LIMITED = "rate_limited"  # the reason of a 429, next to the verification reasons
Response = TypeVar("Response", bound=HttpResponse)


def status_for(reason: Reason | str, *, browser: bool = False) -> int:
    """The status of a refusal for ``reason``; ``browser`` for a form post that gets a page."""
    if reason == Reason.UNAVAILABLE:
        return 503
    if reason in (RATE_LIMITED, Reason.LIMITED):
        return 429
    return 403 if browser else 400


def json_error(reason: Reason | str, message: str, status: int | None = None) -> HttpResponse:
    status = status or status_for(reason)
    body = {"code": status, "errmsg": message, "reason": str(reason)}
    return private(HttpResponse(_JSON.encode(body), status=status, content_type="application/json"))


def text_error(message: str, status: int) -> HttpResponse:
    """A plain-text refusal, for URLs a browser loads as an image."""
    return private(HttpResponse(message, status=status, content_type="text/plain; charset=utf-8"))


def private(response: Response) -> Response:
    """Never cached: a picture or key kept by a browser or proxy would be shown after it was used up.

    The headers ``add_never_cache_headers`` writes, set directly: it parses and rebuilds
    ``Cache-Control`` twice per call, which cost as much as the rest of a refusal.
    """
    response["Cache-Control"] = NEVER_CACHE
    response["Expires"] = _expires(int(time.time()))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@functools.lru_cache(maxsize=2)
def _expires(now: int) -> str:
    return http_date(now)


def failed_check(request: HttpRequest, reason: Reason) -> HttpResponse:
    """A failed captcha check, answered as the client can use it: HTMX, JSON or a page."""
    message = Result(reason).message
    if request.headers.get("HX-Request") == "true":
        context = {"message": message, "reason": reason.value}
        response = render(request, "captcha_guard/failure_message.html", context, status=status_for(reason))
        # ASCII-only JSON (json.dumps escapes), so the header survives any translation.
        response["HX-Trigger"] = json.dumps({"captchaFailed": {"reason": reason.value, "message": message}})
        return response
    if wants_json(request):
        return json_error(reason, message)
    context = {"message": message, "reason": reason.value, "back_url": _back_url(request)}
    return render(request, "captcha_guard/failure.html", context, status=status_for(reason, browser=True))


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


def _back_url(request: HttpRequest) -> str:
    """The page the form came from when it is on this site, else the path that was posted to."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return request.get_full_path()
