"""A strict Content-Security-Policy on every response of the demo.

No ``'unsafe-inline'`` anywhere: the demo proves that the captcha widget, its refresh
button and the single-page view work with scripts and styles from our own origin only.
The per-request nonce is what the ``{% captcha %}`` tag reads as ``request.csp_nonce``
for any ``<script>`` element it writes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers["Content-Security-Policy"] = POLICY.format(nonce=nonce)
        return response
