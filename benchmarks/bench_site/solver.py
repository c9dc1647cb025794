"""Bench-only: hands the load generator the answer it needs to complete the whole flow.

The load generator cannot read the picture, and the package rightly never sends an
answer. This middleware exists only in the benchmark site's settings: when a request
carries ``X-Bench-Solve``, it adds ``X-Bench-Answer`` to the JSON issuing response,
computed with ``django_captcha_guard.testing.solve`` exactly as a test would. Requests
without the header (the issuing and image phases) pass through untouched.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from django_captcha_guard.testing import solve


class AnswerHeaderMiddleware:
    """Sync and async capable: a sync-only middleware would put every async view under ASGI
    behind a thread hop (Django adapts the whole chain below it), which is what the ASGI
    rows measure the async views against."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if iscoroutinefunction(self):
            return self._acall(request)
        return answered(request, self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        return answered(request, await self.get_response(request))


def answered(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if "X-Bench-Solve" in request.headers and response.status_code == 200:
        key = json.loads(response.content)["key"]
        response["X-Bench-Answer"] = solve(key)
    return response
