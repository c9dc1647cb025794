"""Bench-only: hands the load generator the answer it needs to complete the whole flow.

The load generator cannot read the picture, and the package rightly never sends an
answer. This middleware exists only in the benchmark site's settings: when a request
carries ``X-Bench-Solve``, it adds ``X-Bench-Answer`` to the JSON issuing response,
computed with ``django_captcha_guard.testing.solve`` exactly as a test would. Requests
without the header (the issuing and image phases) pass through untouched.
"""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from django_captcha_guard.testing import solve


class AnswerHeaderMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "X-Bench-Solve" in request.headers and response.status_code == 200:
            key = json.loads(response.content)["key"]
            response["X-Bench-Answer"] = solve(key)
        return response
